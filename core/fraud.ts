import {
  type Address,
  type Hex,
  type Receipt,
  type RewardsDomain,
  type SessionGrant,
  type SignedHeartbeat,
  type SignedReceipt,
  type SignedSessionGrant,
  type SignedSupporterRegistration,
} from "./eip712.ts";
import { isRegistrationEffective, selectGrant, STREAM_START, streamStep, type GrantCandidate } from "./admission.ts";
import { toLower } from "./lower.ts";
import { BPS_DENOMINATOR, type Bps, type Bytes } from "./units.ts";
import {
  REASONS,
  type Override,
  type ReasonCode,
  type ReceiptVerdict,
  type StreamCheckpoint,
  type VerdictStatus,
} from "./verdict.ts";
import { type VerifyResult, verifyTypedMessages } from "./verify.ts";

export { REASONS, type ReasonCode, type ReceiptVerdict, type StreamCheckpoint, type Override, type VerdictStatus };

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

export type OutlierStats = {
  /** Supporters with counted bytes before the outlier rule. */
  supporters: number;
  medianBytes: Bytes;
  thresholdBytes: Bytes;
  /** Flagged supporters, sorted. */
  flagged: Address[];
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

type Work = {
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
  node: { payout: Address; siblings: Set<Address>; beats: bigint[] | undefined } | undefined;
  /** The checkpoint out of this receipt's stream (set by rule 3; no key lookup per receipt later). */
  stream: StreamCheckpoint | undefined;
};

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lower = (a: string) => toLower(a) as Address;
const REASON_ORDER = Object.keys(REASONS) as ReasonCode[];
const REJECTING = REASON_ORDER.filter((r) => REASONS[r].status === "rejected");
const FLAGGING = REASON_ORDER.filter((r) => REASONS[r].status === "flagged");
/** One bit per reason code, in `REASON_ORDER` (15 codes: fits a 31-bit integer). */
const R = Object.freeze(Object.fromEntries(REASON_ORDER.map((r, i) => [r, 1 << i])) as Record<ReasonCode, number>);
const bitsOf = (codes: readonly ReasonCode[]) => codes.reduce((m, r) => m | R[r], 0);
const REJECTING_BITS = bitsOf(REJECTING);
const FLAGGING_BITS = bitsOf(FLAGGING);

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

  // --- registry: latest valid registration per node effective at this epoch --------------------
  const regResults =
    verified.registrations ??
    verifyTypedMessages({ domain, primaryType: "SupporterRegistration", items: parameters.registrations });
  const latest = new Map<Address, { payout: Address; effectiveEpoch: bigint; nonce: bigint; digest: string }>();
  parameters.registrations.forEach((reg, i) => {
    const r = regResults[i];
    if (!r?.valid || r.digest === null || !isRegistrationEffective(reg.message.effectiveEpoch, epoch)) return;
    const node = lower(reg.message.node);
    const cur = latest.get(node);
    const order = !cur
      ? 1
      : cmpBig(reg.message.effectiveEpoch, cur.effectiveEpoch) ||
        cmpBig(reg.message.nonce, cur.nonce) ||
        cmpStr(cur.digest, r.digest);
    if (order > 0)
      latest.set(node, {
        payout: lower(reg.message.payout),
        effectiveEpoch: reg.message.effectiveEpoch,
        nonce: reg.message.nonce,
        digest: r.digest,
      });
  });
  const payoutOf = new Map<Address, Address>();
  const nodesByPayout = new Map<Address, Set<Address>>();
  for (const [node, { payout }] of latest) {
    payoutOf.set(node, payout);
    let set = nodesByPayout.get(payout);
    if (!set) nodesByPayout.set(payout, (set = new Set()));
    set.add(node);
  }

  // --- grants: valid coordinator-signed grants by session -----------------------------------------
  const grantResults =
    verified.grants ??
    verifyTypedMessages({ domain, primaryType: "SessionGrant", items: parameters.grants, expectedSigner: coordinator });
  const grantsBySession = new Map<string, GrantCandidate[]>();
  parameters.grants.forEach((g, i) => {
    const r = grantResults[i];
    if (!r?.valid || r.digest === null) return;
    const key = toLower(g.message.sessionId);
    let list = grantsBySession.get(key);
    if (!list) grantsBySession.set(key, (list = []));
    list.push({ grant: g.message, digest: r.digest });
  });

  // --- heartbeats: sorted valid timestamps per node ---------------------------------------------
  const hbResults =
    verified.heartbeats ?? verifyTypedMessages({ domain, primaryType: "Heartbeat", items: parameters.heartbeats });
  const beats = new Map<Address, bigint[]>();
  parameters.heartbeats.forEach((h, i) => {
    if (!hbResults[i]?.valid) return;
    const node = lower(h.message.node);
    let list = beats.get(node);
    if (!list) beats.set(node, (list = []));
    list.push(h.message.timestamp);
  });
  for (const list of beats.values()) list.sort(cmpBig);

  // what rules 4 and 5 read of a registered supporter node, found once per receipt (rule 1)
  type NodeInfo = { payout: Address; siblings: Set<Address>; beats: bigint[] | undefined };
  const nodeInfo = new Map<Address, NodeInfo>();
  for (const [node, payout] of payoutOf)
    nodeInfo.set(node, { payout, siblings: nodesByPayout.get(payout)!, beats: beats.get(node) });

  // --- overrides: one per id, reject wins --------------------------------------------------------
  const overrides = new Map<string, Override>();
  for (const o of [...(parameters.overrides ?? [])].sort(
    (a, b) =>
      cmpStr(toLower(a.receiptId), toLower(b.receiptId)) ||
      cmpStr(a.action, b.action) ||
      cmpStr(a.by, b.by) ||
      cmpStr(a.note, b.note),
  )) {
    const key = toLower(o.receiptId);
    const cur = overrides.get(key);
    if (!cur || (cur.action === "accept" && o.action === "reject")) overrides.set(key, o);
  }

  // --- 1. authenticity ---------------------------------------------------------------------------
  const receiptResults =
    verified.receipts ?? verifyTypedMessages({ domain, primaryType: "Receipt", items: parameters.receipts });
  const sameDomain = (d: RewardsDomain) =>
    d.chainId === domain.chainId && toLower(d.verifyingContract) === toLower(domain.verifyingContract);
  const work: Work[] = parameters.receipts.map((sub, index) => {
    const r = receiptResults[index];
    const receipt = sub.message;
    const w: Work = {
      index,
      receipt,
      signature: typeof sub.signature === "string" ? toLower(sub.signature) : "",
      id: r?.digest ?? null,
      session: "",
      supporter: "0x",
      viewer: "0x",
      grant: undefined,
      reasons: 0,
      claimedBytes: 0n,
      countedBytes: 0n,
      monotonic: false,
      override: undefined,
      node: undefined,
      stream: undefined,
    };
    if (!r || r.digest === null) {
      w.reasons |= R.MALFORMED;
      return w;
    }
    w.session = toLower(receipt.sessionId);
    w.supporter = lower(receipt.supporter);
    w.viewer = lower(receipt.viewer);
    if (sub.domain && !sameDomain(sub.domain)) w.reasons |= R.WRONG_DOMAIN;
    else if (!r.valid) w.reasons |= R.INVALID_SIGNATURE;
    // the session's grants to this viewer key: the one covering the timestamp (core/admission.ts)
    const granted = selectGrant(grantsBySession.get(w.session), w.viewer, receipt.timestamp);
    if (granted.reason === "NO_GRANT") w.reasons |= R.NO_GRANT;
    else if (granted.reason === "GRANT_EXPIRED") w.reasons |= R.GRANT_EXPIRED;
    else w.grant = granted.grant;
    if (receipt.timestamp < epochStart || receipt.timestamp >= epochEnd) w.reasons |= R.OUT_OF_EPOCH;
    w.node = nodeInfo.get(w.supporter);
    if (w.node === undefined) w.reasons |= R.UNREGISTERED;
    return w;
  });
  const isRejected = (w: Work) => (w.reasons & REJECTING_BITS) !== 0;

  // --- 2. duplicates ------------------------------------------------------------------------------
  // One pass with a map by id (no sort of every receipt): of the receipts sharing an id, the
  // lowest in (signature, index) order stands. Every later rule orders what it reads itself,
  // so the order of `unique` is immaterial.
  const standing = new Map<Hex, Work>();
  const precedes = (a: Work, b: Work) =>
    cmpStr(a.signature, b.signature) < 0 || (a.signature === b.signature && a.index < b.index);
  for (const w of work) {
    if (isRejected(w)) continue;
    const cur = standing.get(w.id!);
    if (cur === undefined) standing.set(w.id!, w);
    else if (precedes(w, cur)) {
      cur.reasons |= R.DUPLICATE;
      standing.set(w.id!, w);
    } else w.reasons |= R.DUPLICATE;
  }
  const unique: Work[] = [...standing.values()];
  standing.clear();
  for (const w of unique) w.override = overrides.get(w.id!);

  // --- 3. monotonic streams -----------------------------------------------------------------------
  const streamKey = (session: string, supporter: string) => `${session}|${supporter}`;
  const checkpointIn = new Map<string, StreamCheckpoint>();
  for (const c of parameters.checkpoints ?? [])
    checkpointIn.set(streamKey(toLower(c.sessionId), toLower(c.supporter)), c);
  // streams by session, then supporter: the receipts' own (shared) strings are the keys, so no
  // key string is built per receipt
  const streams = new Map<string, Map<string, Work[]>>();
  for (const w of unique) {
    let bySupporter = streams.get(w.session);
    if (!bySupporter) streams.set(w.session, (bySupporter = new Map<string, Work[]>()));
    let list = bySupporter.get(w.supporter);
    if (!list) bySupporter.set(w.supporter, (list = []));
    list.push(w);
  }
  const checkpointsOut = new Map<string, StreamCheckpoint>();
  for (const [key, c] of checkpointIn) checkpointsOut.set(key, { ...c });
  for (const list of [...streams.values()].flatMap((m) => [...m.values()])) {
    const key = streamKey(list[0]!.session, list[0]!.supporter);
    list.sort(
      (a, b) =>
        cmpBig(a.receipt.seq, b.receipt.seq) ||
        cmpBig(a.receipt.timestamp, b.receipt.timestamp) ||
        cmpBig(a.receipt.cumulativeBytes, b.receipt.cumulativeBytes) ||
        cmpStr(a.id!, b.id!),
    );
    const prev = checkpointIn.get(key);
    // the stream's mark, moved by each forward receipt (core/admission.ts: ingest decides the same)
    const mark = prev
      ? { seq: prev.seq, cumulativeBytes: prev.cumulativeBytes, timestamp: prev.timestamp }
      : { ...STREAM_START };
    for (const w of list) {
      const r = w.receipt;
      if (streamStep(mark, r) !== "forward") {
        w.reasons |= R.NON_MONOTONIC;
        continue;
      }
      w.monotonic = true;
      w.claimedBytes = r.cumulativeBytes - mark.cumulativeBytes;
      mark.seq = r.seq;
      mark.cumulativeBytes = r.cumulativeBytes;
      mark.timestamp = r.timestamp;
    }
    const first = list[0]!;
    const out: StreamCheckpoint = {
      sessionId: toLower(first.receipt.sessionId) as Hex,
      supporter: first.supporter,
      cumulativeBytes: mark.cumulativeBytes,
      countedBytes: prev?.countedBytes ?? 0n,
      seq: mark.seq,
      timestamp: mark.timestamp,
    };
    checkpointsOut.set(key, out);
    for (const w of list) w.stream = out;
  }

  // --- 4, 5. self-dealing and offline -------------------------------------------------------------
  for (const w of unique) {
    if (!w.monotonic) continue;
    const node = w.node!;
    if (w.viewer === w.supporter || w.viewer === node.payout || node.siblings.has(w.viewer))
      w.reasons |= R.SELF_DEALING;
    if (!isOnline(node.beats, w.receipt.timestamp, rules.offlineToleranceSeconds)) w.reasons |= R.NODE_OFFLINE;
  }

  // --- 6. bitrate, per session over all supporters ------------------------------------------------
  const priorBySession = new Map<string, Bytes>();
  for (const c of checkpointIn.values()) {
    const s = toLower(c.sessionId);
    priorBySession.set(s, (priorBySession.get(s) ?? 0n) + c.countedBytes);
  }
  const bySession = new Map<string, Work[]>();
  for (const w of unique) {
    if (!w.monotonic || w.override?.action === "reject") continue;
    if (w.override?.action !== "accept" && ((w.reasons & R.SELF_DEALING) !== 0 || (w.reasons & R.NODE_OFFLINE) !== 0))
      continue;
    let list = bySession.get(w.session);
    if (!list) bySession.set(w.session, (list = []));
    list.push(w);
  }
  const denominator = 8n * BPS_DENOMINATOR;
  for (const [session, list] of bySession) {
    list.sort(
      (a, b) =>
        cmpBig(a.receipt.timestamp, b.receipt.timestamp) ||
        cmpStr(a.supporter, b.supporter) ||
        cmpBig(a.receipt.seq, b.receipt.seq) ||
        cmpStr(a.id!, b.id!),
    );
    let counted = priorBySession.get(session) ?? 0n;
    for (const w of list) {
      if (w.override?.action === "accept") {
        w.countedBytes = w.claimedBytes;
        counted += w.claimedBytes;
        continue;
      }
      const g = w.grant!;
      const elapsed = w.receipt.timestamp - g.notBefore + rules.bitrateBurstSeconds;
      const allowance = (g.maxBitsPerSecond * (elapsed > 0n ? elapsed : 0n) * rules.bitrateToleranceBps) / denominator;
      const room = allowance > counted ? allowance - counted : 0n;
      w.countedBytes = w.claimedBytes < room ? w.claimedBytes : room;
      if (w.countedBytes < w.claimedBytes) w.reasons |= R.BITRATE_EXCEEDED;
      counted += w.countedBytes;
    }
  }

  // --- 7. outliers --------------------------------------------------------------------------------
  const totals = new Map<Address, Bytes>();
  for (const w of unique)
    if (w.countedBytes > 0n) totals.set(w.supporter, (totals.get(w.supporter) ?? 0n) + w.countedBytes);
  const sorted = [...totals.values()].sort(cmpBig);
  const medianBytes = sorted.length > 0 ? sorted[(sorted.length - 1) >> 1]! : 0n;
  const thresholdBytes = medianBytes * rules.outlierMedianMultiple;
  const flaggedSupporters = new Set<Address>();
  if (sorted.length >= rules.outlierMinSupporters)
    for (const [supporter, total] of totals)
      if (total > thresholdBytes && total >= rules.outlierMinBytes) flaggedSupporters.add(supporter);
  for (const w of unique)
    if (flaggedSupporters.has(w.supporter) && w.countedBytes > 0n && w.override?.action !== "accept") {
      w.reasons |= R.OUTLIER;
      w.countedBytes = 0n;
    }

  // --- 8. overrides and the final status -----------------------------------------------------------
  const verdicts = work.map((w): ReceiptVerdict => {
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
  });

  for (const w of unique) w.stream!.countedBytes += w.countedBytes;
  const checkpoints = [...checkpointsOut.values()].sort(
    (a, b) => cmpStr(a.sessionId, b.sessionId) || cmpStr(a.supporter, b.supporter),
  );
  return {
    verdicts,
    checkpoints,
    registry: [...payoutOf].map(([node, payout]) => ({ node, payout })).sort((a, b) => cmpStr(a.node, b.node)),
    outliers: {
      supporters: sorted.length,
      medianBytes,
      thresholdBytes,
      flagged: [...flaggedSupporters].sort(cmpStr),
    },
    rules,
  };
}

function statusOf(reasons: number): VerdictStatus {
  if (reasons === 0) return "accepted";
  if ((reasons & REJECTING_BITS) !== 0) return "rejected";
  if ((reasons & R.DUPLICATE) !== 0) return "duplicate";
  if ((reasons & R.ADMIN_ACCEPTED) !== 0) return "accepted";
  if ((reasons & FLAGGING_BITS) !== 0) return "flagged";
  if ((reasons & R.BITRATE_EXCEEDED) !== 0) return "clipped";
  return "accepted";
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
