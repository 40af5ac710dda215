import { canonicalEqual, canonicalJson } from "./dataset/canonical-json.ts";
import { canonicalizeInputs } from "./dataset/canonicalize.ts";
import { datasetHash } from "./dataset/serialize.ts";
import type { EpochDataset, EpochInputs, EpochOutputs, NodeUptime } from "./dataset/types.ts";
import { computeEarnings } from "./earnings.ts";
import type { SupporterEpochInput, WithheldLine } from "./earnings.ts";
import type { Address } from "./eip712/domain.ts";
import type { Hex } from "./hex.ts";
import { evaluateEpoch } from "./fraud.ts";
import { NoRateCardError, rateCardHash, validateRateCard } from "./ratecard.ts";
import { checkPolicyInputs, foundersInForce, resolveFlagDecisions } from "./policy.ts";
import type { PolicySignature } from "./policy.ts";
import { buildReceiptsTree } from "./receipts-tree.ts";
import { toLower } from "./lower.ts";
import { buildTree } from "./tree.ts";
import type { TreeEntry } from "./tree.ts";
import { BPS_DENOMINATOR } from "./units.ts";
import type { Bytes } from "./units.ts";
import { trustedTypedMessages, verifyTypedMessages } from "./verify.ts";
import type { VerifyResult } from "./verify.ts";
import type { VerifyPool } from "./verify-pool.ts";

/** The root of an empty tree (an epoch without leaves or without counted receipts). */
export const ZERO_ROOT: Hex = `0x${"00".repeat(32)}`;

/**
 * How the signatures of the inputs are treated:
 * - `verify` (default): every signature is recovered on the calling thread (an auditor; for
 *   every core use `recomputeEpochWithPool`);
 * - `trusted`: only digests are computed and each message is taken to be signed by its
 *   expected signer — for the oracle leader, whose inputs are the coordinator's stored
 *   messages, each verified at ingest (a rejected message is never stored). Signature
 *   recovery is ~12–14k/s per core, so at 1M receipts it cannot be in the leader's critical
 *   path; the independent signer (`ledger oracle sign`) still recovers every one.
 * Fraud rules, earnings and trees run in full either way.
 */
export type EpochSignatureMode = "verify" | "trusted";

/** Signature results aligned with the canonical inputs' arrays (see `canonicalizeInputs`). */
export type EpochVerifiedSignatures = {
  receipts: readonly VerifyResult[];
  grants: readonly VerifyResult[];
  registrations: readonly VerifyResult[];
  heartbeats: readonly VerifyResult[];
};

export type RecomputeEpochParameters = {
  /** The epoch's inputs (a parsed dataset's `inputs`, or what the oracle aggregated). */
  inputs: EpochInputs;
  /** Default `verify`: see `EpochSignatureMode`. */
  signatures?: EpochSignatureMode | undefined;
  /**
   * Default `check`. `trusted`: the inputs' hex strings are lower-case and their signed items
   * have exactly their fields (the oracle's repositories build them from bytea so): they are
   * only sorted, not re-canonicalized (see `canonicalizeInputs`).
   */
  inputForm?: "check" | "trusted" | undefined;
};

export type RecomputeEpochDatasetReturnType = EpochOutputs & {
  /** The complete dataset: canonical inputs and the outputs above. */
  dataset: EpochDataset;
  /**
   * Every discretionary input's recovered policy signer (core/policy.ts): the caller checks
   * on-chain that each holds the distributor's `POLICY_ROLE`.
   */
  policySignatures: PolicySignature[];
};

export type RecomputeEpochReturnType = RecomputeEpochDatasetReturnType & {
  datasetHash: Hex;
};

