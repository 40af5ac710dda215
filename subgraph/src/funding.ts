/** The pool: `Funded`, `ExcessWithdrawn`, `ShortfallReported`, `TokenSwept`. */
import {
  ExcessWithdrawn,
  Funded,
  ShortfallReported,
  TokenSwept,
} from "../generated/RewardsDistributor/RewardsDistributor";
import { ExcessWithdrawal, Funding, ShortfallReport, TokenSweep } from "../generated/schema";
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

export function handleShortfallReported(event: ShortfallReported): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);
  const report = new ShortfallReport(eventId(event));
  report.distributor = distributor.id;
  report.account = p.account;
  report.cumulativeAmountMicroUsd = p.cumulativeAmount;
  report.claimedMicroUsd = p.claimed;
  report.shortfallMicroUsd = p.shortfall;
  report.knownShortfallMicroUsd = p.knownShortfall;
  report.blockNumber = event.block.number;
  report.blockTimestamp = event.block.timestamp;
  report.transactionHash = event.transaction.hash;
  report.logIndex = event.logIndex;
  report.save();
  saveDistributor(distributor);
}

export function handleTokenSwept(event: TokenSwept): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);
  const sweep = new TokenSweep(eventId(event));
  sweep.distributor = distributor.id;
  sweep.token = p.token;
  sweep.to = p.to;
  sweep.amount = p.amount;
  sweep.blockNumber = event.block.number;
  sweep.blockTimestamp = event.block.timestamp;
  sweep.transactionHash = event.transaction.hash;
  sweep.logIndex = event.logIndex;
  sweep.save();
  saveDistributor(distributor);
}
