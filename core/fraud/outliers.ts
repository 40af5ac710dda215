/**
 * Rule 7, `OUTLIER` (→ `flagged`): takes the unique receipts with their counted bytes (rule 6
 * applied) and hands on the epoch's outlier statistics, zeroing and flagging the counted
 * receipts of every supporter far above the median total. Pure.
 */
import type { Address } from "../eip712/domain.ts";
import type { Bytes } from "../units.ts";
import { cmpBig, cmpStr, R, type FraudRules, type Work } from "./work.ts";

export type OutlierStats = {
  /** Supporters with counted bytes before the outlier rule. */
  supporters: number;
  medianBytes: Bytes;
  thresholdBytes: Bytes;
  /** Flagged supporters, sorted. */
  flagged: Address[];
};

/**
 * With at least `outlierMinSupporters` supporters with counted bytes, a supporter whose epoch
 * total exceeds `outlierMedianMultiple ×` the median total (lower median) and `outlierMinBytes`
 * has all its counted receipts (but admin-accepted ones) held for review.
 */
export function flagOutliers(
  unique: readonly Work[],
  rules: Pick<FraudRules, "outlierMedianMultiple" | "outlierMinSupporters" | "outlierMinBytes">,
): OutlierStats {
  const totals = new Map<Address, Bytes>();
  for (const w of unique)
    if (w.countedBytes > 0n) totals.set(w.supporter, (totals.get(w.supporter) ?? 0n) + w.countedBytes);
  const stats = outliersOf(totals, rules);
  const flaggedSupporters = new Set<Address>(stats.flagged);
  for (const w of unique)
    if (flaggedSupporters.has(w.supporter) && w.countedBytes > 0n && w.override?.action !== "accept") {
      w.reasons |= R.OUTLIER;
      w.countedBytes = 0n;
    }
  return stats;
}

/**
 * The outlier rule on supporter (node) totals: which would be held for review. The one reading of
 * the rule — `flagOutliers` at epoch close and the live accrual (core/accrual.ts) on the open
 * epoch's totals so far both call it. Zero totals do not count as supporters.
 *
 * @example
 * outliersOf(new Map([["0xa…", 10n ** 12n], …]), DEFAULT_FRAUD_RULES).flagged; // ["0xa…"] when far above the median
 */
export function outliersOf(
  totals: ReadonlyMap<Address, Bytes>,
  rules: Pick<FraudRules, "outlierMedianMultiple" | "outlierMinSupporters" | "outlierMinBytes">,
): OutlierStats {
  const positive = [...totals].filter(([, total]) => total > 0n);
  const sorted = positive.map(([, total]) => total).sort(cmpBig);
  const medianBytes = sorted.length > 0 ? sorted[(sorted.length - 1) >> 1]! : 0n;
  const thresholdBytes = medianBytes * rules.outlierMedianMultiple;
  const flagged: Address[] = [];
  if (sorted.length >= rules.outlierMinSupporters)
    for (const [supporter, total] of positive)
      if (total > thresholdBytes && total >= rules.outlierMinBytes) flagged.push(supporter);
  return { supporters: sorted.length, medianBytes, thresholdBytes, flagged: flagged.sort(cmpStr) };
}
