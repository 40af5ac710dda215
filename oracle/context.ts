import type { Logger } from "pino";
import type { EpochRoot } from "../core/eip712/epoch-root.ts";
import type { Db } from "../db/types.ts";
import type { OracleChain } from "./chain.ts";
import type { OracleConfig } from "./config.ts";
import { EpochStateError } from "./errors.ts";
import type { EpochRow } from "./repositories/epochs.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { EpochStatus } from "../core/epoch-lifecycle.ts";

/**
 * What every epoch transition takes in — the oracle's context (database, chain, config, log,
 * clock, retry policy) and an epoch row — and what it hands back: a `StepResult` (moved, or why
 * it waits). Shared by oracle/transitions/*, the daemon and the payout booking.
 */

export type OracleContext = {
  db: Db;
  chain: OracleChain;
  config: Pick<
    OracleConfig,
    | "chainId"
    | "distributor"
    | "coordinator"
    | "graceSeconds"
    | "heartbeatSlotSeconds"
    | "budgetMicroUsd"
    | "dataDir"
    | "signerKeys"
    | "allowVetoedRoot"
  >;
  log: Logger;
  /** The wall clock (tests move it). */
  now?: () => Date;
  /** Called after each stage with its wall time (the bench, progress output). */
  onStage?: (stage: string, ms: number, epoch: bigint) => void;
  /**
   * The retry state of this context (oracle/retry-policy.ts): created on first use when absent,
   * so one context object is one oracle's memory of failed runs.
   */
  retries?: RetryPolicy;
};

export type StepResult =
  | { epoch: bigint; moved: true; from: EpochStatus; to: EpochStatus }
  | { epoch: bigint; moved: false; status: EpochStatus; waiting: string };

export const wait = (row: EpochRow, waiting: string): StepResult => ({
  epoch: row.epoch,
  moved: false,
  status: row.status,
  waiting,
});
export const moved = (row: EpochRow, to: EpochStatus): StepResult => ({
  epoch: row.epoch,
  moved: true,
  from: row.status,
  to,
});

export function epochRootOf(row: EpochRow): EpochRoot {
  if (
    !row.chainEpoch ||
    !row.root ||
    !row.receiptsRoot ||
    !row.datasetHash ||
    !row.rateCardHash ||
    row.cumulativeTotal === null
  )
    throw new EpochStateError(`Epoch ${row.epoch} has no computed root.`);
  return {
    epoch: row.chainEpoch,
    attempt: BigInt(row.attempt),
    root: row.root,
    cumulativeTotal: row.cumulativeTotal,
    receiptsRoot: row.receiptsRoot,
    datasetHash: row.datasetHash,
    rateCardHash: row.rateCardHash,
  };
}
