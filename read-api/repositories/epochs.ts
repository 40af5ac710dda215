/**
 * The oracle's epochs as the read side sees them: takes coordinator or chain epoch numbers (or a
 * page) and hands on each epoch's state, totals, roots and transactions, its EpochRoot
 * signatures, its commitments, and the count of epochs per status (with alerts) for the metrics.
 * Their `epoch_state` half is joined through lifecycle.ts.
 */
import type { Queryable } from "../../db/types.ts";
import { epochHeadOf, type EpochHeadColumns } from "../../db/rows/epochs.ts";
import { bytesToHex, type Hex } from "../../core/hex.ts";
import { EPOCH_STATE_JOIN } from "./lifecycle.ts";

const orNull = (b: Uint8Array | null): Hex | null => (b ? bytesToHex(b) : null);

/** Epoch statuses whose computation is current: its statements, checkpoints and roots stand. */
export const COMPUTED_STATUSES = ["COMPUTED", "SIGNED", "POSTED", "FINALIZED"] as const;

export type OracleEpochRow = {
  epoch: bigint;
  status: string;
  startsAt: Date;
  endsAt: Date;
  chainEpoch: bigint | null;
  attempt: number;
  closedAt: Date | null;
  computedAt: Date | null;
  signedAt: Date | null;
  postedAt: Date | null;
  finalizedAt: Date | null;
  vetoedAt: Date | null;
  budgetMicroUsd: bigint | null;
  earnedMicroUsd: bigint | null;
  payoutMicroUsd: bigint | null;
  unallocatedMicroUsd: bigint | null;
  roundingDustMicroUsd: string | null;
  proRataNumerator: bigint | null;
  proRataDenominator: bigint | null;
  cumulativeTotalMicroUsd: bigint | null;
  supporters: number | null;
  receiptsTotal: bigint | null;
  receiptsCounted: bigint | null;
  countedBytes: bigint | null;
  root: Hex | null;
  receiptsRoot: Hex | null;
  datasetHash: Hex | null;
  rateCardHash: Hex | null;
  rateCardVersion: bigint | null;
  proposeTx: Hex | null;
  proposeBlock: bigint | null;
  validAt: bigint | null;
  finalizeTx: Hex | null;
  vetoedRoot: Hex | null;
  vetoReason: string | null;
  alert: string | null;
  alertAt: Date | null;
};

type RawOracleEpoch = EpochHeadColumns & {
  closed_at: Date | null;
  computed_at: Date | null;
  signed_at: Date | null;
  posted_at: Date | null;
  finalized_at: Date | null;
  vetoed_at: Date | null;
  budget_micro_usd: bigint | null;
  earned_micro_usd: bigint | null;
  payout_micro_usd: bigint | null;
  unallocated_micro_usd: bigint | null;
  rounding_dust_micro_usd: string | null;
  pro_rata_numerator: bigint | null;
  pro_rata_denominator: bigint | null;
  cumulative_total: bigint | null;
  supporters: number | null;
  receipts_total: bigint | null;
  receipts_counted: bigint | null;
  counted_bytes: bigint | null;
  root: Uint8Array | null;
  receipts_root: Uint8Array | null;
  dataset_hash: Uint8Array | null;
  rate_card_hash: Uint8Array | null;
  rate_card_version: bigint | null;
  propose_tx: Uint8Array | null;
  propose_block: bigint | null;
  valid_at: bigint | null;
  finalize_tx: Uint8Array | null;
  vetoed_root: Uint8Array | null;
  veto_reason: string | null;
  alert: string | null;
  alert_at: Date | null;
};
const ORACLE_EPOCH_SELECT = `SELECT e.number, e.status, e.starts_at, e.ends_at, s.chain_epoch, s.attempt, s.closed_at,
       s.computed_at, s.signed_at, s.posted_at, s.finalized_at, s.vetoed_at, s.budget_micro_usd, s.earned_micro_usd,
       s.payout_micro_usd, s.unallocated_micro_usd, s.rounding_dust_micro_usd, s.pro_rata_numerator,
       s.pro_rata_denominator, s.cumulative_total, s.supporters, s.receipts_total, s.receipts_counted, s.counted_bytes,
       s.root, s.receipts_root, s.dataset_hash, s.rate_card_hash, s.rate_card_version, s.propose_tx, s.propose_block,
       s.valid_at, s.finalize_tx, s.vetoed_root, s.veto_reason, s.alert, s.alert_at
  FROM epochs e ${EPOCH_STATE_JOIN("e.number")}`;

