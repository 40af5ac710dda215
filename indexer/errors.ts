import { BaseError } from "../core/errors.ts";

/** The indexer cannot start: a missing artifact or an invalid option. Fatal. */
export class IndexerConfigError extends BaseError {
  override name = "IndexerConfigError";
  constructor(reason: string, cause?: unknown) {
    super(`Chain indexer misconfigured: ${reason}.`, { cause });
  }
}

/**
 * A block the indexer had already treated as final changed: the chain reorganized deeper than
 * `finalityDepth`. Fatal: the indexer stops and an operator must look (the rows it wrote from
 * that block on may describe a chain that no longer exists).
 */
export class ReorgTooDeepError extends BaseError {
  override name = "ReorgTooDeepError";
  readonly blockNumber: bigint;
  readonly checkpoint: bigint;
  readonly finalityDepth: number;
  constructor(blockNumber: bigint, checkpoint: bigint, finalityDepth: number) {
    super(
      `Reorg deeper than finality: block ${blockNumber} changed while the checkpoint is at ${checkpoint} (finality depth ${finalityDepth}).`,
      { details: "The indexer stopped. Check the RPC endpoint and the chain; re-index from a known-good block." },
    );
    this.blockNumber = blockNumber;
    this.checkpoint = checkpoint;
    this.finalityDepth = finalityDepth;
  }
}

/** The chain moved while a range was read (a log's block hash is no longer canonical). Retryable. */
export class ChainMovedError extends BaseError {
  override name = "ChainMovedError";
  constructor(blockNumber: bigint) {
    super(`Block ${blockNumber} changed while its logs were being read.`, { retryable: true });
  }
}
