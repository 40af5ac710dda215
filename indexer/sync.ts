/**
 * The chain indexer (Ponder's approach, polling): reads the RewardsDistributor's logs in block
 * ranges up to `head − confirmations`, stores them as immutable rows with the range's last
 * block as checkpoint, and detects reorgs by parent hash.
 *
 * The distributor's default admin, when it is a contract answering `getMinDelay()` (OpenZeppelin's
 * TimelockController: contracts/governance/RewardsTimelock.sol), is read in the same ranges: its
 * schedules, executions, cancellations and role changes are governance of the distributor.
 *
 * Invariants relied on:
 * - every row above the checkpoint's block is absent; every log at or below it is stored
 *   (one database transaction per range writes the rows and moves the checkpoint together);
 * - `chain_blocks` holds the hash of every block that carried a stored log and of each range's
 *   last block, down to `checkpoint − finalityDepth`: enough to find the last common block;
 * - aggregates are derived from event rows by queries, so a rewind (delete above the common
 *   block) leaves nothing stale.
 *
 * `step()` reports a discriminated union the caller switches on: `indexed` (a range was
 * stored), `reorg` (rows above `commonBlock` were undone), `idle` (nothing new).
 */
import type { Abi, Address, Log, PublicClient } from "viem";
import {
  BaseError as ViemError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  decodeEventLog,
  numberToHex,
  zeroHash,
} from "viem";
import type { Db, Queryable } from "../db/types.ts";
import {
  deleteCheckpoint,
  getCheckpoint,
  insertLogs,
  insertSeenBlocks,
  pruneSeenBlocks,
  rewindAbove,
  seenBlocksDesc,
  setCheckpoint,
  setContractBalance,
  setTimelockState,
  type Checkpoint,
  type SeenBlock,
} from "./repositories/chain.ts";
import { type IndexedLog } from "../events/indexer-step.ts";
import type { IndexerStep } from "../events/indexer-step.ts";
import type { Hex } from "../core/hex.ts";
import { distributorAbi, ERC20_BALANCE_OF_ABI, timelockAbi } from "../chain/abi.ts";
import { ArtifactMissingError } from "../chain/errors.ts";
import { ChainMovedError, IndexerConfigError, ReorgTooDeepError } from "./errors.ts";

export type { IndexerStep };

export type IndexerLogger = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

export type IndexerOptions = {
  db: Db;
  client: PublicClient;
  /** The RewardsDistributor. */
  address: Address;
  /**
   * The first block read: the distributor's deployment block, or its timelock's when that is earlier
   * (the timelock's own role grants and delay are emitted when it is deployed).
   */
  startBlock: bigint;
  /**
   * The TimelockController whose logs are read with the distributor's. Default: the distributor's
   * `defaultAdmin()` at start-up, if it answers `getMinDelay()`; `null`: none.
   */
  timelock?: Address | null;
  /** Blocks behind the head the indexer stays (default 2). */
  confirmations?: number;
  /** A change at this depth below the checkpoint or deeper stops the indexer (default 64). */
  finalityDepth?: number;
  /** Blocks per `eth_getLogs` (default 1 000). */
  batchSize?: number;
  /** Poll interval of `start()` in ms (default 2 000). */
  pollIntervalMs?: number;
  /**
   * Failed steps are retried after `pollIntervalMs · 2^failures`, at most this long (ms, default
   * 10 000): after an outage of any length the indexer resumes within this of the RPC's return.
   */
  maxBackoffMs?: number;
  /**
   * Runs inside the range's transaction after its rows are stored, e.g. to book payout
   * ledger entries for the claims: they commit (or roll back) with the events.
   */
  onLogsStored?: (tx: Queryable, logs: IndexedLog[]) => Promise<void>;
  /** Runs inside a rewind's transaction, after the event rows above `commonBlock` are deleted. */
  onRewind?: (tx: Queryable, commonBlock: bigint) => Promise<void>;
  logger?: IndexerLogger;
};

