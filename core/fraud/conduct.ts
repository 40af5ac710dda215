/**
 * Rules 4 and 5 on one monotonic receipt (→ `flagged`): `SELF_DEALING` (the viewer key is the
 * supporter's node or payout address, or a registered node paying out to the supporter's
 * payout address) and `NODE_OFFLINE` (no valid heartbeat of the supporter within the
 * tolerance). Takes a `Work` record with its registry entry; sets the bits. Pure.
 */
import { R, type Work } from "./work.ts";

/** Rule 4 on one monotonic receipt. */
export function checkSelfDealing(w: Work): void {
  const node = w.node!;
  if (w.viewer === w.supporter || w.viewer === node.payout || node.siblings.has(w.viewer)) w.reasons |= R.SELF_DEALING;
}

/** Rule 5 on one monotonic receipt. */
export function checkOnline(w: Work, toleranceSeconds: bigint): void {
  if (!isOnline(w.node!.beats, w.receipt.timestamp, toleranceSeconds)) w.reasons |= R.NODE_OFFLINE;
}

/** Whether a sorted list of heartbeat timestamps has one within `tolerance` of `t`. */
function isOnline(sortedBeats: readonly bigint[] | undefined, t: bigint, tolerance: bigint): boolean {
  if (!sortedBeats || sortedBeats.length === 0) return false;
  let lo = 0;
  let hi = sortedBeats.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedBeats[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  const after = sortedBeats[lo];
  const before = lo > 0 ? sortedBeats[lo - 1] : undefined;
  return (after !== undefined && after - t <= tolerance) || (before !== undefined && t - before <= tolerance);
}
