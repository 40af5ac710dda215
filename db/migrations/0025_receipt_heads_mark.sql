-- What ingest acknowledges, the epoch close counts (issue 14, part 7): ingest decides
-- monotonicity with core's rule (core/admission.ts `admitToStream`), which also needs the
-- timestamp and the epoch of the stream's mark — the last receipt that moved it forward
-- (`cumulative_bytes` is already the mark's bytes; `last_seq` stays the highest stored seq).
ALTER TABLE receipt_heads
  ADD COLUMN mark_timestamp int8 NOT NULL DEFAULT -1, -- -1 before the first counted receipt
  ADD COLUMN mark_epoch     int8 NOT NULL DEFAULT -1;

-- Existing streams: the mark is the accepted receipt with the highest seq.
UPDATE receipt_heads h
   SET mark_timestamp = m.timestamp, mark_epoch = m.epoch
  FROM (SELECT DISTINCT ON (session_id, supporter) session_id, supporter, timestamp, epoch
          FROM receipts WHERE verdict = 'accepted'
         ORDER BY session_id, supporter, seq DESC) m
 WHERE h.session_id = m.session_id AND h.supporter = m.supporter;
