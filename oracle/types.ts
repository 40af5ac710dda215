import type { EpochInputs } from "../core/dataset/types.ts";

/**
 * The output of the aggregate stage: core's `EpochInputs` (everything the payout depends on,
 * what the dataset serializes; `inputs.epoch` is the coordinator's epoch number) plus what only
 * the oracle needs: the contract's epoch number.
 */
export type AggregatedEpoch = {
  /** The contract's epoch number (consecutive from 1). */
  chainEpoch: bigint;
  inputs: EpochInputs;
};
