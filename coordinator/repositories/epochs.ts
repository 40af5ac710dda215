import type { Db, Queryable } from "../../db/types.ts";
import { epochBounds, type EpochClock } from "../../core/epoch-clock.ts";
import type { EpochStatus } from "../../core/epoch-lifecycle.ts";
import { PARTITION_LOCK_KEY } from "../../db/locks.ts";

const ensured = new WeakMap<Db, Set<number>>();

/**
 * Makes sure each epoch has its `epochs` row (status OPEN when new) and its `receipts`
 * partition. Cheap after the first call per epoch and process; safe when several processes
 * race (advisory lock + IF NOT EXISTS).
 */
export async function ensureEpochs(db: Db, clock: EpochClock, epochs: Iterable<number>): Promise<void> {
  let known = ensured.get(db);
  if (!known) ensured.set(db, (known = new Set()));
  const missing = [...new Set(epochs)].filter((e) => !known.has(e));
  if (missing.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK_KEY.toString()]);
    for (const epoch of missing) {
      if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`invalid epoch ${epoch}`);
      const { startsAt, endsAt } = epochBounds(clock, epoch);
      await tx.query(
        "INSERT INTO epochs (number, status, starts_at, ends_at) VALUES ($1, 'OPEN', $2, $3) ON CONFLICT (number) DO NOTHING",
        [epoch, startsAt, endsAt],
      );
      // `epoch` is a validated non-negative integer: safe to interpolate into DDL.
      await tx.exec(`CREATE TABLE IF NOT EXISTS receipts_e${epoch} PARTITION OF receipts FOR VALUES IN (${epoch})`);
    }
  });
  for (const e of missing) known.add(e);
}

/** Status per epoch; epochs without a row are absent from the map (and count as open). */
export async function epochStatuses(q: Queryable, epochs: number[]): Promise<Map<number, EpochStatus>> {
  if (epochs.length === 0) return new Map();
  const { rows } = await q.query<{ number: bigint; status: EpochStatus }>(
    "SELECT number, status FROM epochs WHERE number = ANY($1::int8[])",
    [epochs],
  );
  return new Map(rows.map((r) => [Number(r.number), r.status]));
}

/**
 * Share-locks the epochs' rows for the rest of the transaction and returns their status: an
 * oracle closing one of them waits until this transaction commits, so nothing is stored
 * into an epoch after it closed.
 */
export async function lockEpochs(q: Queryable, epochs: number[]): Promise<Map<number, EpochStatus>> {
  const { rows } = await q.query<{ number: bigint; status: EpochStatus }>(
    "SELECT number, status FROM epochs WHERE number = ANY($1::int8[]) ORDER BY number FOR SHARE",
    [epochs],
  );
  return new Map(rows.map((r) => [Number(r.number), r.status]));
}

// --- admin close (checked here, carried out by the oracle's close: ./epoch-close-requests.ts) ------

export type EpochWindowRow = { epoch: bigint; status: EpochStatus; startsAt: Date; endsAt: Date };

/** Locks an epoch's row for the rest of the transaction (waits for ingest's share locks). */
export async function lockEpochForClose(q: Queryable, epoch: bigint): Promise<EpochWindowRow | undefined> {
  const { rows } = await q.query<{ number: bigint; status: EpochStatus; starts_at: Date; ends_at: Date }>(
    "SELECT number, status, starts_at, ends_at FROM epochs WHERE number = $1 FOR UPDATE",
    [epoch.toString()],
  );
  const r = rows[0];
  return r ? { epoch: r.number, status: r.status, startsAt: r.starts_at, endsAt: r.ends_at } : undefined;
}
