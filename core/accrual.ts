/**
 * Live accrual — what a supporter is earning in the open epoch, before it closes. Takes in what
 * ingest has accepted so far (per node: accepted bytes, heartbeat slots), the rate card, the
 * epoch budget and what the rules that run only at close could still take from the supporter's
 * own receipts; hands on a provisional and a conservative figure, with the gap between them
 * itemized by reason. Pure: no I/O, no clock (the caller passes `now`).
 *
 * Every amount is core's earnings function (`computeEarnings`, core/earnings.ts) — the one the
 * epoch close runs — on inputs built the way core/recompute-epoch.ts builds them:
 *
 * - **provisional** = earned at the current rate card, with the founder multiplier and the
 *   uptime bonus the nodes are on track for (heartbeat slots up / slots elapsed so far), before
 *   any pro-rata scaling;
 * - **conservative** = the same, minus, in this order:
 *   1. `UPTIME_BONUS_PENDING`: the bonus not yet earned for sure — uptime is taken as slots up /
 *      every slot of the epoch (what the nodes have if they never beat again), the lowest of the
 *      account's nodes;
 *   2. `SELF_DEALING`, `NODE_OFFLINE`, `BITRATE_EXCEEDED`, `OUTLIER`: bytes those rules would
 *      flag or clip at close on what is stored now (offline: no heartbeat within the tolerance
 *      yet — one may still come; bitrate: the session's bytes beyond its allowance at its first
 *      receipt this epoch, an upper bound on what the rule can clip; outlier: the node's total
 *      above the rule's threshold at the current median);
 *   3. `PRO_RATA`: scaling by budget / Σ provisional of every supporter, at the current total
 *      (the close scales by its final total: others' later bytes can widen this part);
 *   4. `NO_BUDGET`: everything, while no signed budget is in force (the close waits for one).
 *
 * Invariants: 0 ≤ conservative ≤ provisional, and Σ gap = provisional − conservative. Within
 * the epoch, with no one else's bytes growing the total, conservative only rises: more bytes and
 * more heartbeats only add to it.
 */
import { computeEarnings, type SupporterEpochInput } from "./earnings.ts";
import type { Address } from "./eip712/domain.ts";
import { allowanceBytes } from "./fraud/bitrate.ts";
import { outliersOf } from "./fraud/outliers.ts";
import type { FraudRules } from "./fraud/work.ts";
import type { Fraction } from "./earnings.ts";
import type { RateCard } from "./ratecard.ts";
import { BPS_DENOMINATOR } from "./units.ts";
import type { Bps, Bytes, MicroUsd } from "./units.ts";

/** One node's open-epoch facts, as ingest stored them. */
export type OpenEpochNode = {
  node: Address;
  /** The payout address in force at the epoch. */
  payout: Address;
  /** Founder status in force at the epoch. */
  founder: boolean;
  /** Σ of the node's accepted receipts' increases so far. */
  acceptedBytes: Bytes;
  receipts: number;
  /** Heartbeat slots of the epoch holding at least one heartbeat so far. */
  slotsUp: bigint;
};

/** Bytes of the accounts' own receipts that a per-receipt rule would flag at close on what is stored now. */
export type AtRiskBytes = { node: Address; reason: "SELF_DEALING" | "NODE_OFFLINE"; bytes: Bytes };

/** One session the accounts' nodes served this epoch, for the bitrate bound. */
export type AccrualSession = {
  /** The session's grant. */
  maxBitsPerSecond: bigint;
  notBefore: bigint;
  /** Earliest receipt timestamp of the session this epoch (any supporter). */
  firstTimestamp: bigint;
  /** Σ accepted increases of the session, every supporter, every epoch up to this one. */
  totalBytes: Bytes;
  /** Of the accounts' nodes' accepted bytes this epoch, per node. */
  bytesByNode: ReadonlyMap<Address, Bytes>;
};

export type AccrualGapReason =
  "UPTIME_BONUS_PENDING" | "SELF_DEALING" | "NODE_OFFLINE" | "BITRATE_EXCEEDED" | "OUTLIER" | "PRO_RATA" | "NO_BUDGET";

