import type { Address, Hex, Messages, PrimaryType, Signed } from "../../core/eip712.ts";
import { hashTypedMessage } from "../../core/eip712.ts";
import { computeEarnings } from "../../core/earnings.ts";
import type { EpochEarningsSummary, Statement, SupporterEpochInput, WithheldLine } from "../../core/earnings.ts";
import { evaluateEpoch } from "../../core/fraud.ts";
import type { Override, ReceiptVerdict, StreamCheckpoint } from "../../core/fraud.ts";
import type { TreeEntry } from "../../core/tree.ts";
import { BPS_DENOMINATOR } from "../../core/units.ts";
import type { VerifyResult } from "../../core/verify.ts";
import type { EpochInputs } from "../types.ts";

/**
 * Stage 2 — compute: from the aggregated inputs to one verdict per receipt (core's fraud
 * rules), every supporter's statement (core's earnings) and the new cumulative leaves. Pure:
 * no I/O, no clock; the oracle and every signer run exactly this.
 *
 * Supporters are payout accounts: the receipts of every node that pays out to an account add
 * up into its statement; such an account gets the founder multiplier only when all its nodes
 * are founders, and the lowest uptime of its nodes.
 */

export type ComputeEpochParameters = {
  inputs: EpochInputs;
  /**
   * `trust-ingest` (the oracle's default): the coordinator stored only receipts whose
   * signatures it verified, so only digests are computed here. `verify`: every signature is
   * checked again (independent signers, auditors).
   */
  signatures?: "trust-ingest" | "verify";
};

export type ComputedEpoch = {
  /** One per input receipt, same order. */
  verdicts: ReceiptVerdict[];
  /** One per payout account with receipts this epoch, sorted by account. */
  statements: Statement[];
  summary: EpochEarningsSummary;
  /** Stream positions after this epoch, sorted. */
  checkpoints: StreamCheckpoint[];
  /** Every account with a cumulative entitlement > 0 after this epoch, sorted by account. */
  leaves: TreeEntry[];
  /** Σ leaves: the `cumulativeTotal` of the epoch root. */
  cumulativeTotal: bigint;
};

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function computeEpoch(parameters: ComputeEpochParameters): ComputedEpoch {
  const { inputs } = parameters;
  const mode = parameters.signatures ?? "trust-ingest";
  const verified =
    mode === "verify"
      ? undefined
      : {
          receipts: trusted(inputs, "Receipt", inputs.receipts, (m) => m.viewer),
          grants: trusted(inputs, "SessionGrant", inputs.grants, () => inputs.coordinator),
          registrations: trusted(inputs, "SupporterRegistration", inputs.registrations, (m) => m.node),
          heartbeats: trusted(inputs, "Heartbeat", inputs.heartbeats, (m) => m.node),
        };
  const base = {
    domain: inputs.domain,
    epoch: inputs.epoch,
    epochStart: inputs.epochStart,
    epochEnd: inputs.epochEnd,
    coordinator: inputs.coordinator,
    receipts: inputs.receipts,
    grants: inputs.grants,
    registrations: inputs.registrations,
    heartbeats: inputs.heartbeats,
    checkpoints: inputs.checkpoints,
    verified,
  };
  let evaluation = evaluateEpoch(base);
  if (inputs.overrides.length > 0) {
    const overrides = resolveOverrides(inputs, evaluation.verdicts);
    if (overrides.length > 0) evaluation = evaluateEpoch({ ...base, overrides });
  }

  // --- per node, then per payout account ---------------------------------------------------------
  const payoutOf = new Map(evaluation.registry.map((r) => [r.node, r.payout]));
  const founders = new Set(inputs.founders.map((f) => f.toLowerCase()));
  const uptime = uptimeByNode(inputs);
  type Acc = {
    counted: bigint;
    claimed: bigint;
    receipts: number;
    founder: boolean;
    uptimeBps: bigint;
    withheld: Map<string, WithheldLine>;
  };
  const accounts = new Map<Address, Acc>();
  evaluation.verdicts.forEach((v) => {
    const receipt = inputs.receipts[v.index]!.message;
    const node = receipt.supporter.toLowerCase() as Address;
    const payout = payoutOf.get(node);
    if (payout === undefined) return; // unregistered: rejected, nobody to pay
    let acc = accounts.get(payout);
    if (!acc) {
      acc = { counted: 0n, claimed: 0n, receipts: 0, founder: true, uptimeBps: BPS_DENOMINATOR, withheld: new Map() };
      accounts.set(payout, acc);
    }
    acc.founder &&= founders.has(node);
    const nodeUptime = uptime.get(node) ?? 0n;
    if (nodeUptime < acc.uptimeBps) acc.uptimeBps = nodeUptime;
    acc.counted += v.countedBytes;
    acc.claimed += v.claimedBytes;
    if (v.status === "accepted" || v.status === "clipped") acc.receipts++;
    if (v.status !== "accepted" && v.reasons.length > 0) {
      const key = `${v.status}|${v.reasons[0]}`;
      const line = acc.withheld.get(key) ?? { status: v.status, reason: v.reasons[0]!, receipts: 0, bytes: 0n };
      line.receipts++;
      line.bytes += v.claimedBytes - v.countedBytes;
      acc.withheld.set(key, line);
    }
  });
  const previous = new Map(inputs.previousLeaves.map((l) => [l.account.toLowerCase() as Address, l.amount]));
  const supporters: SupporterEpochInput[] = [...accounts].map(([account, a]) => ({
    account,
    countedBytes: a.counted,
    claimedBytes: a.claimed,
    receipts: a.receipts,
    founder: a.founder,
    uptimeBps: a.uptimeBps,
    withheld: [...a.withheld.values()].sort((x, y) => cmp(`${x.status}|${x.reason}`, `${y.status}|${y.reason}`)),
    previousCumulativeMicroUsd: previous.get(account) ?? 0n,
  }));
  const { statements, summary } = computeEarnings({
    epoch: inputs.epoch,
    rateCard: inputs.rateCard,
    budgetMicroUsd: inputs.budgetMicroUsd,
    supporters,
  });

  // --- leaves: previous amounts, updated by this epoch's statements ----------------------------
  const leafMap = new Map(previous);
  for (const s of statements) leafMap.set(s.account, s.cumulativeMicroUsd);
  const leaves = [...leafMap]
    .filter(([, amount]) => amount > 0n)
    .map(([account, amount]) => ({ account, amount }))
    .sort((a, b) => cmp(a.account, b.account));
  const cumulativeTotal = leaves.reduce((sum, l) => sum + l.amount, 0n);
  return {
    verdicts: evaluation.verdicts,
    statements,
    summary,
    checkpoints: evaluation.checkpoints,
    leaves,
    cumulativeTotal,
  };
}

