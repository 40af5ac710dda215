import type { Address, RewardsDomain } from "./eip712/domain.ts";
import type { SignedHeartbeat, SignedReceipt } from "./eip712/receipts.ts";
import type { SignedSessionGrant, SignedSupporterRegistration } from "./eip712/sessions.ts";
import {
  REASONS,
  type Override,
  type ReasonCode,
  type ReceiptVerdict,
  type StreamCheckpoint,
  type VerdictStatus,
} from "./verdict.ts";
import { type VerifyResult, verifyTypedMessages } from "./verify.ts";
import { authenticate } from "./fraud/authenticity.ts";
import { applyBitrate } from "./fraud/bitrate.ts";
import { checkOnline, checkSelfDealing } from "./fraud/conduct.ts";
import { indexGrants, indexOverrides, indexRegistry } from "./fraud/inputs.ts";
import { flagOutliers, type OutlierStats } from "./fraud/outliers.ts";
import { checkStreams, markDuplicates } from "./fraud/streams.ts";
import { finalVerdict } from "./fraud/verdicts.ts";
import { cmpStr, DEFAULT_FRAUD_RULES, lower, type FraudRules, type Work } from "./fraud/work.ts";

export { REASONS, type ReasonCode, type ReceiptVerdict, type StreamCheckpoint, type Override, type VerdictStatus };
export { DEFAULT_FRAUD_RULES, type FraudRules, type OutlierStats };

/**
 * The fraud rules of an epoch, as one pure function: from the epoch's receipts, grants,
 * registrations and heartbeats to one verdict per receipt (`core/verdict.ts`), with stable
 * reason codes. Nothing is dropped: the i-th verdict is the i-th receipt's. The result does not
 * depend on the order of any input array (every rule works on canonically sorted data).
 *
 * Rules, in the order they run (the grant, registration and monotonicity rules are
 * core/admission.ts's functions, which ingest calls too: what it acknowledges, this counts):
 *
 * 1. Authenticity (→ `rejected`): `MALFORMED`; `WRONG_DOMAIN` (the submission names another
 *    chain/contract); `INVALID_SIGNATURE` (malformed, high s, bad v, or not by `viewer`);
 *    `NO_GRANT` (no coordinator-signed grant for this session and viewer key);
 *    `GRANT_EXPIRED` (timestamp outside every such grant's [notBefore, notAfter]);
 *    `OUT_OF_EPOCH` (timestamp outside [epochStart, epochEnd)); `UNREGISTERED` (the supporter
 *    has no valid registration effective at this epoch).
 * 2. `DUPLICATE`: the same receipt id (EIP-712 digest) again; the first in canonical order
 *    (lowest signature, then index) stands.
 * 3. `NON_MONOTONIC` (→ `flagged`): per (session, supporter), in (seq, timestamp, bytes, id)
 *    order from the carried-in checkpoint, seq must strictly increase and cumulative bytes and
 *    timestamp must not decrease. The increase over the previous monotonic receipt is what a
 *    receipt claims; flagged receipts below still advance the watermark (their bytes are
 *    never recounted later).
 * 4. `SELF_DEALING` (→ `flagged`): the viewer key is the supporter's node or payout address,
 *    or a registered node paying out to the supporter's payout address.
 * 5. `NODE_OFFLINE` (→ `flagged`): no valid heartbeat of the supporter within
 *    ±`offlineToleranceSeconds` of the receipt's timestamp.
 * 6. `BITRATE_EXCEEDED` (→ `clipped`): per session, over all its supporters, in (timestamp,
 *    supporter, seq, id) order, counted bytes never exceed
 *    `maxBitsPerSecond × (t − notBefore + bitrateBurstSeconds) / 8 × bitrateToleranceBps / 10 000`
 *    (minus bytes counted for the session in earlier epochs); each receipt counts what is left.
 * 7. `OUTLIER` (→ `flagged`): with at least `outlierMinSupporters` supporters with counted
 *    bytes, a supporter whose epoch total exceeds `outlierMedianMultiple ×` the median total
 *    (lower median) and `outlierMinBytes` has all its counted receipts held for review.
 * 8. Admin overrides (by receipt id; on `rejected`/`duplicate` they are ignored): `accept`
 *    counts the claimed increase in full (`ADMIN_ACCEPTED`, applied before the bitrate budget
 *    is shared out); `reject` excludes (`ADMIN_REJECTED`). Conflicting overrides: `reject` wins.
 */

/** A receipt as submitted: the signed receipt and, optionally, the domain the client says it signed for. */
export type ReceiptSubmission = SignedReceipt & { domain?: RewardsDomain | undefined };

