/**
 * One supporter's accrual from the database: takes the open epoch's network snapshot (shared,
 * `loadSnapshot`) and the supporter's own at-risk receipts and sessions (repositories/accrual.ts)
 * and hands them to core's `computeAccrual` — which prices everything with core's earnings
 * function, the epoch close's own.
 */
import { computeAccrual, type ComputeAccrualReturnType, type OpenEpochNode } from "../../core/accrual.ts";
import type { Address } from "../../core/eip712/domain.ts";
import { epochBounds, type EpochClock } from "../../core/epoch-clock.ts";
import { DEFAULT_FRAUD_RULES, type FraudRules } from "../../core/fraud.ts";
import type { Hex } from "../../core/hex.ts";
import { DEFAULT_RATE_CARD, selectRateCard, type RateCard } from "../../core/ratecard.ts";
import type { Queryable } from "../../db/types.ts";
import {
  allRateCards,
  atRiskBytes,
  budgetInForceAt,
  epochStatus,
  nodesPayingTo,
  openEpochNodes,
  sessionsOfNodes,
} from "../repositories/accrual.ts";
import { nodesOfSupporter } from "../repositories/supporters.ts";

/** What the accrual needs to know beyond the database: the coordinator's clock and the oracle's uptime slot. */
export type AccrualSetup = {
  clock: EpochClock;
  /** `LEDGER_HEARTBEAT_SLOT_SECONDS`: the uptime slot the close uses (default 60). */
  heartbeatSlotSeconds: bigint;
  rules?: FraudRules | undefined;
  /** Priced with this when the database holds no rate card (the oracle's development fallback). */
  fallbackRateCard?: RateCard | undefined;
  now?: (() => number) | undefined;
};

/** The open epoch's network-wide inputs, shared by every supporter's computation. */
export type Snapshot = {
  epoch: bigint;
  epochStart: bigint;
  epochEnd: bigint;
  /** The coordinator's status of the epoch: `OPEN`, or null before anything of it was stored. */
  status: string | null;
  rateCard: RateCard;
  budgetMicroUsd: bigint | null;
  network: OpenEpochNode[];
};

/** A supporter's accrual: core's result, the address asked about, and the nodes whose events concern it. */
export type Accrual = ComputeAccrualReturnType & {
  address: Hex;
  status: string | null;
  accounts: Address[];
  /** Nodes whose accepted bytes change this accrual (the service's event index; not in the schema). */
  watchedNodes: string[];
};

/** Reads the epoch of `nowMs` by the coordinator's clock: its status, rate card, budget and every active node. */
export async function loadSnapshot(db: Queryable, setup: AccrualSetup, nowMs: number): Promise<Snapshot> {
  const epochNumber = Math.floor((nowMs / 1000 - setup.clock.genesis) / setup.clock.epochSeconds);
  const epoch = BigInt(Math.max(0, epochNumber));
  const { startsAt, endsAt } = epochBounds(setup.clock, Number(epoch));
  const epochStart = BigInt(Math.floor(startsAt.getTime() / 1000));
  const epochEnd = BigInt(Math.floor(endsAt.getTime() / 1000));
  const [status, cards, budgetMicroUsd, network] = await Promise.all([
    epochStatus(db, epoch),
    allRateCards(db),
    budgetInForceAt(db, epoch),
    openEpochNodes(db, { epoch, epochStart, epochEnd, slotSeconds: setup.heartbeatSlotSeconds }),
  ]);
  const rateCard = cards.length > 0 ? selectRateCard(cards, epoch) : (setup.fallbackRateCard ?? DEFAULT_RATE_CARD);
  return { epoch, epochStart, epochEnd, status, rateCard, budgetMicroUsd, network };
}

/** `address`'s accrual (a node or a payout address) on `snapshot`, as of `nowMs`. */
export async function computeAccrualOf(
  db: Queryable,
  setup: AccrualSetup,
  snapshot: Snapshot,
  address: Hex,
  nowMs: number,
): Promise<Accrual> {
  const rules = setup.rules ?? DEFAULT_FRAUD_RULES;
  const ownNodes = new Set<string>((await nodesOfSupporter(db, address)).map((n) => n.address));
  const accounts = [
    ...new Set(snapshot.network.filter((n) => ownNodes.has(n.node) || n.payout === address).map((n) => n.payout)),
  ].sort();
  const siblings = accounts.length > 0 ? await nodesPayingTo(db, accounts) : [];
  const accountNodes = snapshot.network.filter((n) => accounts.includes(n.payout)).map((n) => n.node);
  const [atRisk, sessions] = await Promise.all([
    atRiskBytes(db, {
      epoch: snapshot.epoch,
      nodes: accountNodes,
      own: [...accounts, ...siblings],
      toleranceSeconds: rules.offlineToleranceSeconds,
    }),
    sessionsOfNodes(db, { epoch: snapshot.epoch, nodes: accountNodes }),
  ]);
  const nowSeconds = BigInt(Math.floor(nowMs / 1000));
  const result = computeAccrual({
    epoch: snapshot.epoch,
    epochStart: snapshot.epochStart,
    epochEnd: snapshot.epochEnd,
    now: nowSeconds < snapshot.epochEnd ? nowSeconds : snapshot.epochEnd,
    heartbeatIntervalSeconds: setup.heartbeatSlotSeconds,
    rateCard: snapshot.rateCard,
    budgetMicroUsd: snapshot.budgetMicroUsd,
    rules,
    network: snapshot.network,
    accounts,
    atRisk,
    sessions,
  });
  return {
    ...result,
    address,
    status: snapshot.status,
    accounts,
    watchedNodes: [...new Set([...ownNodes, ...accountNodes, ...siblings, address])],
  };
}
