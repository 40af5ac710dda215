import { epochRootOf, moved, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import { crashPoint } from "../crash.ts";
import { timed } from "../metrics.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { finalizeEpochRoot } from "../stages/post.ts";
import { markVetoed } from "./veto.ts";

/**
 * POSTED → FINALIZED (or VETOED): takes a posted epoch row; after the dispute window finalizes
 * its root on-chain and records it FINALIZED; a veto found on-chain marks it VETOED.
 */

export async function finalize(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const result = await timed(ctx, "finalize", row.epoch, () =>
    finalizeEpochRoot(ctx.chain, epochRoot.epoch, epochRoot.root),
  );
  if (result.kind === "waiting")
    return wait(row, `dispute window open until ${result.validAt} (chain time ${result.now})`);
  if (result.kind === "vetoed") return markVetoed(ctx, row, ["POSTED"]);
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["POSTED"], "FINALIZED");
    if (ok) await epochs.recordFinalized(tx, row.epoch, result.txHash);
    return ok;
  });
  crashPoint("finalize:after-commit");
  if (!done) return wait(row, "finalized by another process");
  ctx.log.info({ epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString() }, "epoch finalized");
  return moved(row, "FINALIZED");
}
