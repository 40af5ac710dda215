/**
 * The epoch lifecycle's vocabulary (DESIGN.md "Epoch lifecycle"): the statuses an epoch moves
 * through, the same values as the `epochs.status` column, in lifecycle order. Pure; imported by
 * the API and the oracle, never redefined.
 */

/** Every epoch status in lifecycle order (`VETOED` last: a posted root the guardian vetoed). */
export const EPOCH_STATUSES = ["OPEN", "CLOSED", "COMPUTED", "SIGNED", "POSTED", "FINALIZED", "VETOED"] as const;

/** An epoch's status in the coordinator's database (`epochs.status`). */
export type EpochStatus = (typeof EPOCH_STATUSES)[number];

/** `RewardsDistributor`'s `EpochStatus` enum, in its order (`None`: no root proposed for the epoch). */
export const CHAIN_EPOCH_STATUSES = ["None", "Pending", "Finalized", "Vetoed"] as const;

/** An epoch's status on chain (the contract's enum, as its name). */
export type ChainEpochStatus = (typeof CHAIN_EPOCH_STATUSES)[number];