/** The signature results of canonical inputs, by `mode`, on the calling thread. */
export function epochSignatures(inputs: EpochInputs, mode: EpochSignatureMode): EpochVerifiedSignatures {
  const check = mode === "trusted" ? trustedTypedMessages : verifyTypedMessages;
  const { domain } = inputs;
  return {
    receipts: check({ domain, primaryType: "Receipt", items: inputs.receipts }),
    grants: check({ domain, primaryType: "SessionGrant", items: inputs.grants, expectedSigner: inputs.coordinator }),
    registrations: check({ domain, primaryType: "SupporterRegistration", items: inputs.registrations }),
    heartbeats: check({ domain, primaryType: "Heartbeat", items: inputs.heartbeats }),
  };
}

/** Every signature of canonical inputs recovered on the pool's workers (every core). */
export async function epochSignaturesWithPool(inputs: EpochInputs, pool: VerifyPool): Promise<EpochVerifiedSignatures> {
  const { domain } = inputs;
  const [receipts, grants, registrations, heartbeats] = await Promise.all([
    pool.verifyBatch({ domain, primaryType: "Receipt", items: inputs.receipts }),
    pool.verifyBatch({ domain, primaryType: "SessionGrant", items: inputs.grants, expectedSigner: inputs.coordinator }),
    pool.verifyBatch({ domain, primaryType: "SupporterRegistration", items: inputs.registrations }),
    pool.verifyBatch({ domain, primaryType: "Heartbeat", items: inputs.heartbeats }),
  ]);
  return { receipts, grants, registrations, heartbeats };
}

/**
 * Recomputes an epoch from its inputs: fraud verdicts (`evaluateEpoch`), uptime, earnings and
 * statements, cumulative leaves, the payout root, the receipts root, the rate card hash and
 * the dataset hash. The function the oracle calls to close an epoch and the auditor calls to
 * check one — same code, same numbers.
 *
 * Aggregation (documented here because the statements depend on it):
 * - a receipt counts for the payout address its node is registered to (`registry`);
 * - a node's uptime = slots of `heartbeatIntervalSeconds` in [epochStart, epochEnd) holding at
 *   least one validly signed heartbeat of the node, / all slots, in bps (floored);
 * - an account's uptime = its nodes' uptimes weighted by their counted bytes (floored; with
 *   no counted bytes, the best of its nodes);
 * - withheld lines: every non-accepted verdict of the account's nodes, grouped by status and
 *   first reason, with claimed − counted bytes;
 * - leaves: previous leaves, updated by this epoch's statements, accounts with amount > 0.
 *
 * @example
 * import { parseDataset } from "./dataset/parse.ts";
 * const published = parseDataset(text.split("\n"));
 * const again = recomputeEpoch({ inputs: published.inputs });
 * again.root === published.outputs.root; // true for an honest oracle
 */
export function recomputeEpoch(parameters: RecomputeEpochParameters): RecomputeEpochReturnType {
  const result = recomputeEpochDataset(parameters);
  return { ...result, datasetHash: datasetHash(result.dataset) };
}

/**
 * `recomputeEpoch` without the dataset hash: for a caller that serializes the dataset anyway
 * and hashes it as it writes (the oracle's build stage), so it is serialized once.
 */
export function recomputeEpochDataset(parameters: RecomputeEpochParameters): RecomputeEpochDatasetReturnType {
  const inputs = canonicalizeInputs(parameters.inputs, { form: parameters.inputForm ?? "check" });
  return computeCanonical(inputs, epochSignatures(inputs, parameters.signatures ?? "verify"));
}

export type RecomputeEpochWithPoolParameters = {
  inputs: EpochInputs;
  pool: VerifyPool;
  /** Called as each phase ends (`canonicalize`, `signatures`, `compute`, `hash`): a caller can time them. */
  onPhase?: ((phase: RecomputePhase) => void) | undefined;
  /**
   * Signature results already recovered for `inputs` as given (aligned with its arrays), e.g. by
   * core/verify-lines.ts while the dataset was parsed. Used only where canonical order leaves every
   * item where it was (a canonical dataset); otherwise every signature is recovered on `pool`.
   */
  verified?: EpochVerifiedSignatures | undefined;
};

