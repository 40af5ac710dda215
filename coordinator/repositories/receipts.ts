import type { Queryable } from "../../db/types.ts";
import { RECEIPT_COLUMNS, receiptOfColumns, type ReceiptColumns } from "../../db/rows/receipts.ts";
import { decideAgainstHeads, type Head, type HeadDecision } from "../lib/receipt-heads.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

/** A receipt that passed signature, grant, domain and epoch checks, ready to store. */
export type VerifiedReceipt = {
  epoch: number;
  sessionId: Hex;
  supporter: Hex;
  viewer: Hex;
  seq: bigint;
  cumulativeBytes: bigint;
  timestamp: bigint;
  signature: Hex;
};

const keyOf = (sessionId: string, supporter: string) => `${sessionId.toLowerCase()}:${supporter.toLowerCase()}`;

/**
 * Stores a batch of verified receipts in the caller's transaction and returns one decision
 * per receipt (same order): locks the (session, supporter) heads in a fixed order (so two
 * API processes serialize on shared heads instead of double-counting or deadlocking),
 * decides monotonicity, inserts the stored receipts in one multi-row INSERT and advances the
 * heads (core's `admitToStream`, via `decideAgainstHeads`). Replays, and receipts that went
 * backwards into an epoch before their stream's mark, store nothing.
 */
export async function storeReceipts(tx: Queryable, receipts: readonly VerifiedReceipt[]): Promise<HeadDecision[]> {
  if (receipts.length === 0) return [];
  const pairs = new Map<string, [Buffer, Buffer]>();
  for (const r of receipts) {
    const k = keyOf(r.sessionId, r.supporter);
    if (!pairs.has(k)) pairs.set(k, [hexToBuffer(r.sessionId), hexToBuffer(r.supporter)]);
  }
  const sessions = [...pairs.values()].map((p) => p[0]);
  const supporters = [...pairs.values()].map((p) => p[1]);

  await tx.query(
    `INSERT INTO receipt_heads (session_id, supporter, last_seq, cumulative_bytes, mark_timestamp, mark_epoch)
     SELECT s, p, -1, 0, -1, -1 FROM unnest($1::bytea[], $2::bytea[]) AS t(s, p) ORDER BY s, p
     ON CONFLICT (session_id, supporter) DO NOTHING`,
    [sessions, supporters],
  );
  const locked = await tx.query<{
    session_id: Uint8Array;
    supporter: Uint8Array;
    last_seq: bigint;
    cumulative_bytes: bigint;
    mark_timestamp: bigint;
    mark_epoch: bigint;
  }>(
    `SELECT h.session_id, h.supporter, h.last_seq, h.cumulative_bytes, h.mark_timestamp, h.mark_epoch
       FROM receipt_heads h JOIN unnest($1::bytea[], $2::bytea[]) AS t(s, p)
         ON h.session_id = t.s AND h.supporter = t.p
      ORDER BY h.session_id, h.supporter
      FOR UPDATE OF h`,
    [sessions, supporters],
  );
  const heads = new Map<string, Head>();
  for (const row of locked.rows)
    heads.set(keyOf(bytesToHex(row.session_id), bytesToHex(row.supporter)), {
      storedSeq: row.last_seq,
      // the mark's seq is not kept: admitToStream only compares it with seqs above storedSeq ≥ it
      mark: { seq: row.last_seq, cumulativeBytes: row.cumulative_bytes, timestamp: row.mark_timestamp },
      markEpoch: row.mark_epoch,
    });
  const before = new Map(heads);

  const decisions = decideAgainstHeads(
    heads,
    receipts.map((r) => ({
      key: keyOf(r.sessionId, r.supporter),
      seq: r.seq,
      cumulativeBytes: r.cumulativeBytes,
      timestamp: r.timestamp,
      epoch: BigInt(r.epoch),
    })),
  );

  const stored = receipts.flatMap((r, i) => (decisions[i]!.store ? [{ r, d: decisions[i]! }] : []));
  if (stored.length > 0) {
    await tx.query(
      `INSERT INTO receipts (epoch, session_id, supporter, viewer, seq, cumulative_bytes, delta_bytes, timestamp,
                             signature, verdict, reason)
       SELECT * FROM unnest($1::int8[], $2::bytea[], $3::bytea[], $4::bytea[], $5::int8[], $6::numeric[],
                            $7::numeric[], $8::int8[], $9::bytea[], $10::text[], $11::text[])`,
      [
        stored.map(({ r }) => r.epoch),
        stored.map(({ r }) => hexToBuffer(r.sessionId)),
        stored.map(({ r }) => hexToBuffer(r.supporter)),
        stored.map(({ r }) => hexToBuffer(r.viewer)),
        stored.map(({ r }) => r.seq.toString()),
        stored.map(({ r }) => r.cumulativeBytes.toString()),
        stored.map(({ d }) => d.deltaBytes.toString()),
        stored.map(({ r }) => r.timestamp.toString()),
        stored.map(({ r }) => hexToBuffer(r.signature)),
        stored.map(({ d }) => d.verdict),
        stored.map(({ d }) => (d.verdict === "accepted" ? null : d.reason)),
      ],
    );
  }

  const changed = [...heads].filter(([k, h]) => before.get(k) !== h);
  if (changed.length > 0) {
    await tx.query(
      `UPDATE receipt_heads h SET last_seq = t.q, cumulative_bytes = t.c, mark_timestamp = t.mt, mark_epoch = t.me,
                                  updated_at = now()
         FROM unnest($1::bytea[], $2::bytea[], $3::int8[], $4::numeric[], $5::int8[], $6::int8[])
              AS t(s, p, q, c, mt, me)
        WHERE h.session_id = t.s AND h.supporter = t.p`,
      [
        changed.map(([k]) => pairs.get(k)![0]),
        changed.map(([k]) => pairs.get(k)![1]),
        changed.map(([, h]) => h.storedSeq.toString()),
        changed.map(([, h]) => h.mark.cumulativeBytes.toString()),
        changed.map(([, h]) => h.mark.timestamp.toString()),
        changed.map(([, h]) => h.markEpoch.toString()),
      ],
    );
  }
  return decisions;
}

