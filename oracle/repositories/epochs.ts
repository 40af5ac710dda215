import { type Hex, bytesToHex as hex, hexToBuffer as buf } from "../../core/hex.ts";
import type { Queryable } from "../../db/types.ts";
import { epochHeadOf, type EpochHeadColumns } from "../../db/rows/epochs.ts";
import type { EpochStatus } from "../../core/epoch-lifecycle.ts";

/**
 * The epoch state machine's rows: `epochs.status` (shared with the coordinator, which
 * creates OPEN rows and refuses data for anything else) and `epoch_state` (the oracle's
 * details). Every transition is a guarded UPDATE (`WHERE status = <from>`): run twice, the
 * second does nothing and reports it.
 */

export type EpochRow = {
  epoch: bigint;
  status: EpochStatus;
  startsAt: Date;
  endsAt: Date;
  chainEpoch: bigint | null;
  attempt: number;
  root: Hex | null;
  receiptsRoot: Hex | null;
  datasetHash: Hex | null;
  rateCardHash: Hex | null;
  cumulativeTotal: bigint | null;
  payoutMicroUsd: bigint | null;
  budgetMicroUsd: bigint | null;
  proposeTx: Hex | null;
  validAt: bigint | null;
  finalizeTx: Hex | null;
  vetoedRoot: Hex | null;
  vetoReason: string | null;
  alert: string | null;
  supporters: number | null;
};

type Raw = EpochHeadColumns<EpochStatus> & {
  root: Uint8Array | null;
  receipts_root: Uint8Array | null;
  dataset_hash: Uint8Array | null;
  rate_card_hash: Uint8Array | null;
  cumulative_total: bigint | null;
  payout_micro_usd: bigint | null;
  budget_micro_usd: bigint | null;
  propose_tx: Uint8Array | null;
  valid_at: bigint | null;
  finalize_tx: Uint8Array | null;
  vetoed_root: Uint8Array | null;
  veto_reason: string | null;
  alert: string | null;
  supporters: number | null;
};

const SELECT = `SELECT e.number, e.status, e.starts_at, e.ends_at, s.chain_epoch, s.attempt, s.root, s.receipts_root,
       s.dataset_hash, s.rate_card_hash, s.cumulative_total, s.payout_micro_usd, s.budget_micro_usd, s.propose_tx,
       s.valid_at, s.finalize_tx, s.vetoed_root, s.veto_reason, s.alert, s.supporters
  FROM epochs e LEFT JOIN epoch_state s ON s.epoch = e.number`;

const orNull = (b: Uint8Array | null): Hex | null => (b ? hex(b) : null);

function toRow(r: Raw): EpochRow {
  return {
    ...epochHeadOf(r),
    root: orNull(r.root),
    receiptsRoot: orNull(r.receipts_root),
    datasetHash: orNull(r.dataset_hash),
    rateCardHash: orNull(r.rate_card_hash),
    cumulativeTotal: r.cumulative_total,
    payoutMicroUsd: r.payout_micro_usd,
    budgetMicroUsd: r.budget_micro_usd,
    proposeTx: orNull(r.propose_tx),
    validAt: r.valid_at,
    finalizeTx: orNull(r.finalize_tx),
    vetoedRoot: orNull(r.vetoed_root),
    vetoReason: r.veto_reason,
    alert: r.alert,
    supporters: r.supporters,
  };
}

