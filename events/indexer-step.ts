/**
 * What one step of the chain indexer reports: the indexer (indexer/sync.ts) hands it on to
 * its listener, the live event bus (ledger-events.ts) takes it in and publishes what changed.
 * Its own module, so neither side imports the other for it.
 */
import type { Hex } from "../core/hex.ts";

/** One decoded distributor log, as the indexer stores it. Integers are bigint. */
export type IndexedLog = {
  /** Transaction hash ‖ int32 little-endian log index (the subgraph's event id). */
  id: Hex;
  /** The emitting contract, lowercase: the distributor or its timelock. */
  contract: Hex;
  blockNumber: bigint;
  logIndex: number;
  blockHash: Hex;
  blockTimestamp: bigint;
  transactionHash: Hex;
  eventName: string;
  args: Record<string, unknown>;
};

/** `indexed` (a range was stored), `reorg` (rows above `commonBlock` were undone), `idle` (nothing new). */
export type IndexerStep =
  | { type: "indexed"; fromBlock: bigint; toBlock: bigint; logs: IndexedLog[] }
  | { type: "reorg"; commonBlock: bigint; previousCheckpoint: bigint; removedEvents: number }
  | { type: "idle"; checkpoint: bigint | undefined; safeBlock: bigint };
