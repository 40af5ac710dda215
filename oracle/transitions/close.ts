import { moved, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import { crashPoint } from "../crash.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";

/**
 * OPEN → CLOSED: takes an OPEN epoch row and the wall clock; once its end plus the grace period
 * has passed (or at its end, forced), closes it in one transaction and hands back the step.
 */
export async function close(ctx: OracleContext, row: EpochRow, force: boolean): Promise<StepResult> {
  const now = (ctx.now ?? (() => new Date()))();
  const closesAt = new Date(row.endsAt.getTime() + ctx.config.graceSeconds * 1000);
  if (now < row.endsAt || (!force && now < closesAt))
    return wait(row, `open until ${closesAt.toISOString()} (grace ${ctx.config.graceSeconds} s after the end)`);
  const done = await ctx.db.transaction(async (tx) => {
    // Waits for any coordinator transaction that share-locked this epoch to store receipts.
    const ok = await epochs.closeEpoch(tx, row.epoch);
    crashPoint("close:before-commit");
    return ok;
  });
  crashPoint("close:after-commit");
  if (!done) return wait(row, "closed by another process");
  ctx.log.info({ epoch: row.epoch.toString() }, "epoch closed");
  return moved(row, "CLOSED");
}