export type EvaluateEpochParameters = {
  /** The deployment's domain: every message must be signed for it. */
  domain: RewardsDomain;
  epoch: bigint;
  /** Unix seconds, inclusive. */
  epochStart: bigint;
  /** Unix seconds, exclusive. */
  epochEnd: bigint;
  /** The coordinator address that signs session grants. */
  coordinator: Address;
  receipts: readonly ReceiptSubmission[];
  grants: readonly SignedSessionGrant[];
  registrations: readonly SignedSupporterRegistration[];
  heartbeats: readonly SignedHeartbeat[];
  /** Where each (session, supporter) stood after the previous epoch (from its result). */
  checkpoints?: readonly StreamCheckpoint[] | undefined;
  overrides?: readonly Override[] | undefined;
  /**
   * Signature results already computed (e.g. by `createVerifyPool` at ingest), aligned with
   * the arrays above; missing ones are verified here on the calling thread.
   */
  verified?:
    | {
        receipts?: readonly VerifyResult[] | undefined;
        grants?: readonly VerifyResult[] | undefined;
        registrations?: readonly VerifyResult[] | undefined;
        heartbeats?: readonly VerifyResult[] | undefined;
      }
    | undefined;
  rules?: Partial<FraudRules> | undefined;
};

export type EvaluateEpochReturnType = {
  /** One per input receipt, same order. */
  verdicts: ReceiptVerdict[];
  /** Stream positions to carry into the next epoch, sorted by (sessionId, supporter). */
  checkpoints: StreamCheckpoint[];
  /** The registry effective this epoch: node → payout (lower-case), sorted by node. */
  registry: { node: Address; payout: Address }[];
  outliers: OutlierStats;
  rules: FraudRules;
};

/**
 * Runs every fraud rule over one epoch.
 *
 * @example
 * const { verdicts, checkpoints } = evaluateEpoch({
 *   domain, epoch: 7n, epochStart, epochEnd, coordinator,
 *   receipts, grants, registrations, heartbeats, checkpoints: previous.checkpoints,
 * });
 * verdicts.filter((v) => v.status !== "accepted").map((v) => [v.index, v.reasons]);
 */
export function evaluateEpoch(parameters: EvaluateEpochParameters): EvaluateEpochReturnType {
  const { domain, epoch, epochStart, epochEnd } = parameters;
  const rules: FraudRules = { ...DEFAULT_FRAUD_RULES, ...parameters.rules };
  const coordinator = lower(parameters.coordinator);
  const verified = parameters.verified ?? {};

  // the epoch's other inputs, indexed once (core/fraud/inputs.ts)
  const { payoutOf, nodeInfo } = indexRegistry(
    domain,
    epoch,
    parameters.registrations,
    verified.registrations,
    parameters.heartbeats,
    verified.heartbeats,
  );
  const grantsBySession = indexGrants(domain, coordinator, parameters.grants, verified.grants);
  const overrides = indexOverrides(parameters.overrides ?? []);

  // 1. authenticity: the one pass over every receipt builds its record
  const receiptResults =
    verified.receipts ?? verifyTypedMessages({ domain, primaryType: "Receipt", items: parameters.receipts });
  const ctx = { domain, epochStart, epochEnd, grantsBySession, nodeInfo };
  const work: Work[] = parameters.receipts.map((sub, index) => authenticate(sub, index, receiptResults[index], ctx));

  // 2. duplicates; then the overrides of what stands
  const unique = markDuplicates(work);
  for (const w of unique) w.override = overrides.get(w.id!);

  // 3. monotonic streams
  const { checkpointIn, checkpointsOut } = checkStreams(unique, parameters.checkpoints ?? []);

  // 4, 5. self-dealing and offline, on each monotonic receipt
  for (const w of unique) {
    if (!w.monotonic) continue;
    checkSelfDealing(w);
    checkOnline(w, rules.offlineToleranceSeconds);
  }

  // 6. bitrate, per session over all supporters
  applyBitrate(unique, checkpointIn.values(), rules);

  // 7. outliers
  const outliers = flagOutliers(unique, rules);

  // 8. overrides and the final status
  const verdicts = work.map(finalVerdict);

  for (const w of unique) w.stream!.countedBytes += w.countedBytes;
  const checkpoints = [...checkpointsOut.values()].sort(
    (a, b) => cmpStr(a.sessionId, b.sessionId) || cmpStr(a.supporter, b.supporter),
  );
  return {
    verdicts,
    checkpoints,
    registry: [...payoutOf].map(([node, payout]) => ({ node, payout })).sort((a, b) => cmpStr(a.node, b.node)),
    outliers,
    rules,
  };
}
