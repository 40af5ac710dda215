import { publishDataset } from "../../db/dataset-store.ts";
import { moved, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import { crashPoint } from "../crash.ts";
import { timed } from "../metrics.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { bookEpoch } from "../repositories/ledger.ts";
import { replaceResults } from "../repositories/results.ts";
import { aggregateEpoch } from "../stages/aggregate.ts";
import { buildEpoch } from "../stages/build.ts";
import { computeEpoch } from "../stages/compute.ts";
import { aggregateInputs } from "./dataset.ts";

/**
 * CLOSED | VETOED → COMPUTED: takes an epoch row whose predecessor is FINALIZED, runs aggregate →
 * compute → build (the dataset file, content-addressed), and in one transaction publishes the
 * dataset, stores the results, books the attempt's accrual and records the computed root.
 */
export async function compute(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const previous = await epochs.getPreviousEpoch(ctx.db, row.epoch);
  if (previous && previous.status !== "FINALIZED")
    return wait(row, `waiting for epoch ${previous.epoch} (${previous.status}) to be finalized first`);
  const vetoed = row.status === "VETOED";
  const attempt = vetoed ? row.attempt + 1 : 1;
  const chainEpoch = row.chainEpoch ?? (await epochs.maxChainEpoch(ctx.db)) + 1n;
  const started = Date.now();
  const aggregated = await timed(ctx, "aggregate", row.epoch, () =>
    aggregateEpoch(ctx.db, aggregateInputs(ctx, row, chainEpoch)),
  );
  const computed = await timed(ctx, "compute", row.epoch, () => computeEpoch({ aggregated }));
  if (vetoed && row.vetoedRoot === computed.root && !ctx.config.allowVetoedRoot)
    return wait(
      row,
      `recomputed root ${computed.root} equals the vetoed root: add flag overrides, or allow re-proposing it (LEDGER_ALLOW_VETOED_ROOT=1)`,
    );
  // serialize, hash and write the dataset in one streaming pass (content-addressed rename)
  const built = await timed(ctx, "build", row.epoch, () =>
    buildEpoch({ chainEpoch, attempt: BigInt(attempt), computed, dataDir: ctx.config.dataDir }),
  );
  crashPoint("compute:after-dataset-write");
  const persistStarted = performance.now();
  const done = await ctx.db.transaction(async (tx) => {
    const current = await epochs.getEpoch(tx, row.epoch, true);
    if (current?.status !== row.status || current.attempt !== row.attempt) return false;
    // published with the epoch: every API replica and every oracle reads it from the database
    await publishDataset(tx, built.datasetHash, built.file);
    await replaceResults(tx, row.epoch, {
      statements: computed.statements,
      leaves: computed.leaves,
      checkpoints: computed.checkpoints,
      verdicts: computed.verdicts,
      receipts: computed.inputs.receipts,
    });
    await bookEpoch(tx, {
      epoch: row.epoch,
      attempt,
      kind: "accrual",
      lines: computed.statements.map((s) => ({ account: s.account, amountMicroUsd: s.payoutMicroUsd })),
      memo: `epoch ${row.epoch} accrual (chain epoch ${chainEpoch}, attempt ${attempt})`,
    });
    await epochs.recordComputed(tx, {
      epoch: row.epoch,
      chainEpoch,
      attempt,
      budgetMicroUsd: computed.summary.budgetMicroUsd,
      earnedMicroUsd: computed.summary.earnedMicroUsd,
      payoutMicroUsd: computed.summary.payoutMicroUsd,
      unallocatedMicroUsd: computed.summary.unallocatedMicroUsd,
      roundingDustMicroUsd: computed.summary.roundingDustMicroUsd,
      proRata: computed.summary.proRata,
      cumulativeTotal: computed.cumulativeTotal,
      supporters: computed.statements.length,
      receiptsTotal: computed.verdicts.length,
      receiptsCounted: computed.verdicts.filter((v) => v.countedBytes > 0n).length,
      countedBytes: computed.statements.reduce((s, x) => s + x.countedBytes, 0n),
      root: built.root,
      receiptsRoot: built.receiptsRoot,
      datasetHash: built.datasetHash,
      rateCardHash: built.rateCardHash,
      rateCardVersion: computed.inputs.rateCard.version,
    });
    const ok = await epochs.transition(tx, row.epoch, [row.status], "COMPUTED");
    crashPoint("compute:before-commit");
    return ok;
  });
  ctx.onStage?.("persist", performance.now() - persistStarted, row.epoch);
  crashPoint("compute:after-commit");
  if (!done) return wait(row, "computed by another process");
  ctx.log.info(
    {
      epoch: row.epoch.toString(),
      chainEpoch: chainEpoch.toString(),
      attempt,
      root: built.root,
      datasetHash: built.datasetHash,
      supporters: computed.statements.length,
      receipts: computed.verdicts.length,
      payoutMicroUsd: computed.summary.payoutMicroUsd.toString(),
      ms: Date.now() - started,
    },
    "epoch computed",
  );
  return moved(row, "COMPUTED");
}