/** What each gap reason means, for the statement and the dashboard. */
export const ACCRUAL_GAP_REASONS: Readonly<Record<AccrualGapReason, string>> = Object.freeze({
  UPTIME_BONUS_PENDING:
    "The uptime bonus is counted only for the heartbeats already sent; keep the node online to earn the rest.",
  SELF_DEALING: "Receipts whose viewer key is the supporter's own node or payout address are excluded at close.",
  NODE_OFFLINE:
    "Receipts without a heartbeat of the node within the tolerance are excluded at close unless one arrives in time.",
  BITRATE_EXCEEDED: "Bytes above the session's bitrate allowance may be clipped at close.",
  OUTLIER: "The node's total is far above the network's median: held for review at close.",
  PRO_RATA: "Earnings above the epoch's funded budget are scaled down pro rata (at the network's current total).",
  NO_BUDGET: "No signed budget is in force for this epoch yet: nothing is certain until one is recorded.",
});

export type AccrualGap = { reason: AccrualGapReason; microUsd: MicroUsd; bytes: Bytes };

export type ComputeAccrualParameters = {
  epoch: bigint;
  /** Unix seconds, inclusive / exclusive. */
  epochStart: bigint;
  epochEnd: bigint;
  /** Unix seconds: where the epoch stands. */
  now: bigint;
  heartbeatIntervalSeconds: bigint;
  rateCard: RateCard;
  /** The budget in force, or null when none is signed. */
  budgetMicroUsd: MicroUsd | null;
  rules: FraudRules;
  /** Every node with accepted bytes or heartbeats in the epoch. */
  network: readonly OpenEpochNode[];
  /** The payout accounts reported on (lower-case). */
  accounts: readonly Address[];
  /** Of the accounts' nodes' receipts (each receipt under its first reason only). */
  atRisk?: readonly AtRiskBytes[] | undefined;
  sessions?: readonly AccrualSession[] | undefined;
};

export type ComputeAccrualReturnType = {
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  asOf: bigint;
  slots: bigint;
  slotsElapsed: bigint;
  rateCardVersion: bigint;
  ratePerGbMicroUsd: MicroUsd;
  acceptedBytes: Bytes;
  receipts: number;
  founder: boolean;
  founderAcceptedBytes: Bytes;
  multiplierBps: Bps;
  /** Byte-weighted slots up / slots elapsed: the uptime the nodes are on track for. */
  uptimeOnTrackBps: Bps;
  uptimeBonusBps: Bps;
  /** The lowest of the nodes' slots up / every slot: the uptime already certain. */
  uptimeCertainBps: Bps;
  provisionalMicroUsd: MicroUsd;
  conservativeMicroUsd: MicroUsd;
  gap: AccrualGap[];
  budgetMicroUsd: MicroUsd | null;
  /** Σ provisional of every supporter in the epoch. */
  networkProvisionalMicroUsd: MicroUsd;
  proRata: Fraction | null;
};

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const clampBps = (v: bigint) => (v > BPS_DENOMINATOR ? BPS_DENOMINATOR : v);

/**
 * The accrual of `accounts` in the open epoch.
 *
 * @example
 * // 2 GB so far from a founder node at $0.05/GB, beating in every slot so far (on track for +10 %):
 * // provisional = 100 000 × 1.1 × 1.1 = 121 000 µUSD; halfway through the epoch only 50 % uptime is
 * // certain (no bonus): conservative = 110 000 µUSD, gap UPTIME_BONUS_PENDING 11 000 µUSD.
 * computeAccrual({ epoch, epochStart, epochEnd, now, heartbeatIntervalSeconds: 60n, rateCard: DEFAULT_RATE_CARD,
 *   budgetMicroUsd: 10_000_000n, rules: DEFAULT_FRAUD_RULES, network: [node], accounts: [node.payout] });
 */
