import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import { DEFAULT_RATE_CARD, selectRateCard } from "../../core/ratecard.ts";
import type { RateCard } from "../../core/ratecard.ts";
import type { Queryable } from "../../db/types.ts";
import * as inputs from "../repositories/inputs.ts";
import * as policy from "../repositories/policy.ts";
import { getEpochByChainEpoch } from "../repositories/epochs.ts";
import { UnsignedPolicyInputError } from "../errors.ts";
import { DEFAULT_FRAUD_RULES } from "../../core/fraud.ts";
import type { AggregatedEpoch } from "../types.ts";

/**
 * Stage 1 — aggregate: everything a CLOSED epoch's payout depends on, read from PostgreSQL
 * (the coordinator's receipts, grants, registrations, heartbeats, founders, flag overrides and
 * rate cards; the oracle's own checkpoints and previous leaves). No computation happens here.
 *
 * The discretionary inputs come with their policy signatures (oracle/repositories/policy.ts):
 * the budget in force, the rate card's approval, each node's founder status and the epoch's flag
 * decisions. An epoch without a signed budget waits (`UnsignedPolicyInputError`, retried).
 */
export type AggregateEpochParameters = {
  epoch: bigint;
  chainEpoch: bigint;
  startsAt: Date;
  endsAt: Date;
  domain: RewardsDomain;
  coordinator: Address;
  heartbeatSlotSeconds: bigint;
  /** Used when the database holds no rate card (development). */
  fallbackRateCard?: RateCard;
};

export async function aggregateEpoch(q: Queryable, p: AggregateEpochParameters): Promise<AggregatedEpoch> {
  const cards = await inputs.readRateCards(q);
  const rateCard = cards.length > 0 ? selectRateCard(cards, p.epoch) : (p.fallbackRateCard ?? DEFAULT_RATE_CARD);
  // the receipts first: the sessions and nodes they name scope the other reads
  const [receipts, heartbeats, flagDecisions, previousLeaves, budgets, rateCardApproval, previous] = await Promise.all([
    inputs.readReceipts(q, p.epoch),
    inputs.readHeartbeats(q, p.epoch),
    policy.readFlagDecisions(q, p.epoch),
    inputs.readPreviousLeaves(q, p.epoch),
    policy.readBudgets(q, p.epoch),
    policy.readRateCardApproval(q, rateCard),
    p.chainEpoch > 1n ? getEpochByChainEpoch(q, p.chainEpoch - 1n) : Promise.resolve(undefined),
  ]);
  const budgetApproval = budgets[0];
  if (!budgetApproval)
    throw new UnsignedPolicyInputError(`epoch budget of epoch ${p.epoch}`, "ledger policy budget USD --from-epoch N");
  if (p.chainEpoch > 1n && (!previous?.datasetHash || !previous.root))
    throw new UnsignedPolicyInputError(
      `predecessor link of chain epoch ${p.chainEpoch}`,
      `chain epoch ${p.chainEpoch - 1n} must be computed first`,
    );
  const scope = inputs.scopeOf(receipts);
  const [grants, registrations, founders, checkpoints] = await Promise.all([
    inputs.readGrants(q, scope),
    inputs.readRegistrations(q, p.epoch, scope),
    policy.readFounderStatuses(q, p.epoch, scope.supporters),
    inputs.readCheckpointsBefore(q, p.epoch, scope),
  ]);
  return {
    chainEpoch: p.chainEpoch,
    inputs: {
      epoch: p.epoch,
      domain: { chainId: p.domain.chainId, verifyingContract: p.domain.verifyingContract.toLowerCase() as Address },
      coordinator: p.coordinator.toLowerCase() as Address,
      epochStart: BigInt(Math.floor(p.startsAt.getTime() / 1000)),
      epochEnd: BigInt(Math.floor(p.endsAt.getTime() / 1000)),
      heartbeatIntervalSeconds: p.heartbeatSlotSeconds,
      rules: DEFAULT_FRAUD_RULES,
      rateCard,
      rateCardApproval,
      predecessor:
        previous?.datasetHash && previous.root
          ? { chainEpoch: p.chainEpoch - 1n, datasetHash: previous.datasetHash, root: previous.root }
          : null,
      budgetMicroUsd: budgetApproval.message.budgetMicroUsd,
      budgetApproval,
      receipts,
      grants,
      registrations,
      heartbeats,
      founders,
      checkpoints,
      flagDecisions,
      previousLeaves,
    },
  };
}
