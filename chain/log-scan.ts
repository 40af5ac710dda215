import { mapChainError, nodeErrorOf, rpc } from "./client.ts";

/**
 * Bounded event-log scans, shared by the oracle (a veto's reason, its own proposal) and the
 * auditor's commands (`verify-epoch`, `verify-chain`): real L2 RPCs refuse `eth_getLogs` over
 * large block ranges, so no scan ever asks for more than `chunkBlocks` blocks at once, and a
 * chunk the node refuses as too wide is halved (down to one block) with the smaller size kept
 * for the rest of the scan.
 */

export const DEFAULT_LOG_CHUNK_BLOCKS = 10_000;

/**
 * A node's refusal of a log query's size (a JSON-RPC error object): "block range too large",
 * "query exceeds max block range 10000", "query returned more than 10000 results", "Log
 * response size exceeded", "too many blocks"…
 */
const LOG_RANGE_REFUSED = /range|too many|too large|more than \d+|response size/i;

/** True when `err` is the node refusing a log query because its range or result is too large. */
export function isLogRangeRefusal(err: unknown): boolean {
  const refusal = nodeErrorOf(err);
  return refusal !== undefined && LOG_RANGE_REFUSED.test(`${refusal.shortMessage} ${refusal.details}`);
}

export type BlockRange = { fromBlock: bigint; toBlock: bigint };

export type LogScan = {
  /** The lowest block looked at (the deployment block, or what the caller already knows). */
  floor: bigint;
  /** The highest block looked at (usually the latest). */
  latest: bigint;
  chunkBlocks?: number | undefined;
};

const initialSize = (chunkBlocks: number | undefined) =>
  BigInt(Math.max(1, Math.floor(chunkBlocks ?? DEFAULT_LOG_CHUNK_BLOCKS)));

/**
 * The logs of the newest block range in [`floor`, `latest`] that holds any, scanning backwards
 * in chunks: for an event that is recent (found in the first chunk or so), with `floor` bounding
 * the scan when there is none. A refusal of a one-block range, or any other failure, is thrown
 * as it came (the caller maps it).
 */
export async function newestLogs<T>(scan: LogScan, query: (range: BlockRange) => Promise<T[]>): Promise<T[]> {
  let size = initialSize(scan.chunkBlocks);
  let to = scan.latest;
  while (to >= scan.floor) {
    const from = to - size + 1n > scan.floor ? to - size + 1n : scan.floor;
    let logs: T[];
    try {
      logs = await query({ fromBlock: from, toBlock: to });
    } catch (err) {
      if (to > from && isLogRangeRefusal(err)) {
        size = (to - from + 1n) / 2n;
        continue;
      }
      throw err;
    }
    if (logs.length > 0) return logs;
    to = from - 1n;
  }
  return [];
}

/**
 * Every log in [`floor`, `latest`], oldest first, scanning forwards in chunks (an auditor
 * reading every proposal since the deployment). `onChunk` reports progress after each chunk.
 */
export async function allLogs<T>(
  scan: LogScan,
  query: (range: BlockRange) => Promise<T[]>,
  onChunk?: (scannedTo: bigint) => void,
): Promise<T[]> {
  let size = initialSize(scan.chunkBlocks);
  const out: T[] = [];
  let from = scan.floor;
  while (from <= scan.latest) {
    const to = from + size - 1n < scan.latest ? from + size - 1n : scan.latest;
    try {
      out.push(...(await query({ fromBlock: from, toBlock: to })));
    } catch (err) {
      if (to > from && isLogRangeRefusal(err)) {
        size = (to - from + 1n) / 2n;
        continue;
      }
      throw err;
    }
    onChunk?.(to);
    from = to + 1n;
  }
  return out;
}

export type ScanLogsParameters = {
  publicClient: { getBlockNumber(args?: { cacheTime?: number }): Promise<bigint> };
  /** What the scan is for, in a failure's message (e.g. "getContractEvents RootVetoed"). */
  what: string;
  /** The lowest block scanned (a deployment block). */
  floor: bigint;
  /** The highest block scanned (default: the latest). */
  to?: bigint | undefined;
  chunkBlocks?: number | undefined;
  /** `newest`: the newest range holding any logs (`newestLogs`); `all`: every log, oldest first (`allLogs`). */
  mode: "newest" | "all";
};

/** `newestLogs` / `allLogs` up to the latest block (or `to`), failures mapped as every RPC call (`mapChainError`). */
export async function scanLogs<T>(
  params: ScanLogsParameters,
  query: (range: BlockRange) => Promise<T[]>,
): Promise<T[]> {
  const latest = params.to ?? (await rpc("getBlockNumber", () => params.publicClient.getBlockNumber({ cacheTime: 0 })));
  const scan = { floor: params.floor, latest, chunkBlocks: params.chunkBlocks };
  try {
    return params.mode === "newest" ? await newestLogs(scan, query) : await allLogs(scan, query);
  } catch (err) {
    throw mapChainError(params.what, err);
  }
}