const toOracleEpoch = (r: RawOracleEpoch): OracleEpochRow => ({
  ...epochHeadOf(r),
  closedAt: r.closed_at,
  computedAt: r.computed_at,
  signedAt: r.signed_at,
  postedAt: r.posted_at,
  finalizedAt: r.finalized_at,
  vetoedAt: r.vetoed_at,
  budgetMicroUsd: r.budget_micro_usd,
  earnedMicroUsd: r.earned_micro_usd,
  payoutMicroUsd: r.payout_micro_usd,
  unallocatedMicroUsd: r.unallocated_micro_usd,
  roundingDustMicroUsd: r.rounding_dust_micro_usd,
  proRataNumerator: r.pro_rata_numerator,
  proRataDenominator: r.pro_rata_denominator,
  cumulativeTotalMicroUsd: r.cumulative_total,
  supporters: r.supporters,
  receiptsTotal: r.receipts_total,
  receiptsCounted: r.receipts_counted,
  countedBytes: r.counted_bytes,
  root: orNull(r.root),
  receiptsRoot: orNull(r.receipts_root),
  datasetHash: orNull(r.dataset_hash),
  rateCardHash: orNull(r.rate_card_hash),
  rateCardVersion: r.rate_card_version,
  proposeTx: orNull(r.propose_tx),
  proposeBlock: r.propose_block,
  validAt: r.valid_at,
  finalizeTx: orNull(r.finalize_tx),
  vetoedRoot: orNull(r.vetoed_root),
  vetoReason: r.veto_reason,
  alert: r.alert,
  alertAt: r.alert_at,
});

/** Oracle epochs by coordinator epoch number, for a DataLoader. */
export async function oracleEpochsByNumber(q: Queryable, epochs: readonly bigint[]): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(`${ORACLE_EPOCH_SELECT} WHERE e.number = ANY($1::int8[])`, [
    epochs.map(String),
  ]);
  return rows.map(toOracleEpoch);
}

/** Oracle epochs by the contract's epoch number, for a DataLoader. */
export async function oracleEpochsByChainEpoch(
  q: Queryable,
  chainEpochs: readonly bigint[],
): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(`${ORACLE_EPOCH_SELECT} WHERE s.chain_epoch = ANY($1::int8[])`, [
    chainEpochs.map(String),
  ]);
  return rows.map(toOracleEpoch);
}

/** A page of the oracle's epochs (every coordinator epoch), newest first; `before`: keyset. */
export async function listOracleEpochs(
  q: Queryable,
  page: { limit: number; before?: bigint | undefined; status?: string | undefined },
): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(
    `${ORACLE_EPOCH_SELECT}
      WHERE ($2::int8 IS NULL OR e.number < $2) AND ($3::text IS NULL OR e.status = $3)
      ORDER BY e.number DESC LIMIT $1`,
    [page.limit, page.before?.toString() ?? null, page.status ?? null],
  );
  return rows.map(toOracleEpoch);
}

export type EpochCommitmentRow = {
  epoch: bigint;
  status: string;
  chainEpoch: bigint | null;
  receiptsRoot: Hex | null;
  datasetHash: Hex | null;
};

/** The oracle's commitments of these coordinator epochs (absent: no such epoch). */
export async function epochCommitments(q: Queryable, epochs: readonly bigint[]): Promise<EpochCommitmentRow[]> {
  const { rows } = await q.query<{
    number: bigint;
    status: string;
    chain_epoch: bigint | null;
    receipts_root: Uint8Array | null;
    dataset_hash: Uint8Array | null;
  }>(
    `SELECT e.number, e.status, s.chain_epoch, s.receipts_root, s.dataset_hash
       FROM epochs e ${EPOCH_STATE_JOIN("e.number")}
      WHERE e.number = ANY($1::int8[])`,
    [epochs.map((e) => e.toString())],
  );
  return rows.map((r) => ({
    epoch: r.number,
    status: r.status,
    chainEpoch: r.chain_epoch,
    receiptsRoot: r.receipts_root ? bytesToHex(r.receipts_root) : null,
    datasetHash: r.dataset_hash ? bytesToHex(r.dataset_hash) : null,
  }));
}

// --- signatures ------------------------------------------------------------------------------------

export type SignatureRow = { epoch: bigint; attempt: number; signer: Hex; root: Hex; signedAt: Date };

/** Every stored EpochRoot signature of these epochs (all attempts), for a DataLoader. */
export async function signaturesOfEpochs(q: Queryable, epochs: readonly bigint[]): Promise<SignatureRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    attempt: number;
    signer: Uint8Array;
    root: Uint8Array;
    signed_at: Date;
  }>(
    `SELECT epoch, attempt, signer, root, signed_at FROM epoch_signatures WHERE epoch = ANY($1::int8[])
      ORDER BY epoch, attempt, signed_at, signer`,
    [epochs.map(String)],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    attempt: r.attempt,
    signer: bytesToHex(r.signer),
    root: bytesToHex(r.root),
    signedAt: r.signed_at,
  }));
}

// --- health ----------------------------------------------------------------------------------------

/** Epochs per status, and how many of them carry an oracle alert (e.g. insufficient funding). */
export type EpochHealthRow = { status: string; epochs: bigint; alerting: bigint };

/** Read-only over the coordinator's `epochs` and the oracle's `epoch_state` (its alert column). */
export async function epochHealth(q: Queryable): Promise<EpochHealthRow[]> {
  const { rows } = await q.query<EpochHealthRow>(
    `SELECT e.status, count(*)::int8 AS epochs, count(s.alert)::int8 AS alerting
       FROM epochs e ${EPOCH_STATE_JOIN("e.number")}
      GROUP BY e.status ORDER BY e.status`,
  );
  return rows;
}
