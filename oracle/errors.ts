import { BaseError } from "../core/errors.ts";

/**
 * The oracle's errors, split the Ponder way: `retryable` (an RPC timeout, a dropped
 * connection, a chain not funded yet — the same step may succeed later) or fatal (a broken
 * invariant, a misconfiguration — a person must act). The daemon retries the first with
 * backoff and stops loudly on the second.
 */

/** Start-up checks failed (wrong chain, wrong contract, missing role, bad key). One clear line. */
export class OracleConfigError extends BaseError {
  override name = "OracleConfigError";
  constructor(message: string, details?: string) {
    super(message, { details });
  }
}

/** The chain already holds a different root for an epoch we are about to post: never overwrite. */
export class ConflictingRootError extends BaseError {
  override name = "ConflictingRootError";
  readonly chainEpoch: bigint;
  constructor(chainEpoch: bigint, onChain: string, ours: string) {
    super(`Chain epoch ${chainEpoch} already holds root ${onChain}, but this oracle computed ${ours}.`, {
      details: "Another oracle posted a different root. Stop every oracle and reconcile before going on.",
    });
    this.chainEpoch = chainEpoch;
  }
}

/** The distributor holds less than the epoch's cumulative total: wait in SIGNED until funded. */
export class InsufficientFundingError extends BaseError {
  override name = "InsufficientFundingError";
  readonly requiredMicroUsd: bigint;
  readonly availableMicroUsd: bigint;
  constructor(required: bigint, available: bigint) {
    super(`The distributor is under-funded: the root needs ${required} µUSD, ${available} µUSD are funded.`, {
      details: "Fund the RewardsDistributor (fund(amount)); the epoch stays SIGNED and is posted once funded.",
      retryable: true,
    });
    this.requiredMicroUsd = required;
    this.availableMicroUsd = available;
  }
}

/** A signer's recomputation differs from what it was asked to sign. */
export class SignerRefusedError extends BaseError {
  override name = "SignerRefusedError";
  readonly epoch: bigint;
  readonly report: string;
  constructor(epoch: bigint, report: string) {
    super(`Signer refuses epoch ${epoch}: ${report}`);
    this.epoch = epoch;
    this.report = report;
  }
}

/** An epoch is not in a state that allows the requested step. */
export class EpochStateError extends BaseError {
  override name = "EpochStateError";
  constructor(message: string, details?: string) {
    super(message, { details });
  }
}

/** A transaction this oracle sent was mined and reverted (fatal unless the chain shows why it no longer matters). */
export class TransactionRevertedError extends BaseError {
  override name = "TransactionRevertedError";
  readonly txHash: string;
  /** The block it was mined (and reverted) in, when known. */
  readonly blockNumber: bigint | undefined;
  constructor(what: string, txHash: string, o: { blockNumber?: bigint; reason?: string } = {}) {
    super(`${what} transaction ${txHash} reverted${o.reason ? ` (${o.reason})` : ""}.`);
    this.txHash = txHash;
    this.blockNumber = o.blockNumber;
  }
}

/**
 * A discretionary input (budget, rate card, founder status, flag decision) has no policy
 * signature: the epoch waits until one is recorded, and the close says which (issue 16).
 */
export class UnsignedPolicyInputError extends BaseError {
  override name = "UnsignedPolicyInputError";
  readonly input: string;
  constructor(input: string, remedy: string) {
    super(`The ${input} has no policy signature: the epoch waits until a POLICY_ROLE key signs it (${remedy}).`, {
      retryable: true,
    });
    this.input = input;
  }
}

/** A policy input was signed by a key that does not hold the distributor's POLICY_ROLE. */
export class PolicySignerNotAuthorizedError extends BaseError {
  override name = "PolicySignerNotAuthorizedError";
  readonly signer: string;
  readonly input: string;
  constructor(input: string, signer: string) {
    super(
      `The ${input} is signed by ${signer}, which does not hold POLICY_ROLE on the distributor: sign it with a policy key, or grant the role through governance.`,
    );
    this.signer = signer;
    this.input = input;
  }
}
