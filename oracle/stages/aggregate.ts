import type { Address, RewardsDomain } from "../../core/eip712.ts";
import { DEFAULT_RATE_CARD, selectRateCard } from "../../core/ratecard.ts";
import type { RateCard } from "../../core/ratecard.ts";
import type { Queryable } from "../../db/types.ts";
import * as inputs from "../repositories/inputs.ts";
import { DEFAULT_FRAUD_RULES } from "../../core/fraud.ts";
import type { AggregatedEpoch } from "../types.ts";

/**
 * Stage 1 — aggregate: everything a CLOSED epoch's payout depends on, read from PostgreSQL
 * (the coordinator's receipts, grants, registrations, heartbeats, founders, flag overrides and
 * rate cards; the oracle's own checkpoints and previous leaves). No computation happens here.
 */
export type AggregateEpochParameters = {
  epoch: bigint;
  chainEpoch: bigint;
  startsAt: Date;
  endsAt: Date;
  domain: RewardsDomain;
  coordinator: Address;
  budgetMicroUsd: bigint;
  heartbeatSlotSeconds: bigint;
  /** Used when the database holds no rate card (development). */
  fallbackRateCard?: RateCard;
};

export async function aggregateEpoch(q: Queryable, p: AggregateEpochParameters): Promise<AggregatedEpoch> {
  const cards = await inputs.readRateCards(q);
  const rateCard = cards.length > 0 ? selectRateCard(cards, p.epoch) : (p.fallbackRateCard ?? DEFAULT_RATE_CARD);
  // the receipts first: the sessions and nodes they name scope the other reads
  const [receipts, heartbeats, overrides, previousLeaves] = await Promise.all([
    inputs.readReceipts(q, p.epoch),
    inputs.readHeartbeats(q, p.epoch),
    inputs.readOverrides(q, p.epoch),
    inputs.readPreviousLeaves(q, p.epoch),
  ]);
  const scope = inputs.scopeOf(receipts);
  const [grants, registrations, founders, checkpoints] = await Promise.all([
    inputs.readGrants(q, scope),
    inputs.readRegistrations(q, p.epoch, scope),
    inputs.readFounders(q, p.epoch, scope),
    inputs.readCheckpointsBefore(q, p.epoch, scope),
  ]);
  return {
    chainEpoch: p.chainEpoch,
    flagOverrides: overrides,
    inputs: {
      epoch: p.epoch,
      domain: { chainId: p.domain.chainId, verifyingContract: p.domain.verifyingContract.toLowerCase() as Address },
      coordinator: p.coordinator.toLowerCase() as Address,
      epochStart: BigInt(Math.floor(p.startsAt.getTime() / 1000)),
      epochEnd: BigInt(Math.floor(p.endsAt.getTime() / 1000)),
      heartbeatIntervalSeconds: p.heartbeatSlotSeconds,
      rules: DEFAULT_FRAUD_RULES,
      rateCard,
      budgetMicroUsd: p.budgetMicroUsd,
      receipts,
      grants,
      registrations,
      heartbeats,
      founders,
      checkpoints,
      overrides: [],
      previousLeaves,
    },
  };
}