export type ReceiptRow = VerifiedReceipt & {
  deltaBytes: bigint;
  verdict: "accepted" | "duplicate";
  reason: string | null;
};

/** Stored receipts of a (session, supporter), by seq (tests and auditors). */
export async function receiptsOf(q: Queryable, sessionId: Hex, supporter: Hex): Promise<ReceiptRow[]> {
  const { rows } = await q.query<ReceiptColumns<"accepted" | "duplicate"> & { signature: Uint8Array }>(
    `SELECT ${RECEIPT_COLUMNS}, signature
       FROM receipts WHERE session_id = $1 AND supporter = $2 ORDER BY seq`,
    [hexToBuffer(sessionId), hexToBuffer(supporter)],
  );
  return rows.map((r) => ({
    ...receiptOfColumns(r),
    epoch: Number(r.epoch),
    signature: bytesToHex(r.signature),
  }));
}

/** Totals over stored receipts (tests, offload ratio): counted bytes and row counts. */
export async function receiptTotals(
  q: Queryable,
  epoch?: number,
): Promise<{ rows: bigint; accepted: bigint; deltaBytes: bigint }> {
  const { rows } = await q.query<{ rows: bigint; accepted: bigint; delta: bigint }>(
    `SELECT count(*)::int8 AS rows, count(*) FILTER (WHERE verdict = 'accepted')::int8 AS accepted,
            COALESCE(sum(delta_bytes), 0)::numeric(78,0) AS delta
       FROM receipts WHERE ($1::int8 IS NULL OR epoch = $1)`,
    [epoch ?? null],
  );
  return { rows: rows[0]!.rows, accepted: rows[0]!.accepted, deltaBytes: rows[0]!.delta };
}