/** Digest-only "verification" for data whose signatures the coordinator already checked. */
function trusted<T extends PrimaryType>(
  inputs: EpochInputs,
  primaryType: T,
  items: readonly Signed<EpochMessage<T>>[],
  signerOf: (message: EpochMessage<T>) => Address,
): VerifyResult[] {
  return items.map((item) => {
    try {
      return {
        valid: true,
        digest: hashTypedMessage(inputs.domain, primaryType, item.message as never),
        signer: signerOf(item.message).toLowerCase() as Address,
      };
    } catch {
      return { valid: false, digest: null, signer: null, error: "MALFORMED_MESSAGE" };
    }
  });
}
type EpochMessage<T extends PrimaryType> = Messages[T];

/** Turns the coordinator's flag overrides (by node, session, reason) into core's per-receipt overrides. */
function resolveOverrides(inputs: EpochInputs, verdicts: readonly ReceiptVerdict[]): Override[] {
  const out: Override[] = [];
  for (const v of verdicts) {
    if (v.id === null || v.status === "rejected" || v.status === "duplicate") continue;
    const r = inputs.receipts[v.index]!.message;
    for (const o of inputs.overrides) {
      if (o.node.toLowerCase() !== r.supporter.toLowerCase()) continue;
      if (o.sessionId !== null && o.sessionId.toLowerCase() !== r.sessionId.toLowerCase()) continue;
      if (!(v.reasons as string[]).includes(o.reasonCode)) continue;
      out.push({ receiptId: v.id, action: o.decision === "include" ? "accept" : "reject", by: o.by, note: o.note });
    }
  }
  return out;
}

/** Uptime per node: the share of the epoch's heartbeat slots with at least one heartbeat, bps. */
function uptimeByNode(inputs: EpochInputs): Map<Address, bigint> {
  const { epochStart, epochEnd, heartbeatSlotSeconds } = inputs;
  const slots = (epochEnd - epochStart + heartbeatSlotSeconds - 1n) / heartbeatSlotSeconds;
  const seen = new Map<Address, Set<bigint>>();
  for (const h of inputs.heartbeats) {
    const t = h.message.timestamp;
    if (t < epochStart || t >= epochEnd) continue;
    const node = h.message.node.toLowerCase() as Address;
    let set = seen.get(node);
    if (!set) seen.set(node, (set = new Set()));
    set.add((t - epochStart) / heartbeatSlotSeconds);
  }
  const out = new Map<Address, bigint>();
  for (const [node, set] of seen) {
    const bps = slots > 0n ? (BigInt(set.size) * BPS_DENOMINATOR) / slots : 0n;
    out.set(node, bps > BPS_DENOMINATOR ? BPS_DENOMINATOR : bps);
  }
  return out;
}

export type { Hex };
