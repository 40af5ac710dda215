import { isRetryable } from "../core/errors.ts";
import { firstLine } from "../chain/client.ts";

/**
 * The oracle's retry policy for a veto's reason: takes a read of the guardian's reason (per epoch
 * attempt) and hands back the reason, or after MAX_VETO_REASON_ATTEMPTS retryable failures in a
 * row, `unknown (…)`. Its state belongs to one `RetryPolicy` object, held by the oracle's context.
 */

/**
 * Runs in a row, per context and epoch attempt, in which a veto's reason could not be read.
 * After MAX_VETO_REASON_ATTEMPTS the veto (certain: the contract's record says Vetoed) is
 * recorded with the reason unknown, so a reason the RPC never returns cannot hold back the
 * re-proposal; the log scan is bounded and chunked, so a refused range alone never gets here.
 */
export const MAX_VETO_REASON_ATTEMPTS = 5;

export class RetryPolicy {
  /** Failed reads in a row, per `epoch:attempt`. */
  readonly #vetoReasonFailures = new Map<string, number>();

  /** The guardian's reason (`read`), or after MAX_VETO_REASON_ATTEMPTS retryable failures, `unknown (…)`. */
  async vetoReason(
    epoch: bigint,
    attempt: number,
    read: () => Promise<string>,
  ): Promise<{ reason: string; known: boolean }> {
    const failures = this.#vetoReasonFailures;
    const key = `${epoch}:${attempt}`;
    try {
      const reason = await read();
      failures.delete(key);
      return { reason, known: true };
    } catch (err) {
      const n = (failures.get(key) ?? 0) + 1;
      if (!isRetryable(err) || n < MAX_VETO_REASON_ATTEMPTS) {
        failures.set(key, n);
        throw err;
      }
      failures.delete(key);
      return {
        reason: `unknown (the RootVetoed event was not readable in ${n} attempts: ${firstLine(err)})`,
        known: false,
      };
    }
  }
}

/** The context's retry policy, created (and kept in the context) on first use. */
export function retryPolicyOf(ctx: { retries?: RetryPolicy }): RetryPolicy {
  return (ctx.retries ??= new RetryPolicy());
}
