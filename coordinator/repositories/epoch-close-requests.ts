/**
 * `epoch_close_requests` (db/migrations/0030_epoch_close_requests.sql): an admin's request to
 * close an ended epoch without the grace. The coordinator's only write for an early close: the
 * database carries the request out with the oracle's close (`close_epoch()`) as it is stored.
 */
import type { Queryable } from "../../db/types.ts";

/**
 * Records the request and so closes the epoch (OPEN → CLOSED, the close time in `epoch_state`)
 * in the caller's transaction. Returns whether it was carried out (false: the epoch was no
 * longer OPEN, and nothing was stored).
 */
export async function requestEpochClose(
  q: Queryable,
  r: { epoch: bigint; requestedBy: string; requestId: string },
): Promise<boolean> {
  const res = await q.query("INSERT INTO epoch_close_requests (epoch, requested_by, request_id) VALUES ($1, $2, $3)", [
    r.epoch.toString(),
    r.requestedBy,
    r.requestId,
  ]);
  return res.rowCount === 1;
}
