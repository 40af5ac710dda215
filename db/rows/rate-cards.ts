/**
 * The `rate_cards` table's columns as every room reads them: takes a raw row and hands on core's
 * `RateCard` (through `rateCardFromRecord`, the one reading of a stored card). The SQL stays in
 * each room's repository.
 */
import { rateCardFromRecord, type RateCard } from "../../core/ratecard.ts";

/** A rate card version's columns (`RATE_CARD_COLUMNS`; the coordinator also reads who created it, when). */
export type RateCardColumns = {
  version: number;
  effective_epoch: bigint;
  rate_micro_usd_per_gb: bigint;
  founder_multiplier_bps: number;
  uptime_bonus_bps: number;
  details: Record<string, unknown>;
};

/** The select list of `RateCardColumns`, unqualified. */
export const RATE_CARD_COLUMNS =
  "version, effective_epoch, rate_micro_usd_per_gb, founder_multiplier_bps, uptime_bonus_bps, details";

/**
 * A stored card as core reads it: `uptime_bonus_bps` is one tier from 95 % uptime unless
 * `details.uptimeTiers` lists them.
 */
export function rateCardOfColumns(r: RateCardColumns): RateCard {
  return rateCardFromRecord({
    version: BigInt(r.version),
    effectiveEpoch: BigInt(r.effective_epoch),
    ratePerGbMicroUsd: BigInt(r.rate_micro_usd_per_gb),
    founderMultiplierBps: BigInt(r.founder_multiplier_bps),
    uptimeBonusBps: BigInt(r.uptime_bonus_bps),
    uptimeTiers: r.details?.uptimeTiers,
  });
}