export async function getEpoch(q: Queryable, epoch: bigint, lock = false): Promise<EpochRow | undefined> {
  const { rows } = await q.query<Raw>(`${SELECT} WHERE e.number = $1${lock ? " FOR UPDATE OF e" : ""}`, [
    epoch.toString(),
  ]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** Every epoch not yet FINALIZED, oldest first (the work list), plus nothing else. */
export async function listUnfinished(q: Queryable): Promise<EpochRow[]> {
  const { rows } = await q.query<Raw>(`${SELECT} WHERE e.status <> 'FINALIZED' ORDER BY e.number`);
  return rows.map(toRow);
}

export async function listEpochs(q: Queryable, limit = 50): Promise<EpochRow[]> {
  const { rows } = await q.query<Raw>(`${SELECT} ORDER BY e.number DESC LIMIT $1`, [limit]);
  return rows.map(toRow);
}

/** The epoch before `epoch` (by number), if any. */
export async function getPreviousEpoch(q: Queryable, epoch: bigint): Promise<EpochRow | undefined> {
  const { rows } = await q.query<Raw>(`${SELECT} WHERE e.number < $1 ORDER BY e.number DESC LIMIT 1`, [
    epoch.toString(),
  ]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** The coordinator epoch that chain epoch `chainEpoch` was assigned to, if any. */
export async function getEpochByChainEpoch(q: Queryable, chainEpoch: bigint): Promise<EpochRow | undefined> {
  const { rows } = await q.query<Raw>(`${SELECT} WHERE s.chain_epoch = $1 ORDER BY e.number DESC LIMIT 1`, [
    chainEpoch.toString(),
  ]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** The highest chain epoch assigned so far (0 when none). */
export async function maxChainEpoch(q: Queryable): Promise<bigint> {
  const { rows } = await q.query<{ m: bigint | null }>("SELECT max(chain_epoch) AS m FROM epoch_state");
  return rows[0]?.m ?? 0n;
}

/** Moves `from` → `to` if the epoch is still in `from`; returns whether it moved. */
export async function transition(q: Queryable, epoch: bigint, from: EpochStatus[], to: EpochStatus): Promise<boolean> {
  const res = await q.query("UPDATE epochs SET status = $2 WHERE number = $1 AND status = ANY($3::text[])", [
    epoch.toString(),
    to,
    from,
  ]);
  return res.rowCount === 1;
}

/**
 * The close: OPEN → CLOSED and the close time in `epoch_state`, as the database's
 * `close_epoch()` (db/migrations/0030_epoch_close_requests.sql), the one definition of these
 * writes — an admin's early close request (`epoch_close_requests`) is carried out by it too.
 * Returns whether the epoch moved (false: it was no longer OPEN).
 */
export async function closeEpoch(q: Queryable, epoch: bigint): Promise<boolean> {
  const { rows } = await q.query<{ moved: boolean }>("SELECT close_epoch($1) AS moved", [epoch.toString()]);
  return rows[0]?.moved === true;
}

export type ComputedRecord = {
  epoch: bigint;
  chainEpoch: bigint;
  attempt: number;
  budgetMicroUsd: bigint;
  earnedMicroUsd: bigint;
  payoutMicroUsd: bigint;
  unallocatedMicroUsd: bigint;
  roundingDustMicroUsd: string;
  proRata: { numerator: bigint; denominator: bigint } | null;
  cumulativeTotal: bigint;
  supporters: number;
  receiptsTotal: number;
  receiptsCounted: number;
  countedBytes: bigint;
  root: Hex;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
  rateCardVersion: bigint;
};

export async function recordComputed(q: Queryable, c: ComputedRecord): Promise<void> {
  await q.query(`INSERT INTO epoch_state (epoch) VALUES ($1) ON CONFLICT (epoch) DO NOTHING`, [c.epoch.toString()]);
  await q.query(
    `UPDATE epoch_state SET chain_epoch = $2, attempt = $3, computed_at = now(), budget_micro_usd = $4,
            earned_micro_usd = $5, payout_micro_usd = $6, unallocated_micro_usd = $7, rounding_dust_micro_usd = $8,
            pro_rata_numerator = $9, pro_rata_denominator = $10, cumulative_total = $11, supporters = $12,
            receipts_total = $13, receipts_counted = $14, counted_bytes = $15, root = $16, receipts_root = $17,
            dataset_hash = $18, rate_card_hash = $19, rate_card_version = $20,
            signed_at = NULL, posted_at = NULL, propose_tx = NULL, propose_block = NULL, valid_at = NULL,
            alert = NULL, alert_at = NULL, updated_at = now()
      WHERE epoch = $1`,
    [
      c.epoch.toString(),
      c.chainEpoch.toString(),
      c.attempt,
      c.budgetMicroUsd.toString(),
      c.earnedMicroUsd.toString(),
      c.payoutMicroUsd.toString(),
      c.unallocatedMicroUsd.toString(),
      c.roundingDustMicroUsd,
      c.proRata?.numerator.toString() ?? null,
      c.proRata?.denominator.toString() ?? null,
      c.cumulativeTotal.toString(),
      c.supporters,
      c.receiptsTotal,
      c.receiptsCounted,
      c.countedBytes.toString(),
      buf(c.root),
      buf(c.receiptsRoot),
      buf(c.datasetHash),
      buf(c.rateCardHash),
      c.rateCardVersion.toString(),
    ],
  );
}

export async function recordSigned(q: Queryable, epoch: bigint): Promise<void> {
  await q.query("UPDATE epoch_state SET signed_at = now(), updated_at = now() WHERE epoch = $1", [epoch.toString()]);
}

export async function recordPosted(
  q: Queryable,
  epoch: bigint,
  p: { tx: Hex | null; block: bigint | null; validAt: bigint },
): Promise<void> {
  await q.query(
    `UPDATE epoch_state SET posted_at = now(), propose_tx = COALESCE($2, propose_tx), propose_block = COALESCE($3, propose_block),
            valid_at = $4, alert = NULL, alert_at = NULL, updated_at = now() WHERE epoch = $1`,
    [epoch.toString(), p.tx ? buf(p.tx) : null, p.block?.toString() ?? null, p.validAt.toString()],
  );
}

export async function recordFinalized(q: Queryable, epoch: bigint, tx: Hex | null): Promise<void> {
  await q.query(
    `UPDATE epoch_state SET finalized_at = now(), finalize_tx = COALESCE($2, finalize_tx), alert = NULL,
            alert_at = NULL, updated_at = now() WHERE epoch = $1`,
    [epoch.toString(), tx ? buf(tx) : null],
  );
}

export async function recordVetoed(q: Queryable, epoch: bigint, root: Hex, reason: string): Promise<void> {
  await q.query(
    `UPDATE epoch_state SET vetoed_at = now(), vetoed_root = $2, veto_reason = $3, updated_at = now() WHERE epoch = $1`,
    [epoch.toString(), buf(root), reason],
  );
}

/** Sets (or clears, with null) why the epoch is waiting; returns whether the text changed. */
export async function setAlert(q: Queryable, epoch: bigint, alert: string | null): Promise<boolean> {
  const res = await q.query(
    `UPDATE epoch_state SET alert = $2, alert_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, updated_at = now()
      WHERE epoch = $1 AND alert IS DISTINCT FROM $2::text`,
    [epoch.toString(), alert],
  );
  return res.rowCount === 1;
}

/**
 * A block no later than any event of `epoch`'s current proposal (chain epoch `chainEpoch`): the
 * block its proposal was mined in, else the latest proposal block of an earlier chain epoch
 * (epoch N is proposed only once N − 1 is finalized); null when none is recorded.
 */
export async function logSearchFloor(q: Queryable, epoch: bigint, chainEpoch: bigint): Promise<bigint | null> {
  const { rows } = await q.query<{ b: bigint | null }>(
    "SELECT max(propose_block) AS b FROM epoch_state WHERE epoch = $1 OR chain_epoch < $2",
    [epoch.toString(), chainEpoch.toString()],
  );
  return rows[0]?.b ?? null;
}
