import { moved, epochRootOf, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import { crashPoint } from "../crash.ts";
import { InsufficientFundingError } from "../errors.ts";
import { oracleMetrics, timed } from "../metrics.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { readThreshold } from "../chain-reads.ts";
import { proposeEpochRoot } from "../stages/post.ts";
import { validSignatures } from "./sign.ts";
import { markVetoed } from "./veto.ts";

/**
 * SIGNED → POSTED (or VETOED): takes a signed epoch row and its threshold of valid signatures,
 * proposes the root on-chain (the post stage), and records the proposal; an under-funded
 * distributor leaves it waiting with the alert, a veto found on-chain marks it VETOED.
 */

export async function post(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const threshold = await readThreshold(ctx.chain);
  const valid = await validSignatures(ctx, row, epochRoot);
  if (BigInt(valid.size) < threshold) return wait(row, `only ${valid.size} of ${threshold} valid signatures`);
  const signatures = [...valid.values()].slice(0, Number(threshold));
  let result;
  try {
    const logsFromBlock = await epochs.logSearchFloor(ctx.db, row.epoch, epochRoot.epoch);
    result = await timed(ctx, "post", row.epoch, () =>
      proposeEpochRoot(ctx.chain, {
        epochRoot,
        signatures,
        allowVetoedRoot: ctx.config.allowVetoedRoot,
        logsFromBlock,
      }),
    );
  } catch (err) {
    if (err instanceof InsufficientFundingError) {
      if (await epochs.setAlert(ctx.db, row.epoch, err.shortMessage))
        ctx.log.warn(
          {
            epoch: row.epoch.toString(),
            alert: "insufficient_funding",
            requiredMicroUsd: err.requiredMicroUsd.toString(),
            availableMicroUsd: err.availableMicroUsd.toString(),
          },
          err.shortMessage,
        );
      oracleMetrics.insufficientFunding.add(row.epoch);
      return wait(row, err.shortMessage);
    }
    throw err;
  }
  oracleMetrics.insufficientFunding.delete(row.epoch);
  if (result.kind === "vetoed") return markVetoed(ctx, row, ["SIGNED"]);
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["SIGNED"], "POSTED");
    if (ok)
      await epochs.recordPosted(tx, row.epoch, {
        tx: result.txHash,
        block: result.blockNumber,
        validAt: result.validAt,
      });
    return ok;
  });
  crashPoint("post:after-commit");
  if (!done) return wait(row, "posted by another process");
  ctx.log.info(
    {
      epoch: row.epoch.toString(),
      chainEpoch: epochRoot.epoch.toString(),
      root: epochRoot.root,
      kind: result.kind,
      tx: result.txHash ?? undefined,
    },
    result.kind === "posted" ? "root proposed" : "root already on-chain",
  );
  return moved(row, "POSTED");
}