export type Indexer = {
  readonly chainId: number;
  /** The timelock whose logs are read with the distributor's (lowercase), if any. */
  readonly timelock: Hex | undefined;
  /** One iteration: detect a reorg, else store the next range, else report idle. */
  step(): Promise<IndexerStep>;
  /** Steps until idle; returns every step taken. */
  syncToHead(): Promise<IndexerStep[]>;
  /** Polls in the background; `listener` sees every non-idle step (after it committed). */
  start(listener?: (step: IndexerStep) => void): void;
  /** Stops polling and waits for the current step. */
  stop(): Promise<void>;
  /** Resolves when the background loop stops; rejects with the fatal error that stopped it. */
  readonly done: Promise<void>;
  checkpoint(): Promise<Checkpoint | undefined>;
};

const NULL_LOGGER: IndexerLogger = { info() {}, warn() {}, error() {} };

/** The subgraph's event id: transaction hash ‖ int32 little-endian log index. */
export function eventId(transactionHash: Hex, logIndex: number): Hex {
  const le = Buffer.alloc(4);
  le.writeInt32LE(logIndex);
  return `${transactionHash.toLowerCase()}${le.toString("hex")}` as Hex;
}

export async function createIndexer(options: IndexerOptions): Promise<Indexer> {
  const { db, client } = options;
  const address = options.address.toLowerCase() as Hex;
  const confirmations = BigInt(options.confirmations ?? 2);
  const finalityDepth = options.finalityDepth ?? 64;
  const batchSize = BigInt(options.batchSize ?? 1_000);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const maxBackoffMs = Math.max(options.maxBackoffMs ?? 10_000, pollIntervalMs);
  const log = options.logger ?? NULL_LOGGER;
  if (finalityDepth < 1 || batchSize < 1n || confirmations < 0n)
    throw new IndexerConfigError("finalityDepth and batchSize must be ≥ 1, confirmations ≥ 0");
  if (options.startBlock < 0n) throw new IndexerConfigError("startBlock must be ≥ 0");
  const abi: Abi = distributorAbi();
  const chainId = await client.getChainId();
  const timelock = await resolveTimelock(client, options.address, abi, options.timelock);
  const tlAbi = timelock ? timelockAbi() : undefined;
  let token: Address | undefined;
  let lagging = false;

  const header = async (blockNumber: bigint): Promise<SeenBlock> => {
    const b = await client.getBlock({ blockNumber });
    if (!b.hash) throw new ChainMovedError(blockNumber);
    return { blockNumber, blockHash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp };
  };

  /** Walks the seen blocks back to the last one the chain still has; rewinds to it. */
  const handleReorg = async (cp: Checkpoint): Promise<IndexerStep> => {
    let common: Checkpoint | undefined;
    for (const seen of await seenBlocksDesc(db, chainId, cp.blockNumber)) {
      const now = await header(seen.blockNumber);
      if (now.blockHash === seen.blockHash) {
        common = { blockNumber: seen.blockNumber, blockHash: seen.blockHash };
        break;
      }
      if (seen.blockNumber <= cp.blockNumber - BigInt(finalityDepth))
        throw new ReorgTooDeepError(seen.blockNumber, cp.blockNumber, finalityDepth);
    }
    const before = options.startBlock - 1n;
    if (!common && cp.blockNumber - before > BigInt(finalityDepth))
      throw new ReorgTooDeepError(before + 1n, cp.blockNumber, finalityDepth);
    const commonBlock = common?.blockNumber ?? before;
    const removedEvents = await db.transaction(async (tx) => {
      const removed = await rewindAbove(tx, chainId, commonBlock);
      if (common) await setCheckpoint(tx, chainId, address, common);
      else await deleteCheckpoint(tx, chainId, address);
      await options.onRewind?.(tx, commonBlock);
      return removed;
    });
    log.warn(
      { chainId, contract: address, commonBlock, previousCheckpoint: cp.blockNumber, removedEvents },
      "chain reorganized: rewound to the last common block",
    );
    return { type: "reorg", commonBlock, previousCheckpoint: cp.blockNumber, removedEvents };
  };

  const step = async (): Promise<IndexerStep> => {
    const cp = await getCheckpoint(db, chainId, address);
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const safeBlock = head - confirmations;
    const from = cp ? cp.blockNumber + 1n : options.startBlock;

    // A node whose head is below our checkpoint is behind us (a lagging replica behind a load
    // balancer, a restarted node catching up), not evidence of a reorg: it cannot show the
    // checkpoint's block, so wait until it has caught up; the parent-hash check then runs.
    if (cp && head < cp.blockNumber) {
      if (!lagging)
        log.warn({ chainId, contract: address, head, checkpoint: cp.blockNumber }, "RPC node is behind; waiting");
      lagging = true;
      return { type: "idle", checkpoint: cp.blockNumber, safeBlock };
    }
    if (lagging) log.info({ chainId, contract: address, head }, "RPC node caught up");
    lagging = false;

    if (from > safeBlock) {
      // Nothing new to read: still check that the checkpoint block is canonical.
      if (cp && (await header(cp.blockNumber)).blockHash !== cp.blockHash) return handleReorg(cp);
      return { type: "idle", checkpoint: cp?.blockNumber, safeBlock };
    }
    const to = from + batchSize - 1n < safeBlock ? from + batchSize - 1n : safeBlock;
    const first = await header(from);
    if (cp && first.parentHash !== cp.blockHash) return handleReorg(cp);

    const rawLogs = (await client.request({
      method: "eth_getLogs",
      params: [
        { address: timelock ? [address, timelock] : address, fromBlock: numberToHex(from), toBlock: numberToHex(to) },
      ],
    })) as unknown as Log<string, string>[];

    // Block headers for the range's end and every block with a log: timestamps, and proof
    // that the logs belong to the canonical chain as we see it now.
    const headers = new Map<bigint, SeenBlock>([[from, first]]);
    const need = new Set<bigint>([to, ...rawLogs.map((l) => BigInt(l.blockNumber!))]);
    for (const n of need) if (!headers.has(n)) headers.set(n, await header(n));

    const logs: IndexedLog[] = rawLogs
      .map((raw) => {
        const blockNumber = BigInt(raw.blockNumber!);
        const h = headers.get(blockNumber)!;
        if (raw.blockHash?.toLowerCase() !== h.blockHash.toLowerCase()) throw new ChainMovedError(blockNumber);
        const logIndex = Number(raw.logIndex);
        const contract = raw.address.toLowerCase() as Hex;
        const decoded = decodeEventLog({
          abi: contract === timelock ? tlAbi! : abi,
          data: raw.data,
          topics: raw.topics,
        });
        return {
          id: eventId(raw.transactionHash as Hex, logIndex),
          contract,
          blockNumber,
          logIndex,
          blockHash: h.blockHash,
          blockTimestamp: h.timestamp,
          transactionHash: (raw.transactionHash as string).toLowerCase() as Hex,
          eventName: decoded.eventName ?? "unknown",
          args: (decoded.args ?? {}) as Record<string, unknown>,
        };
      })
      .sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );

    const end = headers.get(to)!;
    token ??= (await client.readContract({ address, abi, functionName: "TOKEN" })) as Address;
    const balance = await client.readContract({
      address: token,
      abi: ERC20_BALANCE_OF_ABI,
      functionName: "balanceOf",
      args: [address],
      blockNumber: to,
    });
    // The timelock's delay at `to` (undefined while `to` precedes its deployment).
    const minDelay = timelock
      ? ((await client
          .readContract({ address: timelock, abi: tlAbi!, functionName: "getMinDelay", blockNumber: to })
          .catch(noAnswer)) as bigint | undefined)
      : undefined;

    await db.transaction(async (tx) => {
      // Re-check under the transaction: another indexer process may have moved the checkpoint.
      const current = await getCheckpoint(tx, chainId, address);
      if ((current?.blockNumber ?? options.startBlock - 1n) !== from - 1n) return;
      await insertLogs(tx, logs);
      await insertSeenBlocks(
        tx,
        chainId,
        [...headers.values()].filter((b) => b.blockNumber === to || need.has(b.blockNumber)),
      );
      await setCheckpoint(tx, chainId, address, { blockNumber: to, blockHash: end.blockHash });
      await setContractBalance(tx, chainId, address, { blockNumber: to, token: token!.toLowerCase() as Hex, balance });
      if (timelock && minDelay !== undefined)
        await setTimelockState(tx, chainId, address, { blockNumber: to, timelock, minDelaySeconds: minDelay });
      await pruneSeenBlocks(tx, chainId, to - BigInt(finalityDepth));
      if (logs.length > 0) await options.onLogsStored?.(tx, logs);
    });
    if (logs.length > 0)
      log.info({ chainId, contract: address, fromBlock: from, toBlock: to, logs: logs.length }, "indexed");
    for (const l of logs)
      if (l.contract === address && l.eventName === "RoleGranted" && l.args.role === zeroHash)
        if (timelock && String(l.args.account).toLowerCase() !== timelock)
          log.warn(
            { chainId, contract: address, admin: String(l.args.account).toLowerCase(), timelock },
            "the distributor's default admin is not the timelock being indexed: restart the indexer to follow a new timelock",
          );
    return { type: "indexed", fromBlock: from, toBlock: to, logs };
  };

  const syncToHead = async (): Promise<IndexerStep[]> => {
    const steps: IndexerStep[] = [];
    for (;;) {
      const s = await step();
      steps.push(s);
      if (s.type === "idle") return steps;
    }
  };

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {}); // observed by whoever awaits `done`

  const start = (listener?: (s: IndexerStep) => void) => {
    if (running) return;
    running = true;
    let failures = 0;
    const tick = () => {
      if (!running) return;
      current = step().then(
        (s) => {
          if (failures > 0) log.info({ chainId, contract: address, failures }, "chain indexer recovered");
          failures = 0;
          if (s.type !== "idle") listener?.(s);
          if (running) timer = setTimeout(tick, s.type === "idle" ? pollIntervalMs : 0);
        },
        (err: unknown) => {
          if (isFatal(err)) {
            running = false;
            log.error({ err, chainId, contract: address }, "chain indexer stopped");
            rejectDone(err);
            return;
          }
          failures++;
          // One line when an outage starts and one when it ends, not one per attempt.
          if (failures === 1)
            log.warn({ err, chainId, contract: address }, "chain indexer step failed; retrying with backoff");
          if (running) timer = setTimeout(tick, Math.min(pollIntervalMs * 2 ** Math.min(failures, 30), maxBackoffMs));
        },
      );
    };
    tick();
  };

  const stop = async () => {
    running = false;
    if (timer) clearTimeout(timer);
    await current.catch(() => {});
    resolveDone();
  };

  return {
    chainId,
    timelock,
    step,
    syncToHead,
    start,
    stop,
    done,
    checkpoint: () => getCheckpoint(db, chainId, address),
  };
}

