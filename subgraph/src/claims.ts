/** Payouts: `Claimed`, `ClaimAuthorizationUsed`, `ClaimLimited`, `NonceInvalidated`. */
import {
  ClaimAuthorizationUsed,
  ClaimLimited,
  Claimed,
  NonceInvalidated,
} from "../generated/RewardsDistributor/RewardsDistributor";
import { Claim, ClaimAuthorizationUse, ClaimLimit, NonceInvalidation } from "../generated/schema";
import {
  STATUS_FINALIZED,
  eventId,
  getOrCreateAccount,
  getOrCreateDistributor,
  loadOrInitEpoch,
  saveDistributor,
} from "./helpers";

export function handleClaimed(event: Claimed): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  const account = getOrCreateAccount(distributor, p.account, event);
  // The event carries the contract's own running total: take it, never re-sum.
  account.totalClaimedMicroUsd = p.cumulativeClaimed;
  account.claimCount = account.claimCount + 1;
  account.lastClaimAt = event.block.timestamp;
  account.save();

  // Claims are proven against a finalized epoch; a placeholder keeps the reference valid if
  // indexing started after that epoch was proposed.
  const epoch = loadOrInitEpoch(distributor, p.epoch, STATUS_FINALIZED, event);
  if (epoch.proposalCount == 0) epoch.save();

  const claim = new Claim(eventId(event));
  claim.distributor = distributor.id;
  claim.account = account.id;
  claim.recipient = p.recipient;
  claim.amountMicroUsd = p.amount;
  claim.cumulativeClaimedMicroUsd = p.cumulativeClaimed;
  claim.epoch = epoch.id;
  claim.sender = event.transaction.from;
  claim.blockNumber = event.block.number;
  claim.blockTimestamp = event.block.timestamp;
  claim.transactionHash = event.transaction.hash;
  claim.logIndex = event.logIndex;
  claim.save();

  distributor.totalClaimedMicroUsd = distributor.totalClaimedMicroUsd.plus(p.amount);
  distributor.claimCount = distributor.claimCount + 1;
  saveDistributor(distributor);
}

export function handleClaimAuthorizationUsed(event: ClaimAuthorizationUsed): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  const account = getOrCreateAccount(distributor, p.account, event);
  account.authorizationsUsed = account.authorizationsUsed + 1;
  account.save();

  const use = new ClaimAuthorizationUse(eventId(event));
  use.distributor = distributor.id;
  use.account = account.id;
  use.nonce = p.nonce;
  use.relayer = p.relayer;
  use.relayerFeeMicroUsd = p.relayerFee;
  use.blockNumber = event.block.number;
  use.blockTimestamp = event.block.timestamp;
  use.transactionHash = event.transaction.hash;
  use.logIndex = event.logIndex;
  use.save();

  saveDistributor(distributor);
}

export function handleClaimLimited(event: ClaimLimited): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);
  const limit = new ClaimLimit(eventId(event));
  limit.distributor = distributor.id;
  limit.account = p.account;
  limit.dueMicroUsd = p.due;
  limit.paidMicroUsd = p.paid;
  limit.blockNumber = event.block.number;
  limit.blockTimestamp = event.block.timestamp;
  limit.transactionHash = event.transaction.hash;
  limit.logIndex = event.logIndex;
  limit.save();
  saveDistributor(distributor);
}

export function handleNonceInvalidated(event: NonceInvalidated): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);
  const invalidation = new NonceInvalidation(eventId(event));
  invalidation.distributor = distributor.id;
  invalidation.account = p.account;
  invalidation.nonce = p.nonce;
  invalidation.blockNumber = event.block.number;
  invalidation.blockTimestamp = event.block.timestamp;
  invalidation.transactionHash = event.transaction.hash;
  invalidation.logIndex = event.logIndex;
  invalidation.save();
  saveDistributor(distributor);
}
