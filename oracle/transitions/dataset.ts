import { InvalidDatasetError } from "../../core/dataset/types.ts";
import type { EpochRoot } from "../../core/eip712/epoch-root.ts";
import { cachedDataset, publishDataset } from "../../db/dataset-store.ts";
import { domainOf } from "../../chain/client.ts";
import type { OracleContext } from "../context.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { aggregateEpoch } from "../stages/aggregate.ts";
import { buildEpoch, storedDataset } from "../stages/build.ts";
import { computeEpoch } from "../stages/compute.ts";

/**
 * An epoch's inputs and dataset for the transitions: takes the context and an epoch row, hands
 * on what aggregate reads for it (`aggregateInputs`) and the path of its dataset file
 * (`datasetOf`, rebuilt from the database when neither cached nor published).
 */

/** What aggregate reads for an epoch: the same for its first computation and for a rebuild. */
export function aggregateInputs(ctx: OracleContext, row: EpochRow, chainEpoch: bigint) {
  return {
    epoch: row.epoch,
    chainEpoch,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    domain: domainOf(ctx.config.chainId, ctx.config.distributor),
    coordinator: ctx.config.coordinator,
    heartbeatSlotSeconds: ctx.config.heartbeatSlotSeconds,
  };
}

/**
 * The dataset of a computed epoch: this oracle's cached file, else the copy published in the
 * database (db/dataset-store.ts; an oracle with its own data directory that took over after
 * another computed the epoch). An epoch computed before datasets were published (or whose
 * rows are gone) is rebuilt from the database's inputs — they are closed, so aggregate →
 * compute → build write the same bytes — and published; a rebuild that hashes differently is
 * refused, naming both hashes.
 */
export async function datasetOf(ctx: OracleContext, row: EpochRow, epochRoot: EpochRoot): Promise<string> {
  const cached = await cachedDataset(ctx.db, ctx.config.dataDir, epochRoot.datasetHash);
  if (cached) return cached;
  ctx.log.warn(
    { epoch: row.epoch.toString(), datasetHash: epochRoot.datasetHash, dataDir: ctx.config.dataDir },
    "dataset neither cached here nor published: rebuilding it from the database",
  );
  const chainEpoch = row.chainEpoch ?? epochRoot.epoch;
  const aggregated = await aggregateEpoch(ctx.db, aggregateInputs(ctx, row, chainEpoch));
  const built = await buildEpoch({
    chainEpoch,
    attempt: epochRoot.attempt,
    computed: computeEpoch({ aggregated }),
    dataDir: ctx.config.dataDir,
  });
  if (built.datasetHash !== epochRoot.datasetHash)
    throw new InvalidDatasetError(
      `epoch ${row.epoch}'s dataset rebuilt from the database hashes to ${built.datasetHash}, not the computed ${epochRoot.datasetHash}: its inputs changed after it was computed`,
    );
  await ctx.db.transaction((tx) => publishDataset(tx, built.datasetHash, built.file));
  return storedDataset(ctx.config.dataDir, epochRoot.datasetHash);
}
