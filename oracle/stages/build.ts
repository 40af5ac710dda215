import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { createKeccak } from "hash-wasm";
import { serializeDatasetChunks } from "../../core/dataset/serialize.ts";
import { InvalidDatasetError } from "../../core/dataset/types.ts";
import type { EpochRoot } from "../../core/eip712/epoch-root.ts";
import { type Hex, bytesToHex } from "../../core/hex.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { datasetPath, datasetsDir } from "../../db/dataset-store.ts";
import type { ComputedEpoch } from "./compute.ts";

/**
 * Stage 3 — build: the canonical dataset bytes (core's serialization), written content-
 * addressed where the API serves them, and the `EpochRoot` message the signers sign. The
 * trees themselves are built by core in the compute stage.
 *
 * Memory: the dataset (~0.6 GB at a million receipts) is never held whole, neither as one
 * string nor as bytes: core serializes it in chunks of whole lines; each chunk is encoded
 * once, fed to an incremental keccak (the `datasetHash`) and appended to a temporary file,
 * which is renamed to `<datasetHash>.jsonl` at the end. The bytes are exactly core's
 * `serializeDatasetToString` (same format, same hash).
 */

export type BuildEpochParameters = {
  chainEpoch: bigint;
  /** The proposal attempt the signers sign (1, one more after each veto). */
  attempt: bigint;
  computed: ComputedEpoch;
  /** The data directory (`datasets/` inside it). */
  dataDir: string;
};

export type BuiltEpoch = {
  root: Hex;
  receiptsRoot: Hex;
  rateCardHash: Hex;
  datasetHash: Hex;
  /** Where the dataset is stored (under `datasetHash`). */
  file: string;
  /** The dataset's size in bytes. */
  bytes: number;
  /** What the signers sign and `proposeRoot` takes. */
  epochRoot: EpochRoot;
};

export async function buildEpoch(p: BuildEpochParameters): Promise<BuiltEpoch> {
  const { computed } = p;
  const { datasetHash, file, bytes } = await writeDatasetStreaming(p.dataDir, serializeDatasetChunks(computed.dataset));
  return {
    root: computed.root,
    receiptsRoot: computed.receiptsRoot,
    rateCardHash: computed.rateCardHash,
    datasetHash,
    file,
    bytes,
    epochRoot: {
      epoch: p.chainEpoch,
      attempt: p.attempt,
      root: computed.root,
      cumulativeTotal: computed.cumulativeTotal,
      receiptsRoot: computed.receiptsRoot,
      datasetHash,
      rateCardHash: computed.rateCardHash,
    },
  };
}

/** keccak256 of stored bytes. */
export function bytesHash(bytes: Uint8Array): Hex {
  return bytesToHex(keccak256Bytes(bytes));
}

/**
 * Writes a dataset given as text chunks, hashing the bytes as they are written: to a temporary
 * file, then renamed to its hash, so a reader (or a crash) never sees half a file; writing the
 * same dataset again leaves the existing file.
 */
export async function writeDatasetStreaming(
  dataDir: string,
  chunks: Iterable<string>,
): Promise<{ datasetHash: Hex; file: string; bytes: number }> {
  const dir = datasetsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.building.${process.pid}.${Date.now()}.tmp`);
  const hasher = await createKeccak(256);
  hasher.init();
  let bytes = 0;
  const fd = openSync(tmp, "w");
  try {
    for (const chunk of chunks) {
      const b = Buffer.from(chunk, "utf8");
      hasher.update(b);
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off);
      bytes += b.length;
    }
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  const datasetHash: Hex = `0x${hasher.digest("hex")}`;
  const file = datasetPath(dataDir, datasetHash);
  if (existsSync(file)) rmSync(tmp, { force: true });
  else renameSync(tmp, file);
  return { datasetHash, file, bytes };
}

/** Stores a dataset given as bytes under its hash (as `writeDatasetStreaming`). */
export function writeDataset(dataDir: string, hash: Hex, bytes: Uint8Array): string {
  const file = datasetPath(dataDir, hash);
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return file;
}

/** The stored dataset of `hash` (its path; `InvalidDatasetError` when it is missing). */
export function storedDataset(dataDir: string, hash: Hex): string {
  const file = datasetPath(dataDir, hash);
  if (!existsSync(file)) throw new InvalidDatasetError(`no dataset ${hash} in ${path.dirname(file)}`);
  return file;
}
