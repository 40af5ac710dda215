/**
 * A per-account rate limit in memory: one accepted claim per account every `intervalMs`. Takes an
 * account and the clock, hands on whether it may go now (and when it may next). Per process: each
 * relayer replica keeps its own.
 */
export class AccountRateLimit {
  private readonly last = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  constructor(intervalMs: number, now: () => number = Date.now) {
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** Charges `account` when allowed; otherwise the seconds until it may go again. */
  take(account: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const key = account.toLowerCase();
    const previous = this.last.get(key);
    if (previous !== undefined && t - previous < this.intervalMs)
      return { ok: false, retryAfterSeconds: Math.ceil((previous + this.intervalMs - t) / 1000) };
    this.last.set(key, t);
    if (this.last.size > 100_000) this.prune(t);
    return { ok: true };
  }

  /** Undoes the last `take` for `account` (the claim it was charged for was never sent). */
  release(account: string): void {
    this.last.delete(account.toLowerCase());
  }

  private prune(t: number) {
    for (const [k, v] of this.last) if (t - v >= this.intervalMs) this.last.delete(k);
  }
}
