import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { InvalidDatasetError, serializeDatasetToString } from "../../core/dataset.ts";
import type { EpochRoot, Hex } from "../../core/eip712.ts";
import { bytesToHex } from "../../core/eip712.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import type { ComputedEpoch } from "./compute.ts";

/**
 * Stage 3 — build: the canonical dataset bytes (core's serialization; its keccak is the
 * `datasetHash` core computed) and the `EpochRoot` message the signers sign; `writeDataset`
 * stores the bytes content-addressed where the API serves them. The trees themselves are
 * built by core's `recomputeEpoch` in the compute stage.
 */

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

export function buildEpoch(chainEpoch: bigint, computed: ComputedEpoch): BuiltEpoch {
  const dataset = new TextEncoder().encode(serializeDatasetToString(computed.dataset));
  return {
    root: computed.root,
    receiptsRoot: computed.receiptsRoot,
    rateCardHash: computed.rateCardHash,
    datasetHash: computed.datasetHash,
    dataset,
    epochRoot: {
      epoch: chainEpoch,
      root: computed.root,
      cumulativeTotal: computed.cumulativeTotal,
      receiptsRoot: computed.receiptsRoot,
      datasetHash: computed.datasetHash,
      rateCardHash: computed.rateCardHash,
    },
  };
}

/** keccak256 of stored bytes. */
export function bytesHash(bytes: Uint8Array): Hex {
  return bytesToHex(keccak256Bytes(bytes));
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
  const actual = bytesHash(bytes);
  if (actual !== hash.toLowerCase()) throw new InvalidDatasetError(`${file} hashes to ${actual}, not ${hash}`);
  return bytes;
}
