/**
 * Where the auditor's dataset comes from: bytes, a file read in chunks, or a download from an
 * API spooled to a temporary file; parsed in chunks while it is hashed.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { parseDatasetChunks } from "../../../core/dataset/parse.ts";
import type { EpochDataset } from "../../../core/dataset/types.ts";
import { readDatasetChunks } from "../../../db/dataset-store.ts";
import { UsageError, progress } from "../cli.ts";

/**
 * A published dataset as the verifier reads it: its bytes (tests, small datasets) or the path of
 * a file read in 4 MiB chunks (oracle/stages/build.ts `readDatasetChunks`) — the CLI's
 * `--dataset FILE`, and every dataset downloaded from an API (spooled to a temporary file).
 */
export type DatasetSource = Uint8Array | string;

/**
 * Parses a dataset in chunks, hashing them as it goes (`parseDatasetChunks`): the bytes are
 * never decoded into one string (V8 caps a string near 512 MiB; a 10⁶-receipt dataset is
 * ~0.8 GB), and a file is never read whole. Returns the dataset and keccak256 of the bytes.
 */
export function parseDatasetSource(
  source: DatasetSource,
  label = "parse dataset",
  /** Sees every chunk before it is parsed (core/verify-lines.ts recovers signatures meanwhile). */
  tap?: (chunk: Uint8Array) => void,
  quiet = false,
): { dataset: EpochDataset; datasetHash: Hex } {
  const parsing = progress(label, quiet);
  const total = typeof source === "string" ? fileSize(source) : source.length;
  const parsed = parseDatasetChunks(
    (function* () {
      let done = 0;
      for (const chunk of typeof source === "string" ? readDatasetChunks(source) : byteChunks(source)) {
        parsing.update(done, total);
        done += chunk.length;
        tap?.(chunk);
        yield chunk;
      }
    })(),
  );
  const { dataset } = parsed;
  parsing.done(`${dataset.inputs.receipts.length} receipts, ${dataset.outputs.leaves.length} leaves`);
  return parsed;
}

/** `parseDatasetSource` of bytes (kept for callers that hold them). */
export const parseDatasetBytes = (bytes: Uint8Array, label?: string) => parseDatasetSource(bytes, label);

function* byteChunks(bytes: Uint8Array): Generator<Uint8Array> {
  const CHUNK = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    yield bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    throw new UsageError(`cannot read the dataset file ${file}`);
  }
}

/**
 * The API could not hand over an epoch's dataset: `status` is the HTTP status it answered (404 when
 * the epoch is unknown or not computed, 503 when computed but not published yet), or undefined when
 * the API could not be reached at all. A usage error for the CLI (exit code 2).
 */
export class DatasetFetchError extends UsageError {
  override name = "DatasetFetchError";
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message, { retryable: status === undefined || status >= 500 });
    this.status = status;
  }
}

/**
 * Downloads the published dataset of chain epoch `epoch` from an API (`GET /v1/epochs/:n/dataset`)
 * into a file in `dir`, streamed (never held whole), with a progress bar; returns its path. The
 * bytes are checked where they are used: parsing hashes them, and that hash must be the one
 * committed on-chain.
 */
export async function fetchDataset(
  api: string,
  epoch: bigint,
  dir: string,
  options: { quiet?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const url = `${api.replace(/\/$/, "")}/v1/epochs/${epoch}/dataset`;
  let res: Response;
  try {
    res = await fetch(url, options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : undefined);
  } catch (err) {
    throw new DatasetFetchError(
      `cannot reach the API at ${api} (${err instanceof Error ? err.message : String(err)})`,
      undefined,
    );
  }
  if (res.status === 404) throw new DatasetFetchError(`the API has no dataset for epoch ${epoch} (${url})`, 404);
  if (!res.ok) throw new DatasetFetchError(`the API answered ${res.status} for ${url}`, res.status);
  const total = Number(res.headers.get("content-length") ?? 0);
  const bar = progress(`download epoch ${epoch}'s dataset`, options.quiet);
  const file = path.join(dir, `epoch-${epoch}.jsonl`);
  const fd = openSync(file, "w");
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      received += chunk.length;
      bar.update(received, total);
    }
  } finally {
    closeSync(fd);
  }
  bar.done(`${received} bytes`);
  return file;
}

/** A temporary directory for downloaded datasets, removed by `dispose`. */
export function downloadDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "ledger-verify-"));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function datasetFile(file: string, option: string): string {
  try {
    if (statSync(file).isFile()) return file;
  } catch {
    // reported below
  }
  throw new UsageError(`cannot read the ${option} file ${file}`);
}
