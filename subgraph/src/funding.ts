/** The pool: `Funded`, `ExcessWithdrawn`. */
import { ExcessWithdrawn, Funded } from "../generated/RewardsDistributor/RewardsDistributor";
import { ExcessWithdrawal, Funding } from "../generated/schema";
import { eventId, getOrCreateDistributor, saveDistributor } from "./helpers";

export function handleFunded(event: Funded): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  const funding = new Funding(eventId(event));
  funding.distributor = distributor.id;
  funding.from = p.from;
  funding.amountMicroUsd = p.amount;
  funding.netFundedMicroUsd = p.netFunded;
  funding.blockNumber = event.block.number;
  funding.blockTimestamp = event.block.timestamp;
  funding.transactionHash = event.transaction.hash;
  funding.logIndex = event.logIndex;
  funding.save();

  distributor.totalFundedMicroUsd = distributor.totalFundedMicroUsd.plus(p.amount);
  distributor.netFundedMicroUsd = p.netFunded;
  saveDistributor(distributor);
}

export function handleExcessWithdrawn(event: ExcessWithdrawn): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  const withdrawal = new ExcessWithdrawal(eventId(event));
  withdrawal.distributor = distributor.id;
  withdrawal.to = p.to;
  withdrawal.amountMicroUsd = p.amount;
  withdrawal.netFundedMicroUsd = p.netFunded;
  withdrawal.blockNumber = event.block.number;
  withdrawal.blockTimestamp = event.block.timestamp;
  withdrawal.transactionHash = event.transaction.hash;
  withdrawal.logIndex = event.logIndex;
  withdrawal.save();

  distributor.totalWithdrawnMicroUsd = distributor.totalWithdrawnMicroUsd.plus(p.amount);
  distributor.netFundedMicroUsd = p.netFunded;
  saveDistributor(distributor);
}