/** The phases of `recomputeEpochWithPool`, for a caller that reports where the time goes. */
export type RecomputePhase = "canonicalize" | "signatures" | "compute" | "hash";

/**
 * `recomputeEpoch` with every signature recovered on a verify pool (core/verify-pool.ts),
 * across all cores: the independent signer's and the auditor's full check.
 *
 * @example
 * const pool = createVerifyPool();
 * const again = await recomputeEpochWithPool({ inputs: published.inputs, pool });
 */
export async function recomputeEpochWithPool(p: RecomputeEpochWithPoolParameters): Promise<RecomputeEpochReturnType> {
  const phase = (name: RecomputePhase) => p.onPhase?.(name);
  const inputs = canonicalizeInputs(p.inputs);
  phase("canonicalize");
  const signatures =
    p.verified && alignedSignatures(p.inputs, inputs, p.verified)
      ? p.verified
      : await epochSignaturesWithPool(inputs, p.pool);
  phase("signatures");
  const result = computeCanonical(inputs, signatures);
  phase("compute");
  const hash = datasetHash(result.dataset);
  phase("hash");
  return { ...result, datasetHash: hash };
}

/** Whether results for `given`'s arrays are those of `canonical`'s: the same items in the same places. */
function alignedSignatures(given: EpochInputs, canonical: EpochInputs, verified: EpochVerifiedSignatures): boolean {
  const same = (a: readonly unknown[], b: readonly unknown[], results: readonly unknown[]) => {
    if (a.length !== b.length || results.length !== a.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  return (
    same(given.receipts, canonical.receipts, verified.receipts) &&
    same(given.grants, canonical.grants, verified.grants) &&
    same(given.registrations, canonical.registrations, verified.registrations) &&
    same(given.heartbeats, canonical.heartbeats, verified.heartbeats)
  );
}

/** The computation proper, on canonical inputs with their signature results. */
function computeCanonical(inputs: EpochInputs, verified: EpochVerifiedSignatures): RecomputeEpochDatasetReturnType {
  const { epoch, epochStart, epochEnd, domain, rateCard } = inputs;
  validateRateCard(rateCard);
  if (rateCard.effectiveFromEpoch > epoch) throw new NoRateCardError(epoch);
  // every discretionary input signed (throws PolicyInputError naming the first that is not)
  const policySignatures = checkPolicyInputs(inputs);

  const rules = {
    domain,
    epoch,
    epochStart,
    epochEnd,
    coordinator: inputs.coordinator,
    receipts: inputs.receipts,
    grants: inputs.grants,
    registrations: inputs.registrations,
    heartbeats: inputs.heartbeats,
    checkpoints: inputs.checkpoints,
    rules: inputs.rules,
    verified,
  };
  // flag decisions apply to the receipts whose first-pass verdict names their reason
  let fraud = evaluateEpoch(rules);
  if (inputs.flagDecisions.length > 0) {
    const signers = policySignatures.filter((p) => p.section === "flagDecision").map((p) => p.signer);
    const decisions = inputs.flagDecisions.map((d, i) => ({ decision: d.message, signer: signers[i]! }));
    fraud = evaluateEpoch({ ...rules, overrides: resolveFlagDecisions(inputs.receipts, fraud.verdicts, decisions) });
  }
  const payoutOf = new Map(fraud.registry.map((r) => [toLower(r.node), toLower(r.payout) as Address]));

  // uptime per registered node
  const interval = inputs.heartbeatIntervalSeconds > 0n ? inputs.heartbeatIntervalSeconds : 1n;
  const slots = epochEnd > epochStart ? (epochEnd - epochStart + interval - 1n) / interval : 0n;
  const slotsUp = new Map<string, Set<bigint>>();
  const heartbeatResults = verified.heartbeats;
  inputs.heartbeats.forEach((h, i) => {
    const node = toLower(h.message.node);
    const ts = h.message.timestamp;
    if (!heartbeatResults[i]!.valid || !payoutOf.has(node) || ts < epochStart || ts >= epochEnd) return;
    let set = slotsUp.get(node);
    if (!set) slotsUp.set(node, (set = new Set()));
    set.add((ts - epochStart) / interval);
  });
  const uptime: NodeUptime[] = [...payoutOf.keys()].sort().map((node) => {
    const up = BigInt(slotsUp.get(node)?.size ?? 0);
    return { node: node as Address, slotsUp: up, slots, uptimeBps: slots === 0n ? 0n : (up * BPS_DENOMINATOR) / slots };
  });
  const uptimeOf = new Map(uptime.map((u) => [u.node as string, u.uptimeBps]));

  // aggregate verdicts per payout account
  type Acc = {
    countedBytes: Bytes;
    claimedBytes: Bytes;
    receipts: number;
    byNode: Map<string, Bytes>;
    withheld: Map<string, WithheldLine>;
  };
  const accounts = new Map<Address, Acc>();
  const counted: { receiptId: Hex; countedBytes: Bytes }[] = [];
  fraud.verdicts.forEach((v, i) => {
    if (v.id !== null && v.countedBytes > 0n) counted.push({ receiptId: v.id, countedBytes: v.countedBytes });
    const node = toLower(String(inputs.receipts[i]!.message?.supporter ?? ""));
    const payout = payoutOf.get(node);
    if (payout === undefined) return;
    let acc = accounts.get(payout);
    if (!acc)
      accounts.set(
        payout,
        (acc = { countedBytes: 0n, claimedBytes: 0n, receipts: 0, byNode: new Map(), withheld: new Map() }),
      );
    acc.countedBytes += v.countedBytes;
    acc.claimedBytes += v.claimedBytes;
    if (v.countedBytes > 0n) {
      acc.receipts++;
      acc.byNode.set(node, (acc.byNode.get(node) ?? 0n) + v.countedBytes);
    }
    if (v.status !== "accepted" && v.reasons.length > 0) {
      const reason = v.reasons[0]!;
      const key = `${v.status}:${reason}`;
      const line = acc.withheld.get(key) ?? { status: v.status, reason, receipts: 0, bytes: 0n };
      line.receipts++;
      line.bytes += v.claimedBytes - v.countedBytes;
      acc.withheld.set(key, line);
    }
  });

  const founderNodes = foundersInForce(inputs.founders);
  const previous = new Map(inputs.previousLeaves.map((l) => [toLower(l.account), l.amount]));
  // best uptime of each account's nodes (for accounts without counted bytes), in one pass
  const bestUptime = new Map<Address, bigint>();
  for (const [node, payout] of payoutOf)
    bestUptime.set(payout, max(bestUptime.get(payout) ?? 0n, uptimeOf.get(node) ?? 0n));
  const supporters: SupporterEpochInput[] = [...accounts].map(([account, acc]) => {
    let weighted = 0n;
    let founderCountedBytes = 0n;
    const best = bestUptime.get(account) ?? 0n;
    for (const [node, bytes] of acc.byNode) {
      weighted += bytes * (uptimeOf.get(node) ?? 0n);
      if (founderNodes.has(node)) founderCountedBytes += bytes;
    }
    return {
      account,
      countedBytes: acc.countedBytes,
      claimedBytes: acc.claimedBytes,
      receipts: acc.receipts,
      founder: founderCountedBytes > 0n,
      founderCountedBytes,
      uptimeBps: acc.countedBytes > 0n ? weighted / acc.countedBytes : best,
      withheld: [...acc.withheld.values()].sort((a, b) =>
        a.status < b.status ? -1 : a.status > b.status ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0,
      ),
      previousCumulativeMicroUsd: previous.get(account) ?? 0n,
    };
  });

  const { statements, summary } = computeEarnings({
    epoch,
    rateCard,
    budgetMicroUsd: inputs.budgetMicroUsd,
    supporters,
  });

  const cumulative = new Map(previous);
  for (const s of statements) cumulative.set(s.account, s.cumulativeMicroUsd);
  const leaves: TreeEntry[] = [...cumulative]
    .filter(([, amount]) => amount > 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([account, amount]) => ({ account: account as Address, amount }));

  const outputs: EpochOutputs = {
    verdicts: fraud.verdicts,
    uptime,
    registry: fraud.registry.map((r) => ({
      node: toLower(r.node) as Address,
      payout: toLower(r.payout) as Address,
    })),
    statements,
    summary,
    // in the dataset's order (by canonical line), so a parsed dataset compares equal
    checkpoints: [...fraud.checkpoints].sort((a, b) => cmp(canonicalJson(a), canonicalJson(b))),
    leaves,
    root: leaves.length > 0 ? buildTree({ entries: leaves }).root : ZERO_ROOT,
    receiptsRoot: counted.length > 0 ? buildReceiptsTree({ receipts: counted }).root : ZERO_ROOT,
    rateCardHash: rateCardHash(rateCard),
  };
  const dataset: EpochDataset = { inputs, outputs };
  return { ...outputs, dataset, policySignatures };
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type AuditEpochDatasetReturnType = {
  /** True when every output recomputes identically. */
  ok: boolean;
  /** Output fields that differ from the recomputation. */
  mismatches: (keyof EpochOutputs)[];
  recomputed: RecomputeEpochReturnType;
};

/**
 * The auditor's check of a published dataset: recomputes it from its inputs and lists every
 * output that differs (`root`, `statements`, …). Compare `recomputed.datasetHash` with the
 * `datasetHash` the oracles signed.
 *
 * @example
 * const { ok, mismatches } = auditEpochDataset(parseDataset(lines));
 */
export function auditEpochDataset(
  dataset: EpochDataset,
  options: { signatures?: EpochSignatureMode } = {},
): AuditEpochDatasetReturnType {
  return auditOutputs(dataset, recomputeEpoch({ inputs: dataset.inputs, signatures: options.signatures }));
}

/** `auditEpochDataset` with every signature recovered on a verify pool (all cores). */
export async function auditEpochDatasetWithPool(
  dataset: EpochDataset,
  pool: VerifyPool,
  options: Pick<RecomputeEpochWithPoolParameters, "onPhase" | "verified"> = {},
): Promise<AuditEpochDatasetReturnType> {
  return auditOutputs(dataset, await recomputeEpochWithPool({ inputs: dataset.inputs, pool, ...options }));
}

export type AuditEpochOutputsReturnType = Omit<AuditEpochDatasetReturnType, "recomputed"> & {
  recomputed: RecomputeEpochDatasetReturnType;
};

/**
 * `auditEpochDataset` without re-serializing the recomputation to hash it: only the outputs
 * are compared. For a caller that already checked the bytes' hash and wrote them with core's
 * serializer itself (the oracle leader's local signer keys).
 */
export function auditEpochOutputs(
  dataset: EpochDataset,
  options: { signatures?: EpochSignatureMode } = {},
): AuditEpochOutputsReturnType {
  return auditOutputs(dataset, recomputeEpochDataset({ inputs: dataset.inputs, signatures: options.signatures }));
}

function auditOutputs<R extends RecomputeEpochDatasetReturnType>(
  dataset: EpochDataset,
  recomputed: R,
): { ok: boolean; mismatches: (keyof EpochOutputs)[]; recomputed: R } {
  const keys = Object.keys(recomputed.dataset.outputs) as (keyof EpochOutputs)[];
  const mismatches = keys.filter((k) => !canonicalEqual(recomputed.dataset.outputs[k], dataset.outputs[k]));
  return { ok: mismatches.length === 0, mismatches, recomputed };
}
