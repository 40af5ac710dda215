import { genesisState, stateFromOutputs, type ChainState } from "../core/chain-link.ts";
import { parseDatasetChunks } from "../core/dataset/parse.ts";
import { ZERO_ROOT } from "../core/recompute-epoch.ts";
import { buildTree } from "../core/tree.ts";
import { cachedDataset } from "../db/dataset-store.ts";
import type { Queryable } from "../db/types.ts";
import type { OracleChain } from "./chain.ts";
import { SignerRefusedError } from "./errors.ts";
import { getEpochByChainEpoch } from "./repositories/epochs.ts";
import { readDatasetChunks } from "../db/dataset-store.ts";
import { readEpochRecord } from "./chain-reads.ts";

/**
 * What chain epoch N−1 handed on, for the independent signer of epoch N (core/chain-link.ts): the
 * leaves and stream checkpoints of N−1's published dataset, with its leaves checked against
 * N−1's root *on-chain* (so an operator who edited N−1's figures in the database before N was
 * computed cannot get N signed) and its bytes against the datasetHash N−1 was computed with.
 * Chain epoch 1 carries nothing in. Refuses (`SignerRefusedError`) when N−1 is not on-chain yet
 * or its dataset is not published.
 */
export async function carriedInState(p: {
  db: Queryable;
  chain: OracleChain;
  dataDir: string;
  chainEpoch: bigint;
}): Promise<ChainState> {
  if (p.chainEpoch === 1n) return genesisState();
  const previous = p.chainEpoch - 1n;
  const refuse = (why: string) => new SignerRefusedError(p.chainEpoch, why);
  const row = await getEpochByChainEpoch(p.db, previous);
  if (!row?.datasetHash) throw refuse(`there is no computed chain epoch ${previous} to check what it handed on`);
  const record = await readEpochRecord(p.chain, previous);
  if (record.status === "None" || record.root === ZERO_ROOT)
    throw refuse(`chain epoch ${previous} is not on-chain yet: sign epoch ${p.chainEpoch} after it is proposed`);
  const file = await cachedDataset(p.db, p.dataDir, row.datasetHash);
  if (!file) throw refuse(`chain epoch ${previous}'s dataset ${row.datasetHash} is not published`);
  const { dataset, datasetHash } = parseDatasetChunks(readDatasetChunks(file));
  if (datasetHash !== row.datasetHash)
    throw refuse(`chain epoch ${previous}'s dataset hashes to ${datasetHash}, not ${row.datasetHash}`);
  const { leaves } = dataset.outputs;
  const root = leaves.length > 0 ? buildTree({ entries: leaves }).root : ZERO_ROOT;
  if (root !== record.root)
    throw refuse(
      `chain epoch ${previous}'s published leaves have root ${root}, but its root on-chain is ${record.root}: its figures changed after it was proposed`,
    );
  return stateFromOutputs(previous, dataset.outputs, { datasetHash, root: record.root });
}
