/**
 * Configuration: oracle signers, threshold, dispute window, circuit breaker, pause, and who
 * holds which role (`RoleGranted` / `RoleRevoked`).
 */
import { Address, Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  DisputeWindowChanged,
  RoleGranted,
  RoleRevoked,
  OutflowLimitChanged,
  Paused,
  SignerAdded,
  SignerRemoved,
  ThresholdChanged,
  Unpaused,
} from "../generated/RewardsDistributor/RewardsDistributor";
import {
  DisputeWindowChange,
  OutflowLimitChange,
  PauseChange,
  RoleChange,
  RoleHolder,
  SignerChange,
  ThresholdChange,
} from "../generated/schema";
import { eventId, getOrCreateDistributor, getOrCreateSigner, saveDistributor } from "./helpers";

function recordSignerChange(event: ethereum.Event, signerAddress: Address, added: boolean): void {
  const distributor = getOrCreateDistributor(event.address);
  const signer = getOrCreateSigner(distributor, signerAddress, event);
  // The contract reverts on adding an active or removing an inactive signer, so each event
  // flips the state; the guard keeps the count right even if indexing starts mid-history.
  if (signer.active != added) {
    distributor.signerCount = added ? distributor.signerCount + 1 : distributor.signerCount - 1;
  }
  signer.active = added;
  if (added) signer.addedAt = event.block.timestamp;
  else signer.removedAt = event.block.timestamp;
  signer.save();

  const change = new SignerChange(eventId(event));
  change.distributor = distributor.id;
  change.signer = signer.id;
  change.added = added;
  change.signerCount = distributor.signerCount;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  saveDistributor(distributor);
}

export function handleSignerAdded(event: SignerAdded): void {
  recordSignerChange(event, event.params.signer, true);
}

export function handleSignerRemoved(event: SignerRemoved): void {
  recordSignerChange(event, event.params.signer, false);
}

export function handleThresholdChanged(event: ThresholdChanged): void {
  const distributor = getOrCreateDistributor(event.address);
  const change = new ThresholdChange(eventId(event));
  change.distributor = distributor.id;
  change.previousThreshold = event.params.previousThreshold;
  change.newThreshold = event.params.newThreshold;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  distributor.threshold = event.params.newThreshold;
  saveDistributor(distributor);
}

export function handleDisputeWindowChanged(event: DisputeWindowChanged): void {
  const distributor = getOrCreateDistributor(event.address);
  const change = new DisputeWindowChange(eventId(event));
  change.distributor = distributor.id;
  change.previousWindowSeconds = event.params.previousWindowSeconds;
  change.newWindowSeconds = event.params.newWindowSeconds;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  distributor.disputeWindowSeconds = event.params.newWindowSeconds;
  saveDistributor(distributor);
}

export function handleOutflowLimitChanged(event: OutflowLimitChanged): void {
  const distributor = getOrCreateDistributor(event.address);
  const change = new OutflowLimitChange(eventId(event));
  change.distributor = distributor.id;
  change.maxOutflowPerWindowMicroUsd = event.params.maxOutflowPerWindow;
  change.windowSeconds = event.params.windowSeconds;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  distributor.maxOutflowPerWindowMicroUsd = event.params.maxOutflowPerWindow;
  distributor.outflowWindowSeconds = event.params.windowSeconds;
  saveDistributor(distributor);
}

function recordPause(event: ethereum.Event, account: Address, paused: boolean): void {
  const distributor = getOrCreateDistributor(event.address);
  const change = new PauseChange(eventId(event));
  change.distributor = distributor.id;
  change.paused = paused;
  change.account = account;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  distributor.paused = paused;
  saveDistributor(distributor);
}

export function handlePaused(event: Paused): void {
  recordPause(event, event.params.account, true);
}

export function handleUnpaused(event: Unpaused): void {
  recordPause(event, event.params.account, false);
}

export function recordRoleChange(
  event: ethereum.Event,
  role: Bytes,
  account: Address,
  sender: Address,
  granted: boolean,
): void {
  const change = new RoleChange(eventId(event));
  change.contract = event.address;
  change.role = role;
  change.account = account;
  change.sender = sender;
  change.granted = granted;
  change.blockNumber = event.block.number;
  change.blockTimestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.logIndex = event.logIndex;
  change.save();

  const id = event.address.concat(role).concat(account);
  let holder = RoleHolder.load(id);
  if (holder == null) {
    holder = new RoleHolder(id);
    holder.contract = event.address;
    holder.role = role;
    holder.account = account;
    // A revocation seen first (indexing started after the grant): the grant's details are unknown.
    holder.grantedAt = event.block.timestamp;
    holder.grantedBy = sender;
    holder.transactionHash = event.transaction.hash;
  }
  holder.active = granted;
  if (granted) {
    holder.grantedAt = event.block.timestamp;
    holder.grantedBy = sender;
    holder.transactionHash = event.transaction.hash;
    holder.revokedAt = null;
  } else {
    holder.revokedAt = event.block.timestamp;
  }
  holder.save();
}

export function handleRoleGranted(event: RoleGranted): void {
  recordRoleChange(event, event.params.role, event.params.account, event.params.sender, true);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  recordRoleChange(event, event.params.role, event.params.account, event.params.sender, false);
}
