import type pg from "pg";

/**
 * The leadership's SQL: takes the leader's dedicated PostgreSQL session (a `pg` client, not the
 * pool) and an advisory-lock key, and hands back whether the session-level lock is held.
 */

type Session = Pick<pg.ClientBase, "query">;

/** A round trip on the session: the lock lives as long as this connection. */
export async function pingSession(session: Session): Promise<void> {
  await session.query("SELECT 1");
}

/** Takes the session-level advisory lock `key` if free; true when this session holds it. */
export async function tryAdvisoryLock(session: Session, key: string): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int8) AS ok", [key]);
  return rows[0]?.ok === true;
}

/** Releases the session-level advisory lock `key`. */
export async function releaseAdvisoryLock(session: Session, key: string): Promise<void> {
  await session.query("SELECT pg_advisory_unlock($1::int8)", [key]);
}
