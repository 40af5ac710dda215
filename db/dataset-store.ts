import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { createKeccak } from "hash-wasm";
import { InvalidDatasetError } from "../core/dataset/types.ts";
import { BaseError } from "../core/errors.ts";
import type { Queryable } from "./types.ts";

/**
 * The dataset store: epoch datasets published content-addressed in the database (tables
 * `epoch_datasets` and `epoch_dataset_chunks`, migration 0028), so every API replica serves
 * every epoch and every oracle can carry an epoch another computed — no process needs another's
 * disk. `<dataDir>/datasets/<hash>.jsonl` (`datasetPath`) is a local cache: `cachedDataset` fills it from the
 * database (streamed chunk by chunk, the hash checked before the file appears) when missing.
 *
 * One writer: the oracle calls `publishDataset` inside the transaction that records an epoch
 * COMPUTED, so a computed epoch's dataset is always published. Chunks are fixed-size
 * (`DATASET_CHUNK_BYTES`, the last one shorter), so byte `i` is in chunk `⌊i / size⌋`: a range
 * request reads only the chunks it needs.
 */

/** Bytes per stored chunk (1 MiB). */
export const DATASET_CHUNK_BYTES = 1 << 20;

const HASH_RE = /^0x[0-9a-f]{64}$/;

/** The directory of the local dataset files: `<dataDir>/datasets`. */
export function datasetsDir(dataDir: string): string {
  return path.join(dataDir, "datasets");
}

/**
 * The local file of a dataset, `<dataDir>/datasets/<hash>.jsonl` (hash lower-cased): where the
 * oracle writes it (oracle/stages/build.ts) and the API's cache (`cachedDataset`) — the one
 * spelling of the path.
 */
export function datasetPath(dataDir: string, hash: string): string {
  return path.join(datasetsDir(dataDir), `${hash.toLowerCase()}.jsonl`);
}

/** The chunk size `readDatasetChunks` reads (4 MiB). */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A stored dataset's bytes in chunks (a fresh buffer each), for core's `parseDatasetChunks`,
 * which hashes them as it parses: the file is never read whole.
 */
