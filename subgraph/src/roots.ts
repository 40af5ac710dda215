/** Epoch roots: `RootProposed`, `RootVetoed`, `RootFinalized`. */
import { Bytes } from "@graphprotocol/graph-ts";
import { RootFinalized, RootProposed, RootVetoed } from "../generated/RewardsDistributor/RewardsDistributor";
import { RootFinalization, RootProposal, RootVeto } from "../generated/schema";
import {
  STATUS_FINALIZED,
  STATUS_PENDING,
  STATUS_VETOED,
  addressesToBytes,
  eventId,
  getOrCreateDistributor,
  loadOrInitEpoch,
  saveDistributor,
} from "./helpers";

export function handleRootProposed(event: RootProposed): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);
  const signers = addressesToBytes(p.signers);

  // A vetoed epoch number may be proposed again: the aggregate describes the newest proposal.
  const epoch = loadOrInitEpoch(distributor, p.epoch, STATUS_PENDING, event);
  epoch.status = STATUS_PENDING;
  epoch.root = p.root;
  epoch.cumulativeTotalMicroUsd = p.cumulativeTotal;
  epoch.receiptsRoot = p.receiptsRoot;
  epoch.datasetHash = p.datasetHash;
  epoch.rateCardHash = p.rateCardHash;
  epoch.validAt = p.validAt;
  epoch.signers = signers;
  epoch.proposedAt = event.block.timestamp;
  epoch.proposedTransactionHash = event.transaction.hash;
  epoch.finalizedAt = null;
  epoch.proposalCount = epoch.proposalCount + 1;
  epoch.attempt = p.attempt;
  epoch.save();

  const proposal = new RootProposal(eventId(event));
  proposal.distributor = distributor.id;
  proposal.epoch = epoch.id;
  proposal.attempt = p.attempt;
  proposal.root = p.root;
  proposal.cumulativeTotalMicroUsd = p.cumulativeTotal;
  proposal.receiptsRoot = p.receiptsRoot;
  proposal.datasetHash = p.datasetHash;
  proposal.rateCardHash = p.rateCardHash;
  proposal.validAt = p.validAt;
  proposal.signers = signers;
  proposal.sender = event.transaction.from;
  proposal.blockNumber = event.block.number;
  proposal.blockTimestamp = event.block.timestamp;
  proposal.transactionHash = event.transaction.hash;
  proposal.logIndex = event.logIndex;
  proposal.save();

  distributor.latestEpoch = p.epoch;
  distributor.committedTotalMicroUsd = p.cumulativeTotal;
  saveDistributor(distributor);
}

export function handleRootVetoed(event: RootVetoed): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  const epoch = loadOrInitEpoch(distributor, p.epoch, STATUS_VETOED, event);
  epoch.status = STATUS_VETOED;
  epoch.vetoedAt = event.block.timestamp;
  epoch.vetoReason = p.reason;
  epoch.save();

  const veto = new RootVeto(eventId(event));
  veto.distributor = distributor.id;
  veto.epoch = epoch.id;
  veto.guardian = p.guardian;
  veto.reason = p.reason;
  veto.blockNumber = event.block.number;
  veto.blockTimestamp = event.block.timestamp;
  veto.transactionHash = event.transaction.hash;
  veto.logIndex = event.logIndex;
  veto.save();

  // Only a pending root can be vetoed and at most one is pending, so the commitment falls back
  // to the latest finalized root (the contract's `committedTotal` and `latestEpoch`).
  distributor.latestEpoch = distributor.finalizedEpoch;
  distributor.committedTotalMicroUsd = distributor.finalizedTotalMicroUsd;
  saveDistributor(distributor);
}

export function handleRootFinalized(event: RootFinalized): void {
  const p = event.params;
  const distributor = getOrCreateDistributor(event.address);

  // The event does not carry the root (the contract keeps `finalize` to one cold read): it is
  // the root of the epoch's latest RootProposed, already on the Epoch aggregate.
  const epoch = loadOrInitEpoch(distributor, p.epoch, STATUS_FINALIZED, event);
  const root: Bytes | null = epoch.proposalCount > 0 ? epoch.root : null;
  epoch.status = STATUS_FINALIZED;
  epoch.cumulativeTotalMicroUsd = p.cumulativeTotal;
  epoch.finalizedAt = event.block.timestamp;
  epoch.save();

  const finalization = new RootFinalization(eventId(event));
  finalization.distributor = distributor.id;
  finalization.epoch = epoch.id;
  finalization.root = root;
  finalization.cumulativeTotalMicroUsd = p.cumulativeTotal;
  finalization.sender = event.transaction.from;
  finalization.blockNumber = event.block.number;
  finalization.blockTimestamp = event.block.timestamp;
  finalization.transactionHash = event.transaction.hash;
  finalization.logIndex = event.logIndex;
  finalization.save();

  distributor.finalizedEpoch = p.epoch;
  distributor.finalizedRoot = root;
  distributor.finalizedTotalMicroUsd = p.cumulativeTotal;
  if (p.epoch.gt(distributor.latestEpoch)) distributor.latestEpoch = p.epoch;
  if (p.cumulativeTotal.gt(distributor.committedTotalMicroUsd)) distributor.committedTotalMicroUsd = p.cumulativeTotal;
  saveDistributor(distributor);
}
