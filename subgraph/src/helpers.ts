/**
 * Shared constants and get-or-create helpers. Every handler loads through these, so no mapping
 * ever force-unwraps a load: an entity that is missing (indexing started after its creating
 * event) is created with zero values and a warning instead.
 */
import { Address, BigInt, Bytes, ethereum, log } from "@graphprotocol/graph-ts";
import { Account, Distributor, Epoch, Signer } from "../generated/schema";

export const ZERO = BigInt.zero();
export const ZERO_HASH = Bytes.fromHexString("0x0000000000000000000000000000000000000000000000000000000000000000");

/** `EpochStatus` values (schema.graphql), spelled as the contract's enum. */
export const STATUS_PENDING = "Pending";
export const STATUS_FINALIZED = "Finalized";
export const STATUS_VETOED = "Vetoed";

/** Immutable event entity id: the transaction hash followed by the log index (unique per log). */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

export function getOrCreateDistributor(address: Address): Distributor {
  let distributor = Distributor.load(address);
  if (distributor == null) {
    distributor = new Distributor(address);
    distributor.totalFundedMicroUsd = ZERO;
    distributor.totalWithdrawnMicroUsd = ZERO;
    distributor.netFundedMicroUsd = ZERO;
    distributor.totalClaimedMicroUsd = ZERO;
    distributor.committedTotalMicroUsd = ZERO;
    distributor.finalizedTotalMicroUsd = ZERO;
    distributor.outstandingMicroUsd = ZERO;
    distributor.excessMicroUsd = ZERO;
    distributor.latestEpoch = ZERO;
    distributor.finalizedEpoch = ZERO;
    distributor.threshold = ZERO;
    distributor.signerCount = 0;
    distributor.disputeWindowSeconds = ZERO;
    distributor.maxOutflowPerWindowMicroUsd = ZERO;
    distributor.outflowWindowSeconds = ZERO;
    distributor.paused = false;
    distributor.claimCount = 0;
    distributor.accountCount = 0;
  }
  return distributor;
}

/**
 * Recomputes the derived totals after any change to funding, commitments or claims, then saves.
 * Invariant (the contract's solvency check): committed ≤ net funded, so excess ≥ 0.
 */
export function saveDistributor(distributor: Distributor): void {
  distributor.outstandingMicroUsd = distributor.committedTotalMicroUsd.minus(distributor.totalClaimedMicroUsd);
  distributor.excessMicroUsd = distributor.netFundedMicroUsd.minus(distributor.committedTotalMicroUsd);
  distributor.save();
}

export function epochId(epoch: BigInt): string {
  return epoch.toString();
}

/**
 * The epoch's entity, or a placeholder when its proposal was not indexed (a start block after
 * it): zero hashes and totals, status as given, so references from claims stay valid.
 */
export function loadOrInitEpoch(distributor: Distributor, epoch: BigInt, status: string, event: ethereum.Event): Epoch {
  let entity = Epoch.load(epochId(epoch));
  if (entity == null) {
    if (status != STATUS_PENDING) {
      log.warning("epoch {} seen before its RootProposed (tx {}): indexing starts after its proposal", [
        epoch.toString(),
        event.transaction.hash.toHexString(),
      ]);
    }
    entity = new Epoch(epochId(epoch));
    entity.distributor = distributor.id;
    entity.epoch = epoch;
    entity.status = status;
    entity.root = ZERO_HASH;
    entity.cumulativeTotalMicroUsd = ZERO;
    entity.receiptsRoot = ZERO_HASH;
    entity.datasetHash = ZERO_HASH;
    entity.rateCardHash = ZERO_HASH;
    entity.validAt = ZERO;
    entity.signers = [];
    entity.proposedAt = ZERO;
    entity.proposedTransactionHash = ZERO_HASH;
    entity.proposalCount = 0;
    entity.attempt = ZERO;
  }
  return entity;
}

/** The account, created (and counted on the distributor) on its first claim. */
export function getOrCreateAccount(distributor: Distributor, address: Address, event: ethereum.Event): Account {
  let account = Account.load(address);
  if (account == null) {
    account = new Account(address);
    account.distributor = distributor.id;
    account.totalClaimedMicroUsd = ZERO;
    account.claimCount = 0;
    account.authorizationsUsed = 0;
    account.firstClaimAt = event.block.timestamp;
    account.lastClaimAt = event.block.timestamp;
    distributor.accountCount = distributor.accountCount + 1;
  }
  return account;
}

export function getOrCreateSigner(distributor: Distributor, address: Address, event: ethereum.Event): Signer {
  let signer = Signer.load(address);
  if (signer == null) {
    signer = new Signer(address);
    signer.distributor = distributor.id;
    signer.active = false;
    signer.addedAt = event.block.timestamp;
  }
  return signer;
}

/** `address[]` event parameter → `[Bytes!]!` field (AssemblyScript arrays are invariant). */
export function addressesToBytes(addresses: Address[]): Bytes[] {
  const out = new Array<Bytes>(addresses.length);
  for (let i = 0; i < addresses.length; i++) out[i] = addresses[i];
  return out;
}
