/**
 * The PostgreSQL advisory-lock keys of the ledger, in one place so no two uses collide: named
 * keys (int8) handed to `pg_advisory_xact_lock` / `pg_try_advisory_lock` by their users.
 */

/** Serializes migration runs across processes (db/migrate.ts, transaction-scoped). */
export const MIGRATION_LOCK_KEY = 7_301_946_118n;

/** Serializes epoch-partition creation across API processes (coordinator/repositories/epochs.ts, transaction-scoped). */
export const PARTITION_LOCK_KEY = 7_301_946_119n;

/** Oracle leadership: held session-level by the leader on a dedicated connection (oracle/leader.ts). */
export const ORACLE_LEADER_LOCK_KEY = 7_301_946_120n;
