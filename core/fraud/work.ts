/**
 * What every fraud rule (core/fraud/*.ts) reads and writes: the tunable thresholds, one `Work`
 * record per receipt with the reasons that fired as bits (no Set per receipt), and the small
 * comparators. Pure; handed on to `evaluateEpoch` (core/fraud.ts) and each rule.
 */
import type { Address } from "../eip712/domain.ts";
import type { Receipt } from "../eip712/receipts.ts";
import type { SessionGrant } from "../eip712/sessions.ts";
import type { Hex } from "../hex.ts";
import { toLower } from "../lower.ts";
import type { Bps, Bytes } from "../units.ts";
import { REASONS, type Override, type ReasonCode, type StreamCheckpoint, type VerdictStatus } from "../verdict.ts";

/** The tunable thresholds of the rules; defaults in `DEFAULT_FRAUD_RULES`. */
export type FraudRules = {
  /** Slack on the bitrate cap, bps (10 500 = 5 % over the cap is tolerated). */
  bitrateToleranceBps: Bps;
  /** Seconds of allowance granted up front (player buffer at session start). */
  bitrateBurstSeconds: bigint;
  /** A receipt is "online" if a heartbeat of its node lies within this many seconds. */
  offlineToleranceSeconds: bigint;
  /** Outlier when above this multiple of the median supporter total. */
  outlierMedianMultiple: bigint;
  /** The outlier rule only runs with at least this many supporters with counted bytes. */
  outlierMinSupporters: number;
  /** …and only flags totals of at least this many bytes. */
  outlierMinBytes: Bytes;
};

export const DEFAULT_FRAUD_RULES: FraudRules = Object.freeze({
  bitrateToleranceBps: 10_500n,
  bitrateBurstSeconds: 10n,
  offlineToleranceSeconds: 180n,
  outlierMedianMultiple: 20n,
  outlierMinSupporters: 5,
  outlierMinBytes: 1_000_000_000n,
});

/** What rules 4 and 5 read of a registered supporter node, found once per receipt (rule 1). */
export type NodeInfo = { payout: Address; siblings: Set<Address>; beats: bigint[] | undefined };

export type Work = {
  index: number;
  receipt: Receipt;
  signature: string;
  id: Hex | null;
  session: string;
  supporter: Address;
  viewer: Address;
  grant: SessionGrant | undefined;
  /** The reasons that fired, as bits of `R` (a number: no Set per receipt at a million receipts). */
  reasons: number;
  claimedBytes: Bytes;
  countedBytes: Bytes;
  monotonic: boolean;
  override: Override | undefined;
  /** The supporter's registry entry (set by rule 1 when registered). */
  node: NodeInfo | undefined;
  /** The checkpoint out of this receipt's stream (set by rule 3; no key lookup per receipt later). */
  stream: StreamCheckpoint | undefined;
};

export const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
export const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const lower = (a: string) => toLower(a) as Address;
export const REASON_ORDER = Object.keys(REASONS) as ReasonCode[];
const REJECTING = REASON_ORDER.filter((r) => REASONS[r].status === "rejected");
const FLAGGING = REASON_ORDER.filter((r) => REASONS[r].status === "flagged");
/** One bit per reason code, in `REASON_ORDER` (15 codes: fits a 31-bit integer). */
export const R = Object.freeze(
  Object.fromEntries(REASON_ORDER.map((r, i) => [r, 1 << i])) as Record<ReasonCode, number>,
);
const bitsOf = (codes: readonly ReasonCode[]) => codes.reduce((m, r) => m | R[r], 0);
const REJECTING_BITS = bitsOf(REJECTING);
const FLAGGING_BITS = bitsOf(FLAGGING);

export const isRejected = (w: Work) => (w.reasons & REJECTING_BITS) !== 0;

/** The status a set of reason bits implies. */
export function statusOf(reasons: number): VerdictStatus {
  if (reasons === 0) return "accepted";
  if ((reasons & REJECTING_BITS) !== 0) return "rejected";
  if ((reasons & R.DUPLICATE) !== 0) return "duplicate";
  if ((reasons & R.ADMIN_ACCEPTED) !== 0) return "accepted";
  if ((reasons & FLAGGING_BITS) !== 0) return "flagged";
  if ((reasons & R.BITRATE_EXCEEDED) !== 0) return "clipped";
  return "accepted";
}
