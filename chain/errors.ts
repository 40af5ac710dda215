import { BaseError } from "../core/errors.ts";

/**
 * The chain boundary's errors, shared by the oracle and the indexer: `retryable` when the same
 * call may pass later (an RPC timeout, a dropped connection), fatal when a person must act.
 */

/** A contract's compiled artifact is missing: the contracts were not built. Fatal. */
export class ArtifactMissingError extends BaseError {
  override name = "ArtifactMissingError";
  readonly contract: string;
  constructor(contract: string, artifactPath: string, cause?: unknown) {
    super(`No ${contract} artifact at ${artifactPath}: run \`npm run build\`.`, { cause });
    this.contract = contract;
  }
}

/** A chain call failed in a way that may pass (timeout, rate limit, dropped connection). */
export class RpcError extends BaseError {
  override name = "RpcError";
  constructor(what: string, cause: unknown) {
    super(`RPC ${what} failed: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`, {
      cause,
      retryable: true,
    });
  }
}
