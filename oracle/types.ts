import type {
  Address,
  Hex,
  RewardsDomain,
  SignedHeartbeat,
  SignedReceipt,
  SignedSessionGrant,
  SignedSupporterRegistration,
} from "../core/eip712.ts";
import type { RateCard } from "../core/ratecard.ts";
import type { TreeEntry } from "../core/tree.ts";
import type { StreamCheckpoint } from "../core/verdict.ts";

/** The epoch lifecycle (DESIGN.md "Epoch lifecycle"); the same values as `epochs.status`. */
export type EpochStatus = "OPEN" | "CLOSED" | "COMPUTED" | "SIGNED" | "POSTED" | "FINALIZED" | "VETOED";

/** An admin's decision on fraud flags (`flag_overrides`): all flags with `reasonCode` of a node (and session). */
export type FlagOverride = {
  node: Address;
  /** null: every session of the node in the epoch. */
  sessionId: Hex | null;
  reasonCode: string;
  decision: "include" | "exclude";
  by: string;
  note: string;
};

/**
 * Everything an epoch's payout depends on: the output of the aggregate stage, the input of
 * compute and build, and (with the results) the content of the epoch's dataset. Arrays are in
 * canonical order (see each field), so two aggregations of the same data are equal.
 */
export type EpochInputs = {
  /** The coordinator's epoch number. */
  epoch: bigint;
  /** The contract's epoch number (consecutive from 1). */
  chainEpoch: bigint;
  domain: RewardsDomain;
  /** The address that signs session grants. */
  coordinator: Address;
  /** Unix seconds, inclusive / exclusive. */
  epochStart: bigint;
  epochEnd: bigint;
  /** Uptime is the share of these slots of the epoch with a heartbeat. */
  heartbeatSlotSeconds: bigint;
  rateCard: RateCard;
  budgetMicroUsd: bigint;
  /** By (sessionId, supporter, seq). */
  receipts: SignedReceipt[];
  /** By sessionId, then signature. */
  grants: SignedSessionGrant[];
  /** By (node, effectiveEpoch). */
  registrations: SignedSupporterRegistration[];
  /** By (node, timestamp). */
  heartbeats: SignedHeartbeat[];
  /** Founder nodes, sorted. */
  founders: Address[];
  /** Stream positions carried in, by (sessionId, supporter). */
  checkpoints: StreamCheckpoint[];
  overrides: FlagOverride[];
  /** Every account's cumulative entitlement after the previous epoch, by account. */
  previousLeaves: TreeEntry[];
};
