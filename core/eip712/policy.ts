/**
 * The policy messages (EIP-712): the discretionary inputs of an epoch, signed by a key holding
 * the distributor's POLICY_ROLE (core/policy.ts) — their TypeScript message types, signed forms
 * and viem/ethers `types` objects, handed on to messages.ts and hash.ts.
 *
 * Few per epoch: strings are allowed (EIP-712 hashes them), so a wallet shows the reason and the
 * note as text.
 */
import type { Hex } from "../hex.ts";
import type { Address, Signed } from "./domain.ts";

/** The policy key approves a rate card: the oracle prices with no other card. */
export type RateCardApproval = {
  version: bigint;
  effectiveEpoch: bigint;
  /** `rateCardHash` of the canonical card (core/ratecard.ts). */
  rateCardHash: Hex;
};

/** Grants (`founder: true`) or revokes founder status of a node from an epoch on. */
export type FounderStatus = {
  node: Address;
  founder: boolean;
  effectiveEpoch: bigint;
  /** Unix seconds: of two statuses for the same node and epoch, the later wins. */
  issuedAt: bigint;
  reason: string;
};

/**
 * An admin's decision on flagged receipts of one node in one epoch: count them in full
 * (`include`) or not at all. `sessionId` zero means every session of the node.
 */
export type FlagDecision = {
  epoch: bigint;
  node: Address;
  sessionId: Hex;
  reasonCode: string;
  include: boolean;
  note: string;
  /** Unix seconds. */
  issuedAt: bigint;
};

/** The funded budget of every epoch from `fromEpoch` on, until a later statement replaces it. */
export type EpochBudget = {
  fromEpoch: bigint;
  budgetMicroUsd: bigint;
  /** Unix seconds: of two budgets from the same epoch, the later wins. */
  issuedAt: bigint;
};

export type SignedRateCardApproval = Signed<RateCardApproval>;
export type SignedFounderStatus = Signed<FounderStatus>;
export type SignedFlagDecision = Signed<FlagDecision>;
export type SignedEpochBudget = Signed<EpochBudget>;

export const rateCardApprovalTypes = {
  RateCardApproval: [
    { name: "version", type: "uint64" },
    { name: "effectiveEpoch", type: "uint64" },
    { name: "rateCardHash", type: "bytes32" },
  ],
} as const;

export const founderStatusTypes = {
  FounderStatus: [
    { name: "node", type: "address" },
    { name: "founder", type: "bool" },
    { name: "effectiveEpoch", type: "uint64" },
    { name: "issuedAt", type: "uint64" },
    { name: "reason", type: "string" },
  ],
} as const;

export const flagDecisionTypes = {
  FlagDecision: [
    { name: "epoch", type: "uint64" },
    { name: "node", type: "address" },
    { name: "sessionId", type: "bytes32" },
    { name: "reasonCode", type: "string" },
    { name: "include", type: "bool" },
    { name: "note", type: "string" },
    { name: "issuedAt", type: "uint64" },
  ],
} as const;

export const epochBudgetTypes = {
  EpochBudget: [
    { name: "fromEpoch", type: "uint64" },
    { name: "budgetMicroUsd", type: "uint256" },
    { name: "issuedAt", type: "uint64" },
  ],
} as const;
