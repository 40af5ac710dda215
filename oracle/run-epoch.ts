import type { OracleContext, StepResult } from "./context.ts";
import { wait } from "./context.ts";
import { EpochStateError } from "./errors.ts";
import { bookPayouts } from "./payout-booking.ts";
import * as epochs from "./repositories/epochs.ts";
import { close } from "./transitions/close.ts";
import { compute } from "./transitions/compute.ts";
import { finalize } from "./transitions/finalize.ts";
import { post } from "./transitions/post.ts";
import { sign } from "./transitions/sign.ts";

/**
 * The epoch state machine — the pipeline's entry point: takes an `OracleContext` and an epoch,
 * hands each status to its transition (oracle/transitions/*), one per call:
 *
 *   OPEN ─(ends_at + grace)→ CLOSED ─aggregate·compute·build→ COMPUTED ─M-of-N sign→ SIGNED
 *   ─propose→ POSTED ─(dispute window)→ FINALIZED;   POSTED ─RootVetoed→ VETOED ─recompute→ COMPUTED …
 *
 * `advanceEpoch` makes at most one transition. Each transition is one database transaction
 * guarded by the status it starts from, so running it twice (two processes, a restart) changes
 * nothing the second time. Anything written before the transaction is either content-
 * addressed (the dataset file) or keyed idempotently (a signature per signer and attempt).
 * The chain is the source of truth for posting: the submitter reads it before it writes.
 *
 * Invariant relied on: epochs are processed in number order; epoch N is computed only once
 * N − 1 is FINALIZED, so its previous leaves and checkpoints are final.
 */

export type { OracleContext, StepResult } from "./context.ts";
export { epochRootOf } from "./context.ts";

/** Makes at most one transition of `epoch`; returns what happened or why it waits. */
export async function advanceEpoch(
  ctx: OracleContext,
  epoch: bigint,
  options: { force?: boolean } = {},
): Promise<StepResult> {
  const row = await epochs.getEpoch(ctx.db, epoch);
  if (!row) throw new EpochStateError(`No epoch ${epoch}.`);
  switch (row.status) {
    case "OPEN":
      return close(ctx, row, options.force ?? false);
    case "CLOSED":
    case "VETOED":
      return compute(ctx, row);
    case "COMPUTED":
      return sign(ctx, row);
    case "SIGNED":
      return post(ctx, row);
    case "POSTED":
      return finalize(ctx, row);
    case "FINALIZED":
      return wait(row, "done");
  }
}

/**
 * Advances every unfinished epoch, oldest first, as far as it goes now, then books the payouts
 * of newly indexed (or reorged-away) claims. Returns the steps taken and, per epoch, why it waits.
 */
export async function runOnce(ctx: OracleContext, options: { maxSteps?: number } = {}): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const max = options.maxSteps ?? 1_000;
  for (;;) {
    let progress = false;
    for (const row of await epochs.listUnfinished(ctx.db)) {
      const step = await advanceEpoch(ctx, row.epoch);
      steps.push(step);
      if (step.moved) {
        progress = true;
        break; // re-read: an earlier epoch's progress may unblock a later one
      }
    }
    if (!progress || steps.length >= max) break;
  }
  await bookPayouts(ctx);
  return steps;
}

/** Drives one epoch as far as it goes now (closing it even within the grace period). */
export async function driveEpoch(
  ctx: OracleContext,
  epoch: bigint,
  options: { force?: boolean } = {},
): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (let i = 0; i < 20; i++) {
    const step = await advanceEpoch(ctx, epoch, options);
    steps.push(step);
    if (!step.moved) break;
  }
  return steps;
}
