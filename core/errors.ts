/**
 * The one error base of the project (after viem's `BaseError`): a short message a person can
 * act on, optional details, the cause, and whether retrying the same operation may succeed.
 *
 * Subclasses are small: they set `name`, build the message from their arguments and keep
 * those arguments as typed fields.
 */
export type BaseErrorOptions = {
  /** More context: what to do about it, which input was wrong. */
  details?: string | undefined;
  /** The lower-level error this one wraps. */
  cause?: unknown;
  /**
   * `true` when the same operation may succeed later unchanged (a timeout, a dropped
   * connection, an RPC rate limit); `false` (default) when it never will (bad input, a
   * broken invariant).
   */
  retryable?: boolean | undefined;
};

export class BaseError extends Error {
  override name = "BaseError";
  /** The message without details or cause. */
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly retryable: boolean;

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    const message = options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  /** Follows `cause` links and returns the first error `fn` accepts, if any. */
  walk(fn: (err: unknown) => boolean): unknown {
    const seen = new Set<unknown>();
    for (let err: unknown = walkStart(this); err !== undefined && err !== null && !seen.has(err);) {
      if (fn(err)) return err;
      seen.add(err);
      err = (err as { cause?: unknown }).cause;
    }
    return undefined;
  }
}

/** Whether an error, anywhere in its cause chain, says retrying may succeed. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof BaseError) return err.walk((e) => e instanceof BaseError && e.retryable) !== undefined;
  return false;
}

/** The first link of a cause chain (a function, so no local aliases `this`). */
function walkStart(err: BaseError): unknown {
  return err;
}