export function computeAccrual(p: ComputeAccrualParameters): ComputeAccrualReturnType {
  const interval = p.heartbeatIntervalSeconds > 0n ? p.heartbeatIntervalSeconds : 1n;
  const slots = p.epochEnd > p.epochStart ? ceilDiv(p.epochEnd - p.epochStart, interval) : 1n;
  let slotsElapsed = p.now > p.epochStart ? ceilDiv(p.now - p.epochStart, interval) : 1n;
  if (slotsElapsed > slots) slotsElapsed = slots;
  const onTrack = (n: OpenEpochNode) => clampBps((n.slotsUp * BPS_DENOMINATOR) / slotsElapsed);
  const certain = (n: OpenEpochNode) => clampBps((n.slotsUp * BPS_DENOMINATOR) / slots);

  // every account's provisional input, as the close aggregates nodes into accounts
  const byAccount = new Map<Address, OpenEpochNode[]>();
  for (const n of p.network) {
    const list = byAccount.get(n.payout);
    if (list) list.push(n);
    else byAccount.set(n.payout, [n]);
  }
  const inputOf = (account: Address, nodes: readonly OpenEpochNode[], uptimeOf: (n: OpenEpochNode) => Bps) => {
    let bytes = 0n;
    let founderBytes = 0n;
    let weighted = 0n;
    let best = 0n;
    for (const n of nodes) {
      bytes += n.acceptedBytes;
      if (n.founder) founderBytes += n.acceptedBytes;
      weighted += n.acceptedBytes * uptimeOf(n);
      if (uptimeOf(n) > best) best = uptimeOf(n);
    }
    return {
      account,
      countedBytes: bytes,
      founder: founderBytes > 0n || nodes.some((n) => n.founder),
      founderCountedBytes: founderBytes,
      uptimeBps: bytes > 0n ? weighted / bytes : best,
    } satisfies SupporterEpochInput;
  };
  const network = computeEarnings({
    epoch: p.epoch,
    rateCard: p.rateCard,
    budgetMicroUsd: p.budgetMicroUsd ?? 0n,
    supporters: [...byAccount].map(([account, nodes]) => inputOf(account, nodes, onTrack)),
  });
  const statementOf = new Map(network.statements.map((s) => [s.account, s]));
  const earned = (input: SupporterEpochInput) =>
    computeEarnings({ epoch: p.epoch, rateCard: p.rateCard, budgetMicroUsd: 0n, supporters: [input] }).statements[0]!
      .earnedMicroUsd;

  // what the rules could still take, per node (each byte under its first reason only)
  const outliers = new Set(
    outliersOf(new Map(p.network.map((n) => [n.node, n.acceptedBytes] as const)), p.rules).flagged,
  );
  const taken = new Map<Address, Bytes>();
  const gapBytes = new Map<AccrualGapReason, Bytes>();
  const take = (node: Address, reason: AccrualGapReason, bytes: Bytes, of: OpenEpochNode) => {
    const left = of.acceptedBytes - (taken.get(node) ?? 0n);
    const t = min(bytes, left);
    if (t <= 0n) return;
    taken.set(node, (taken.get(node) ?? 0n) + t);
    gapBytes.set(reason, (gapBytes.get(reason) ?? 0n) + t);
  };

  const reported = [...new Set(p.accounts.map((a) => a.toLowerCase() as Address))];
  const nodeInfo = new Map(p.network.map((n) => [n.node, n]));
  const ownNodes = reported.flatMap((a) => byAccount.get(a) ?? []);
  const gapByReason = new Map<AccrualGapReason, MicroUsd>();
  const addGap = (reason: AccrualGapReason, amount: MicroUsd) =>
    amount > 0n && gapByReason.set(reason, (gapByReason.get(reason) ?? 0n) + amount);

  let provisional = 0n;
  let afterRules = 0n;
  for (const account of reported) {
    const nodes = byAccount.get(account) ?? [];
    const s = statementOf.get(account);
    const full = s?.earnedMicroUsd ?? 0n;
    provisional += full;
    if (nodes.length === 0) continue;
    // 1. uptime: only what is certain, at the lowest of the nodes
    let certainBps = BPS_DENOMINATOR;
    for (const n of nodes) if (n.acceptedBytes > 0n && certain(n) < certainBps) certainBps = certain(n);
    const base = inputOf(account, nodes, certain);
    let previous = earned({ ...base, uptimeBps: nodes.some((n) => n.acceptedBytes > 0n) ? certainBps : 0n });
    addGap("UPTIME_BONUS_PENDING", full - previous);
    // 2. the rules that run at close, in their order; each step re-earns what is left
    const own = new Set(nodes.map((n) => n.node));
    const steps: [AccrualGapReason, () => void][] = [
      ["SELF_DEALING", () => riskOf("SELF_DEALING", own)],
      ["NODE_OFFLINE", () => riskOf("NODE_OFFLINE", own)],
      ["BITRATE_EXCEEDED", () => bitrateOf(own)],
      ["OUTLIER", () => nodes.forEach((n) => outliers.has(n.node) && take(n.node, "OUTLIER", n.acceptedBytes, n))],
    ];
    for (const [reason, apply] of steps) {
      apply();
      const left = nodes.map((n) => ({ ...n, acceptedBytes: n.acceptedBytes - (taken.get(n.node) ?? 0n) }));
      const now = earned({ ...inputOf(account, left, certain), uptimeBps: base.countedBytes > 0n ? certainBps : 0n });
      addGap(reason, previous - now);
      previous = now;
    }
    afterRules += previous;
  }

  function riskOf(reason: "SELF_DEALING" | "NODE_OFFLINE", own: ReadonlySet<Address>) {
    for (const r of p.atRisk ?? []) {
      const node = r.node.toLowerCase() as Address;
      const info = nodeInfo.get(node);
      if (r.reason === reason && own.has(node) && info) take(node, reason, r.bytes, info);
    }
  }
  function bitrateOf(own: ReadonlySet<Address>) {
    for (const s of p.sessions ?? []) {
      const allowance = allowanceBytes(s.maxBitsPerSecond, s.notBefore, s.firstTimestamp, p.rules);
      let excess = s.totalBytes > allowance ? s.totalBytes - allowance : 0n;
      for (const [node, bytes] of [...s.bytesByNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const info = nodeInfo.get(node);
        if (excess === 0n || !own.has(node) || !info) continue;
        const t = min(bytes, excess);
        take(node, "BITRATE_EXCEEDED", t, info);
        excess -= t;
      }
    }
  }

  // 3, 4. the budget
  const proRata = network.summary.proRata;
  let conservative = afterRules;
  if (p.budgetMicroUsd === null) {
    addGap("NO_BUDGET", conservative);
    conservative = 0n;
  } else if (proRata) {
    const scaled = (afterRules * proRata.numerator) / proRata.denominator;
    addGap("PRO_RATA", afterRules - scaled);
    conservative = scaled;
  }

  const order = Object.keys(ACCRUAL_GAP_REASONS) as AccrualGapReason[];
  const first = reported.map((a) => statementOf.get(a)).find((s) => s !== undefined);
  let acceptedBytes = 0n;
  let founderAcceptedBytes = 0n;
  let receipts = 0;
  for (const n of ownNodes) {
    acceptedBytes += n.acceptedBytes;
    receipts += n.receipts;
    if (n.founder) founderAcceptedBytes += n.acceptedBytes;
  }
  const onTrackInput = inputOf(reported[0] ?? "0x", ownNodes, onTrack);
  return {
    epoch: p.epoch,
    epochStart: p.epochStart,
    epochEnd: p.epochEnd,
    asOf: p.now,
    slots,
    slotsElapsed,
    rateCardVersion: p.rateCard.version,
    ratePerGbMicroUsd: p.rateCard.ratePerGbMicroUsd,
    acceptedBytes,
    receipts,
    founder: ownNodes.some((n) => n.founder),
    founderAcceptedBytes,
    multiplierBps: ownNodes.some((n) => n.founder) ? p.rateCard.founderMultiplierBps : BPS_DENOMINATOR,
    uptimeOnTrackBps: onTrackInput.uptimeBps,
    uptimeBonusBps: first?.uptimeBonusBps ?? 0n,
    uptimeCertainBps: ownNodes.length === 0 ? 0n : ownNodes.reduce((m, n) => min(m, certain(n)), BPS_DENOMINATOR),
    provisionalMicroUsd: provisional,
    conservativeMicroUsd: conservative,
    gap: order.flatMap((reason) =>
      gapByReason.has(reason)
        ? [{ reason, microUsd: gapByReason.get(reason)!, bytes: gapBytes.get(reason) ?? 0n }]
        : [],
    ),
    budgetMicroUsd: p.budgetMicroUsd,
    networkProvisionalMicroUsd: network.summary.earnedMicroUsd,
    proRata,
  };
}
