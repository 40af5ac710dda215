/**
 * Rule 8, admin overrides, and the final verdict: takes one `Work` record after rules 1–7 and
 * hands on its `ReceiptVerdict` (status from the reason bits, counted bytes zeroed unless
 * accepted or clipped). Pure.
 */
import type { ReceiptVerdict } from "../verdict.ts";
import { isRejected, R, REASON_ORDER, statusOf, type Work } from "./work.ts";

/**
 * Overrides apply by receipt id and are ignored on `rejected`/`duplicate`: `accept` counts the
 * claimed increase in full (`ADMIN_ACCEPTED`); `reject` excludes (`ADMIN_REJECTED`).
 */
export function finalVerdict(w: Work): ReceiptVerdict {
  if (!isRejected(w) && (w.reasons & R.DUPLICATE) === 0 && w.override) {
    if (w.override.action === "reject") {
      w.reasons |= R.ADMIN_REJECTED;
      w.countedBytes = 0n;
    } else {
      w.reasons |= R.ADMIN_ACCEPTED;
      w.countedBytes = w.claimedBytes;
    }
  }
  const status = statusOf(w.reasons);
  if (status === "flagged" || status === "rejected" || status === "duplicate") w.countedBytes = 0n;
  const verdict: ReceiptVerdict = {
    index: w.index,
    id: w.id,
    status,
    reasons: w.reasons === 0 ? [] : REASON_ORDER.filter((r) => (w.reasons & R[r]) !== 0),
    claimedBytes: w.claimedBytes,
    countedBytes: w.countedBytes,
  };
  if (w.override && !isRejected(w) && (w.reasons & R.DUPLICATE) === 0) verdict.override = w.override;
  return verdict;
}
