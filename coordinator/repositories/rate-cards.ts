import { rateCardFromRecord, type RateCard } from "../../core/ratecard.ts";
import type { Queryable } from "../../db/types.ts";
import { RATE_CARD_COLUMNS, type RateCardColumns } from "../../db/rows/rate-cards.ts";

/** A stored rate card version (`rate_cards` row) as the admin API lists it; core's `RateCard` is `rateCardOfRow`. */
export type RateCardRow = {
  version: number;
  effectiveEpoch: number;
  rateMicroUsdPerGb: bigint;
  founderMultiplierBps: number;
  uptimeBonusBps: number;
  details: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
};

type Raw = RateCardColumns & { created_by: string; created_at: Date };
const toRow = (r: Raw): RateCardRow => ({
  version: r.version,
  effectiveEpoch: Number(r.effective_epoch),
  rateMicroUsdPerGb: r.rate_micro_usd_per_gb,
  founderMultiplierBps: r.founder_multiplier_bps,
  uptimeBonusBps: r.uptime_bonus_bps,
  details: r.details,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/**
 * The rate card a stored row stands for: core's `rateCardFromRecord`, the one reading of a
 * stored card (the oracle reads the same, oracle/repositories/inputs.ts `readRateCards`).
 */
export function rateCardOfRow(row: RateCardRow): RateCard {
  return rateCardFromRecord({
    version: BigInt(row.version),
    effectiveEpoch: BigInt(row.effectiveEpoch),
    ratePerGbMicroUsd: row.rateMicroUsdPerGb,
    founderMultiplierBps: BigInt(row.founderMultiplierBps),
    uptimeBonusBps: BigInt(row.uptimeBonusBps),
    uptimeTiers: row.details?.uptimeTiers,
  });
}

const COLUMNS = `${RATE_CARD_COLUMNS}, created_by, created_at`;

/**
 * Locks `rate_cards` against concurrent inserts for the rest of the transaction and returns the
 * next version number and the latest effective epoch (`null` without any card).
 */
export async function lockRateCardsForInsert(
  q: Queryable,
): Promise<{ nextVersion: number; latestEffectiveEpoch: number | null }> {
  await q.query("LOCK TABLE rate_cards IN SHARE ROW EXCLUSIVE MODE");
  const { rows } = await q.query<{ next_version: number; latest: bigint | null }>(
    "SELECT (COALESCE(max(version), 0) + 1)::int4 AS next_version, max(effective_epoch) AS latest FROM rate_cards",
  );
  const latest = rows[0]!.latest;
  return { nextVersion: rows[0]!.next_version, latestEffectiveEpoch: latest === null ? null : Number(latest) };
}

/** Stores a rate card version (after `lockRateCardsForInsert` in the same transaction). */
export async function insertRateCard(
  q: Queryable,
  card: Omit<RateCardRow, "createdAt">,
  /** The policy key's `RateCardApproval` signature (migration 0029). */
  approvalSignature: string,
): Promise<RateCardRow> {
  const { rows } = await q.query<Raw>(
    `INSERT INTO rate_cards (version, effective_epoch, rate_micro_usd_per_gb, founder_multiplier_bps, uptime_bonus_bps,
                             details, created_by, approval_signature)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
     RETURNING ${COLUMNS}`,
    [
      card.version,
      card.effectiveEpoch,
      card.rateMicroUsdPerGb.toString(),
      card.founderMultiplierBps,
      card.uptimeBonusBps,
      JSON.stringify(card.details),
      card.createdBy,
      Buffer.from(approvalSignature.slice(2), "hex"),
    ],
  );
  return toRow(rows[0]!);
}

export async function listRateCards(q: Queryable): Promise<RateCardRow[]> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM rate_cards ORDER BY version`);
  return rows.map(toRow);
}

/**
 * The card in force at `epoch` (the latest with effective_epoch ≤ epoch) and the ones announced
 * after it, oldest first.
 */
export async function rateCardSchedule(
  q: Queryable,
  epoch: number,
): Promise<{ current: RateCardRow | undefined; announced: RateCardRow[] }> {
  const { rows } = await q.query<Raw>(
    `(SELECT ${COLUMNS} FROM rate_cards WHERE effective_epoch <= $1 ORDER BY effective_epoch DESC LIMIT 1)
     UNION ALL
     (SELECT ${COLUMNS} FROM rate_cards WHERE effective_epoch > $1)
     ORDER BY effective_epoch`,
    [epoch],
  );
  const cards = rows.map(toRow);
  const current = cards[0] && cards[0].effectiveEpoch <= epoch ? cards[0] : undefined;
  return { current, announced: current ? cards.slice(1) : cards };
}

/** The card in force for an epoch (the latest with effective_epoch ≤ epoch). */
export async function rateCardForEpoch(q: Queryable, epoch: number): Promise<RateCardRow | undefined> {
  const { rows } = await q.query<Raw>(
    `SELECT ${COLUMNS} FROM rate_cards WHERE effective_epoch <= $1 ORDER BY effective_epoch DESC LIMIT 1`,
    [epoch],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}
