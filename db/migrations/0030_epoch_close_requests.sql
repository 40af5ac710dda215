-- One writer per table (issue 17): the oracle's close (OPEN → CLOSED in `epochs`, the close time
-- in `epoch_state`) is defined once, here, as close_epoch(); the oracle's close transition calls
-- it (oracle/repositories/epochs.ts `closeEpoch`), and nothing else writes those two columns.
--
-- An admin who closes an ended epoch early (POST /v1/admin/epochs/:epoch/close, GraphQL
-- closeEpoch) does not write them either: the coordinator records the request in
-- epoch_close_requests, the one table it writes for it (coordinator/repositories/epoch-close-requests.ts),
-- and the request is carried out by the same close_epoch(), without the late-receipt grace (as
-- `ledger oracle close-epoch N --force`), in the request's own transaction — so the answer still
-- shows the epoch CLOSED and ingest refuses its receipts from that commit on. A request the close
-- cannot carry out (the epoch is no longer OPEN) is not stored.

-- OPEN → CLOSED and epoch_state.closed_at; returns whether the epoch moved (false: not OPEN).
CREATE FUNCTION close_epoch(target int8) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE epochs SET status = 'CLOSED' WHERE number = target AND status = 'OPEN';
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO epoch_state (epoch, closed_at) VALUES (target, now())
    ON CONFLICT (epoch) DO UPDATE SET closed_at = COALESCE(epoch_state.closed_at, now()), updated_at = now();
  RETURN true;
END
$$;

-- An admin's request to close an epoch before its grace ends: who asked, in which request.
CREATE TABLE epoch_close_requests (
  id           int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  epoch        int8 NOT NULL REFERENCES epochs (number),
  requested_by text NOT NULL,
  request_id   text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);

-- Carries a request out as it is stored; a request for an epoch no longer OPEN is dropped (the
-- INSERT stores no row, which the coordinator answers 409 EPOCH_NOT_OPEN).
CREATE FUNCTION carry_out_epoch_close_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF close_epoch(NEW.epoch) THEN
    RETURN NEW;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER epoch_close_requests_carry_out BEFORE INSERT ON epoch_close_requests
  FOR EACH ROW EXECUTE FUNCTION carry_out_epoch_close_request();
