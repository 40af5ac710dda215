/**
 * What one step of the chain indexer reports: the indexer (api/indexer/sync.ts) hands it on to
 * its listener, the live event bus (ledger-events.ts) takes it in and publishes what changed.
 * Its own module, so neither side imports the other for it.
 */
import type { IndexedLog } from "../repositories/indexer-chain.ts";

/** `indexed` (a range was stored), `reorg` (rows above `commonBlock` were undone), `idle` (nothing new). */
export type IndexerStep =
  | { type: "indexed"; fromBlock: bigint; toBlock: bigint; logs: IndexedLog[] }
  | { type: "reorg"; commonBlock: bigint; previousCheckpoint: bigint; removedEvents: number }
  | { type: "idle"; checkpoint: bigint | undefined; safeBlock: bigint };
