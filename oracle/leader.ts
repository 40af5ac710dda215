import pg from "pg";
import { pingSession, releaseAdvisoryLock, tryAdvisoryLock } from "./repositories/leader.ts";
import { ORACLE_LEADER_LOCK_KEY } from "../db/locks.ts";

/**
 * Leadership: several oracle processes may run; exactly one acts at a time. On PostgreSQL the
 * leader holds a session-level advisory lock on a dedicated connection: if the process dies
 * or its connection drops, PostgreSQL releases the lock and the next follower's
 * `tryAcquire()` takes over (automatic takeover). PGlite is single-process: always leader.
 */

export type Leadership = {
  readonly kind: "advisory-lock" | "single-process";
  isLeader(): boolean;
  /** Takes the lock if free (no-op when already leader); also re-checks a held lock's connection. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
};

export function createLeadership(options: { databaseUrl?: string | undefined; key?: bigint }): Leadership {
  const url = options.databaseUrl;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    return { kind: "single-process", isLeader: () => true, tryAcquire: async () => true, release: async () => {} };
  }
  const key = (options.key ?? ORACLE_LEADER_LOCK_KEY).toString();
  let client: pg.Client | undefined;
  let leader = false;
  const drop = () => {
    leader = false;
    const c = client;
    client = undefined;
    c?.end().catch(() => {});
  };
  return {
    kind: "advisory-lock",
    isLeader: () => leader,
    async tryAcquire() {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: url, application_name: "ledger-oracle-leader" });
          c.on("error", drop);
          c.on("end", () => {
            if (client === c) {
              leader = false;
              client = undefined;
            }
          });
          await c.connect();
          client = c;
        }
        if (leader) {
          await pingSession(client); // the lock lives as long as this connection
          return true;
        }
        leader = await tryAdvisoryLock(client, key);
        return leader;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      const c = client;
      if (!c) return;
      try {
        if (leader) await releaseAdvisoryLock(c, key);
      } finally {
        leader = false;
        client = undefined;
        await c.end().catch(() => {});
      }
    },
  };
}