export function* readDatasetChunks(file: string, chunkBytes = READ_CHUNK_BYTES): Generator<Uint8Array> {
  if (!existsSync(file)) throw new InvalidDatasetError(`no dataset ${file}`);
  const fd = openSync(file, "r");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

const hashBytes = (hash: string) => Buffer.from(hash.slice(2), "hex");

/** A published dataset's size and chunking, or null when it is not published. */
export type StoredDataset = {
  datasetHash: string;
  byteLength: bigint;
  /** Bytes per chunk (`DATASET_CHUNK_BYTES` when it was published). */
  chunkSize: number;
  chunkCount: number;
};

export async function storedDataset(q: Queryable, hash: string): Promise<StoredDataset | null> {
  const h = hash.toLowerCase();
  if (!HASH_RE.test(h)) return null;
  const { rows } = await q.query<{ byte_length: bigint | string; chunk_bytes: number; chunk_count: number }>(
    "SELECT byte_length, chunk_bytes, chunk_count FROM epoch_datasets WHERE dataset_hash = $1",
    [hashBytes(h)],
  );
  const r = rows[0];
  return r
    ? { datasetHash: h, byteLength: BigInt(r.byte_length), chunkSize: r.chunk_bytes, chunkCount: r.chunk_count }
    : null;
}

/** Chunk `n` of a published dataset. */
export async function readDatasetChunk(q: Queryable, hash: string, n: number): Promise<Uint8Array> {
  const { rows } = await q.query<{ bytes: Uint8Array }>(
    "SELECT bytes FROM epoch_dataset_chunks WHERE dataset_hash = $1 AND chunk_no = $2",
    [hashBytes(hash.toLowerCase()), n],
  );
  if (!rows[0]) throw new Error(`dataset ${hash} has no chunk ${n}`);
  return rows[0].bytes;
}

/**
 * The bytes of a published dataset from byte `start` to `end` (inclusive), chunk by chunk, one
 * query per chunk: never more than one chunk in memory.
 */
export async function* readDatasetRange(
  q: Queryable,
  d: StoredDataset,
  start = 0n,
  end = d.byteLength - 1n,
): AsyncGenerator<Uint8Array> {
  const size = BigInt(d.chunkSize);
  for (let n = start / size; n * size <= end && n < BigInt(d.chunkCount); n++) {
    const chunk = await readDatasetChunk(q, d.datasetHash, Number(n));
    const from = n * size;
    const lo = start > from ? Number(start - from) : 0;
    const hi = Math.min(chunk.length, Number(end - from) + 1);
    yield lo === 0 && hi === chunk.length ? chunk : chunk.subarray(lo, hi);
  }
}

/**
 * Publishes the dataset in `file` (already written and hashed by the oracle) under `hash`:
 * its chunks, then its row. Idempotent (content-addressed): publishing it again changes nothing.
 * Called by the oracle only, inside the transaction that records the epoch COMPUTED.
 */
export async function publishDataset(tx: Queryable, hash: string, file: string): Promise<StoredDataset> {
  const h = hash.toLowerCase();
  const existing = await storedDataset(tx, h);
  if (existing) return existing;
  const fd = openSync(file, "r");
  let byteLength = 0n;
  let chunkCount = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(DATASET_CHUNK_BYTES);
      let n = 0;
      while (n < buf.length) {
        const read = readSync(fd, buf, n, buf.length - n, null);
        if (read === 0) break;
        n += read;
      }
      if (n === 0) break;
      await tx.query(
        "INSERT INTO epoch_dataset_chunks (dataset_hash, chunk_no, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [hashBytes(h), chunkCount, buf.subarray(0, n)],
      );
      byteLength += BigInt(n);
      chunkCount++;
      if (n < buf.length) break;
    }
  } finally {
    closeSync(fd);
  }
  await tx.query(
    `INSERT INTO epoch_datasets (dataset_hash, byte_length, chunk_bytes, chunk_count)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [hashBytes(h), byteLength.toString(), DATASET_CHUNK_BYTES, chunkCount],
  );
  return { datasetHash: h, byteLength, chunkSize: DATASET_CHUNK_BYTES, chunkCount };
}

/** The published bytes did not hash to their name: the database rows are corrupt. */
export class CorruptDatasetError extends BaseError {
  override name = "CorruptDatasetError";
  readonly datasetHash: string;
  readonly actualHash: string;
  constructor(datasetHash: string, actualHash: string) {
    super(`The published dataset ${datasetHash} hashes to ${actualHash}: its stored chunks are corrupt.`);
    this.datasetHash = datasetHash;
    this.actualHash = actualHash;
  }
}

/**
 * The local file of dataset `hash`: the cache when present, else written from the database
 * (to a temporary file, hashed as it is written, renamed only when the hash matches), else
 * null when the dataset is not published. Concurrent callers may both write; the rename is
 * atomic and the bytes are the same.
 */
export async function cachedDataset(q: Queryable, dataDir: string, hash: string): Promise<string | null> {
  if (!HASH_RE.test(hash.toLowerCase())) throw new Error(`not a dataset hash: ${hash}`);
  const file = datasetPath(dataDir, hash);
  if (existsSync(file)) return file;
  const stored = await storedDataset(q, hash);
  if (!stored) return null;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.fetching`;
  const hasher = await createKeccak(256);
  hasher.init();
  const fd = openSync(tmp, "w");
  try {
    for await (const chunk of readDatasetRange(q, stored)) {
      hasher.update(chunk);
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
    }
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  const actual = `0x${hasher.digest("hex")}`;
  if (actual !== stored.datasetHash) {
    rmSync(tmp, { force: true });
    throw new CorruptDatasetError(stored.datasetHash, actual);
  }
  renameSync(tmp, file);
  return file;
}
