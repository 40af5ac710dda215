/** Payouts: `Claimed`, `ClaimAuthorizationUsed`. */
import { ClaimAuthorizationUsed, Claimed } from "../generated/RewardsDistributor/RewardsDistributor";
import { Claim, ClaimAuthorizationUse } from "../generated/schema";
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