/**
 * Fatal: a reorg deeper than finality, a misconfiguration, unbuilt contracts. Everything else (RPC timeouts, rate
 * limits, a dropped database connection, the chain moving mid-read) is retried with backoff.
 */
export function isFatal(err: unknown): boolean {
  return err instanceof ReorgTooDeepError || err instanceof IndexerConfigError || err instanceof ArtifactMissingError;
}

/**
 * The distributor's timelock: `configured` when given, else its `defaultAdmin()` if that is a
 * contract answering `getMinDelay()` (an externally owned admin answers no data: no timelock).
 */
async function resolveTimelock(
  client: PublicClient,
  distributor: Address,
  abi: Abi,
  configured: Address | null | undefined,
): Promise<Hex | undefined> {
  if (configured === null) return undefined;
  if (configured !== undefined) return configured.toLowerCase() as Hex;
  const admin = (await client.readContract({ address: distributor, abi, functionName: "defaultAdmin" })) as Address;
  const minDelay = await client
    .readContract({ address: admin, abi: timelockAbi(), functionName: "getMinDelay" })
    .catch(noAnswer);
  return minDelay === undefined ? undefined : (admin.toLowerCase() as Hex);
}

/** `undefined` when a call found no contract answering it (no code, or a revert); rethrows RPC failures. */
function noAnswer(err: unknown): undefined {
  const contractSaidNo =
    err instanceof ViemError &&
    Boolean(err.walk((e) => e instanceof ContractFunctionZeroDataError || e instanceof ContractFunctionRevertedError));
  if (contractSaidNo) return undefined;
  throw err;
}
