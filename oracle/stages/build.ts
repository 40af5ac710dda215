import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { EpochRoot, Hex } from "../../core/eip712.ts";
import { rateCardHash } from "../../core/ratecard.ts";
import { buildReceiptsTree } from "../../core/receipts-tree.ts";
import { buildTree } from "../../core/tree.ts";
import { datasetHash, encodeDataset, InvalidDatasetError } from "../dataset.ts";
import type { EpochInputs } from "../types.ts";
import type { ComputedEpoch } from "./compute.ts";

/**
 * Stage 3 — build: the payout tree (core's StandardMerkleTree-identical builder), the receipts
 * tree, the canonical dataset and its hash, and the `EpochRoot` message the signers sign.
 * Pure apart from `writeDataset`, which stores the dataset content-addressed.
 *
 * An epoch without leaves (nothing ever earned) or without counted receipts commits to the
 * zero hash for that tree.
 */

export const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

export type BuiltEpoch = {
  root: Hex;
  receiptsRoot: Hex;
  rateCardHash: Hex;
  datasetHash: Hex;
  /** The dataset's bytes (stored under `datasetHash`). */
  dataset: Uint8Array;
  /** What the signers sign and `proposeRoot` takes. */
  epochRoot: EpochRoot;
};

export function buildEpoch(inputs: EpochInputs, computed: ComputedEpoch): BuiltEpoch {
  const root = computed.leaves.length > 0 ? buildTree({ entries: computed.leaves }).root : ZERO_HASH;
  const counted = computed.verdicts
    .filter((v) => v.countedBytes > 0n && v.id !== null)
    .map((v) => ({ receiptId: v.id!, countedBytes: v.countedBytes }));
  const receiptsRoot = counted.length > 0 ? buildReceiptsTree({ receipts: counted }).root : ZERO_HASH;
  const cardHash = rateCardHash(inputs.rateCard);
  const dataset = encodeDataset(inputs, {
    verdicts: computed.verdicts,
    statements: computed.statements,
    leaves: computed.leaves,
    result: {
      root,
      receiptsRoot,
      rateCardHash: cardHash,
      cumulativeTotal: computed.cumulativeTotal,
      payoutMicroUsd: computed.summary.payoutMicroUsd,
    },
  });
  const hash = datasetHash(dataset);
  return {
    root,
    receiptsRoot,
    rateCardHash: cardHash,
    datasetHash: hash,
    dataset,
    epochRoot: {
      epoch: inputs.chainEpoch,
      root,
      cumulativeTotal: computed.cumulativeTotal,
      receiptsRoot,
      datasetHash: hash,
      rateCardHash: cardHash,
    },
  };
}

/** `<dataDir>/datasets/<datasetHash>.jsonl`: where the API serves it from. */
export function datasetPath(dataDir: string, hash: Hex): string {
  return path.join(dataDir, "datasets", `${hash.toLowerCase()}.jsonl`);
}

/**
 * Stores a dataset under its hash: written to a temporary file and renamed, so a reader (or
 * a crash) never sees half a file; writing the same dataset again is a no-op.
 */
export function writeDataset(dataDir: string, hash: Hex, bytes: Uint8Array): string {
  const file = datasetPath(dataDir, hash);
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}

/** Reads a stored dataset and checks its bytes still hash to `hash`. */
export function readDataset(dataDir: string, hash: Hex): Uint8Array {
  const file = datasetPath(dataDir, hash);
  if (!existsSync(file)) throw new InvalidDatasetError(`no dataset ${hash} in ${path.dirname(file)}`);
  const bytes = new Uint8Array(readFileSync(file));
  const actual = datasetHash(bytes);
  if (actual !== hash.toLowerCase()) throw new InvalidDatasetError(`${file} hashes to ${actual}, not ${hash}`);
  return bytes;
}
