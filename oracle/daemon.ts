import { isChainUnavailable } from "../core/chain-unavailable.ts";
import { isRetryable } from "../core/errors.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import type { OracleContext } from "./context.ts";
import type { Leadership } from "./leader.ts";
import { runOnce } from "./run-epoch.ts";

/**
 * The oracle daemon: takes a context and a leadership (oracle/leader.ts) and, while this process
 * leads, hands every poll to `runOnce` (oracle/run-epoch.ts), backing off on retryable errors
 * and stopping on a fatal one.
 */

export type DaemonOptions = { leadership: Leadership; pollMs: number; signal: AbortSignal };

/** Retries of a general retryable error back off up to this, ms. */
const MAX_BACKOFF_MS = 60_000;
/** While a dependency (database, chain RPC) is down, it is retried at least this often, ms: the oracle resumes soon after it is back. */
const MAX_OUTAGE_BACKOFF_MS = 5_000;

/**
 * The daemon: while leader, `runOnce` every `pollMs`; retryable errors back off exponentially
 * (up to 60 s; up to 5 s while the database or the chain is unreachable); a fatal error stops
 * the loop and is rethrown.
 *
 * An outage of a dependency is logged once when it starts (warn) and once when it ends (info);
 * every attempt in between only at debug level.
 */
export async function runDaemon(ctx: OracleContext, options: DaemonOptions): Promise<void> {
  let backoffMs = options.pollMs;
  let wasLeader = false;
  /** The dependency that is down, as of the last attempt. */
  let down: "database" | "chain" | undefined;
  while (!options.signal.aborted) {
    const leader = await options.leadership.tryAcquire();
    if (leader !== wasLeader)
      ctx.log.info({ leader }, leader ? "leadership acquired" : "following (another oracle leads)");
    wasLeader = leader;
    let delay = options.pollMs;
    if (leader) {
      try {
        const steps = await runOnce(ctx);
        for (const s of steps)
          if (!s.moved && s.waiting !== "done")
            ctx.log.debug({ epoch: s.epoch.toString(), waiting: s.waiting }, "waiting");
        backoffMs = options.pollMs;
        if (down) ctx.log.info({ dependency: down }, `${down} reachable again; resuming`);
        down = undefined;
      } catch (err) {
        const now = isDatabaseUnavailable(err) ? "database" : isChainUnavailable(err) ? "chain" : undefined;
        if (!now && !isRetryable(err)) {
          ctx.log.fatal({ err }, "fatal oracle error; stopping");
          // A process that cannot lead never holds the lock: a standby takes over at once.
          await options.leadership.release().catch(() => {});
          throw err;
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        delay = now ? Math.min(backoffMs, MAX_OUTAGE_BACKOFF_MS) : backoffMs;
        if (!now) ctx.log.warn({ err, retryInMs: delay }, "retryable oracle error");
        else if (now !== down)
          ctx.log.warn(
            { err, dependency: now, retryInMs: delay },
            `${now} unreachable; retrying with backoff up to ${MAX_OUTAGE_BACKOFF_MS / 1000} s`,
          );
        else ctx.log.debug({ err, dependency: now, retryInMs: delay }, "retryable oracle error");
        if (down && now && now !== down) ctx.log.info({ dependency: down }, `${down} reachable again; resuming`);
        down = now;
      }
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      options.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
