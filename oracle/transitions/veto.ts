import { readVetoReason } from "../chain-reads.ts";
import { epochRootOf, moved, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { accrualLines, bookEpoch } from "../repositories/ledger.ts";
import { retryPolicyOf } from "../retry-policy.ts";
import type { EpochStatus } from "../../core/epoch-lifecycle.ts";

/**
 * → VETOED: takes an epoch row whose root the chain says was vetoed (from SIGNED or POSTED),
 * reads the guardian's reason (through the context's retry policy), and in one transaction
 * records the veto and reverses the attempt's accrual.
 */

/** Records a veto seen on-chain and reverses the attempt's accrual, in one transaction. */
export async function markVetoed(ctx: OracleContext, row: EpochRow, from: EpochStatus[]): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const { reason, known } = await retryPolicyOf(ctx).vetoReason(row.epoch, row.attempt, async () => {
    const floor = await epochs.logSearchFloor(ctx.db, row.epoch, epochRoot.epoch);
    return readVetoReason(ctx.chain, epochRoot.epoch, floor);
  });
  const alert = known ? null : `Chain epoch ${epochRoot.epoch} was vetoed; its reason is ${reason}.`;
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, from, "VETOED");
    if (!ok) return false;
    await epochs.recordVetoed(tx, row.epoch, epochRoot.root, reason);
    if (alert) await epochs.setAlert(tx, row.epoch, alert);
    await bookEpoch(tx, {
      epoch: row.epoch,
      attempt: row.attempt,
      kind: "reversal",
      lines: await accrualLines(tx, row.epoch, row.attempt),
      memo: `epoch ${row.epoch} attempt ${row.attempt} vetoed: ${reason}`,
    });
    return true;
  });
  if (!done) return wait(row, "vetoed by another process");
  if (alert)
    ctx.log.error(
      { epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString(), alert: "veto_reason_unknown" },
      alert,
    );
  ctx.log.warn(
    { epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString(), root: epochRoot.root, reason },
    "root vetoed",
  );
  return moved(row, "VETOED");
}
