import { BaseError } from "./errors.ts";
import type { Hex } from "./hex.ts";
import { keccak256Fast } from "./keccak-wasm.ts";
import { hexAt } from "./words.ts";
import { BPS_DENOMINATOR } from "./units.ts";
import type { Bps, MicroUsd } from "./units.ts";

/** An uptime bonus tier: at least `minUptimeBps` uptime earns `bonusBps` on top of base × multiplier. */
export type UptimeTier = {
  /** 0 … 10 000 (9 500 = 95 % of the epoch's heartbeat slots). */
  minUptimeBps: Bps;
  /** 500 = +5 %. */
  bonusBps: Bps;
};

/**
 * A version of the rate card: what one GB served pays, the founder multiplier and the uptime
 * bonus tiers, effective from an epoch until a later version takes over.
 */
export type RateCard = {
  /** 1, 2, 3 …: strictly increasing with `effectiveFromEpoch`. */
  version: bigint;
  /** The first epoch this version applies to. */
  effectiveFromEpoch: bigint;
  /** µUSD per GB (10⁹ bytes): 50 000 = $0.05/GB. */
  ratePerGbMicroUsd: MicroUsd;
  /** Applied to founders' base earnings: 11 000 = 1.1×. Non-founders: 10 000. */
  founderMultiplierBps: Bps;
  /** Sorted by `minUptimeBps`, strictly increasing; the highest tier reached applies. */
  uptimeTiers: readonly UptimeTier[];
};

/** The launch rate card: $0.05/GB, founders 1.1×, +5 % from 95 % uptime, +10 % from 99 %. */
export const DEFAULT_RATE_CARD: RateCard = Object.freeze({
  version: 1n,
  effectiveFromEpoch: 0n,
  ratePerGbMicroUsd: 50_000n,
  founderMultiplierBps: 11_000n,
  uptimeTiers: Object.freeze([
    { minUptimeBps: 9_500n, bonusBps: 500n },
    { minUptimeBps: 9_900n, bonusBps: 1_000n },
  ]),
});

export class InvalidRateCardError extends BaseError {
  override name = "InvalidRateCardError";
  /** The offending field, as an admin input names it (`founderMultiplierBps`, `uptimeTiers[1].minUptimeBps`, …). */
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`Invalid rate card: ${field} ${reason}.`);
    this.field = field;
  }
}

/**
 * The bounds every rate card must keep (`validateRateCard`): the admin API refuses a card
 * outside them with the same function the epoch close runs, so no accepted card stops a close.
 *
 * - rate: at most $10 per GB (10 000 000 µUSD/GB; the launch rate is $0.05);
 * - founder multiplier: 1× … 10× (10 000 … 100 000 bps);
 * - uptime tiers: at most 16, `minUptimeBps` 0 … 10 000 strictly increasing, `bonusBps` 0 … 10 000 (+100 %).
 */
export const RATE_CARD_BOUNDS = Object.freeze({
  maxRatePerGbMicroUsd: 10_000_000n,
  minFounderMultiplierBps: BPS_DENOMINATOR,
  maxFounderMultiplierBps: 100_000n,
  maxBonusBps: 10_000n,
  maxUptimeTiers: 16,
});

export class NoRateCardError extends BaseError {
  override name = "NoRateCardError";
  readonly epoch: bigint;
  constructor(epoch: bigint) {
    super(`No rate card is effective at epoch ${epoch}.`, {
      details: "Publish a rate card version whose effectiveFromEpoch is at or before this epoch.",
    });
    this.epoch = epoch;
  }
}

/**
 * Throws `InvalidRateCardError` (naming the field) unless every field is within
 * `RATE_CARD_BOUNDS` and the tiers are sorted. The one check of a rate card: the admin API
 * (coordinator/services/admin.ts) and the epoch close (`canonicalRateCard`) both run it.
 *
 * @example
 * validateRateCard({ ...DEFAULT_RATE_CARD, founderMultiplierBps: 9_000n });
 * // InvalidRateCardError: Invalid rate card: founderMultiplierBps must be from 10000 (1×) to 100000 (10×) basis points.
 */
export function validateRateCard(card: RateCard): void {
  const B = RATE_CARD_BOUNDS;
  const isUint = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n;
  if (!isUint(card.version) || card.version === 0n) throw new InvalidRateCardError("version", "must be a bigint ≥ 1");
  if (!isUint(card.effectiveFromEpoch)) throw new InvalidRateCardError("effectiveFromEpoch", "must be a bigint ≥ 0");
  if (!isUint(card.ratePerGbMicroUsd) || card.ratePerGbMicroUsd > B.maxRatePerGbMicroUsd)
    throw new InvalidRateCardError(
      "ratePerGbMicroUsd",
      `must be from 0 to ${B.maxRatePerGbMicroUsd} µUSD per GB ($10/GB)`,
    );
  if (
    !isUint(card.founderMultiplierBps) ||
    card.founderMultiplierBps < B.minFounderMultiplierBps ||
    card.founderMultiplierBps > B.maxFounderMultiplierBps
  )
    throw new InvalidRateCardError(
      "founderMultiplierBps",
      `must be from ${B.minFounderMultiplierBps} (1×) to ${B.maxFounderMultiplierBps} (10×) basis points`,
    );
  const tiers: readonly UptimeTier[] = card.uptimeTiers;
  if (!(tiers instanceof Array) || tiers.length > B.maxUptimeTiers)
    throw new InvalidRateCardError("uptimeTiers", `must be a list of at most ${B.maxUptimeTiers} tiers`);
  let previous = -1n;
  tiers.forEach((tier, i) => {
    if (!isUint(tier.minUptimeBps) || tier.minUptimeBps > BPS_DENOMINATOR)
      throw new InvalidRateCardError(`uptimeTiers[${i}].minUptimeBps`, "must be from 0 to 10000 basis points");
    if (!isUint(tier.bonusBps) || tier.bonusBps > B.maxBonusBps)
      throw new InvalidRateCardError(`uptimeTiers[${i}].bonusBps`, `must be from 0 to ${B.maxBonusBps} basis points`);
    if (tier.minUptimeBps <= previous)
      throw new InvalidRateCardError(
        `uptimeTiers[${i}].minUptimeBps`,
        "must be above the previous tier's (tiers sorted by minUptimeBps, strictly increasing)",
      );
    previous = tier.minUptimeBps;
  });
}

/** A rate card as the coordinator stores it (`rate_cards` row): integers, tiers from `details`. */
export type RateCardRecord = {
  version: bigint;
  effectiveEpoch: bigint;
  ratePerGbMicroUsd: bigint;
  founderMultiplierBps: bigint;
  /** One tier from 95 % uptime unless `uptimeTiers` lists them. */
  uptimeBonusBps: bigint;
  /** `details.uptimeTiers`: [{ minUptimeBps, bonusBps }] as decimal strings or integers, or absent. */
  uptimeTiers?: unknown;
};

const DECIMAL_RE = /^(0|[1-9]\d{0,18})$/;

/**
 * The rate card a stored record stands for — the one reading of a `rate_cards` row, shared by
 * the oracle (which prices the epoch with it), the admin API (which validates it before storing)
 * and the GraphQL read model. Throws `InvalidRateCardError` naming the field when a listed tier
 * is not two decimal integers; does not check ranges (`validateRateCard` does).
 *
 * @example
 * rateCardFromRecord({ version: 2n, effectiveEpoch: 12n, ratePerGbMicroUsd: 50_000n, founderMultiplierBps: 11_000n, uptimeBonusBps: 500n });
 * // { …, uptimeTiers: [{ minUptimeBps: 9_500n, bonusBps: 500n }] }
 */
export function rateCardFromRecord(r: RateCardRecord): RateCard {
  const integer = (v: unknown, field: string): bigint => {
    const text = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
    if (typeof text !== "string" || !DECIMAL_RE.test(text))
      throw new InvalidRateCardError(field, "must be a non-negative integer");
    return BigInt(text);
  };
  let uptimeTiers: UptimeTier[];
  if (r.uptimeTiers === undefined || r.uptimeTiers === null)
    uptimeTiers = r.uptimeBonusBps > 0n ? [{ minUptimeBps: 9_500n, bonusBps: r.uptimeBonusBps }] : [];
  else if (!Array.isArray(r.uptimeTiers) || r.uptimeTiers.length > RATE_CARD_BOUNDS.maxUptimeTiers)
    throw new InvalidRateCardError("uptimeTiers", `must be a list of at most ${RATE_CARD_BOUNDS.maxUptimeTiers} tiers`);
  else
    uptimeTiers = (r.uptimeTiers as unknown[]).map((t, i) => {
      const tier = (typeof t === "object" && t !== null ? t : {}) as Record<string, unknown>;
      return {
        minUptimeBps: integer(tier.minUptimeBps, `uptimeTiers[${i}].minUptimeBps`),
        bonusBps: integer(tier.bonusBps, `uptimeTiers[${i}].bonusBps`),
      };
    });
  return {
    version: r.version,
    effectiveFromEpoch: r.effectiveEpoch,
    ratePerGbMicroUsd: r.ratePerGbMicroUsd,
    founderMultiplierBps: r.founderMultiplierBps,
    uptimeTiers,
  };
}

/**
 * The canonical form of a rate card: JSON with keys in alphabetical order, every integer as a
 * decimal string, tiers in ascending `minUptimeBps`, no whitespace. This exact string is what
 * `rateCardHash` hashes and what the epoch dataset carries.
 *
 * @example
 * canonicalRateCard(DEFAULT_RATE_CARD);
 * // {"effectiveFromEpoch":"0","founderMultiplierBps":"11000","ratePerGbMicroUsd":"50000","uptimeTiers":[{"bonusBps":"500","minUptimeBps":"9500"},{"bonusBps":"1000","minUptimeBps":"9900"}],"version":"1"}
 */
export function canonicalRateCard(card: RateCard): string {
  validateRateCard(card);
  return JSON.stringify({
    effectiveFromEpoch: card.effectiveFromEpoch.toString(),
    founderMultiplierBps: card.founderMultiplierBps.toString(),
    ratePerGbMicroUsd: card.ratePerGbMicroUsd.toString(),
    uptimeTiers: card.uptimeTiers.map((t) => ({
      bonusBps: t.bonusBps.toString(),
      minUptimeBps: t.minUptimeBps.toString(),
    })),
    version: card.version.toString(),
  });
}

/** Parses the canonical form back (and checks it is canonical: re-encoding gives the same string). */
export function parseRateCard(canonical: string): RateCard {
  const raw = JSON.parse(canonical) as Record<string, unknown>;
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== "string" || !/^(0|[1-9]\d*)$/.test(v))
      throw new InvalidRateCardError(what, "must be a decimal string");
    return BigInt(v);
  };
  const tiers = Array.isArray(raw.uptimeTiers) ? (raw.uptimeTiers as Record<string, unknown>[]) : [];
  const card: RateCard = {
    version: big(raw.version, "version"),
    effectiveFromEpoch: big(raw.effectiveFromEpoch, "effectiveFromEpoch"),
    ratePerGbMicroUsd: big(raw.ratePerGbMicroUsd, "ratePerGbMicroUsd"),
    founderMultiplierBps: big(raw.founderMultiplierBps, "founderMultiplierBps"),
    uptimeTiers: tiers.map((t) => ({
      minUptimeBps: big(t.minUptimeBps, "minUptimeBps"),
      bonusBps: big(t.bonusBps, "bonusBps"),
    })),
  };
  if (canonicalRateCard(card) !== canonical) throw new InvalidRateCardError("rateCard", "is not in canonical form");
  return card;
}

/**
 * `rateCardHash` (the `EpochRoot` field): keccak256 of the UTF-8 bytes of `canonicalRateCard`.
 * Anyone can recompute it with `keccak256(toBytes(canonicalJson))` in viem.
 *
 * @example
 * rateCardHash(DEFAULT_RATE_CARD); // "0x9e1638090661f535b4419cfc3b34332b21f7be7bb90c220e624c2ccb6f76657a"
 */
export function rateCardHash(card: RateCard): Hex {
  return hexAt(keccak256Fast(new TextEncoder().encode(canonicalRateCard(card))), 0);
}

/**
 * The version in force at `epoch`: the highest `effectiveFromEpoch` ≤ `epoch` (ties: the
 * highest version).
 *
 * @example
 * selectRateCard([v1, v2], 12n); // v2 if v2.effectiveFromEpoch ≤ 12n
 */
export function selectRateCard(cards: readonly RateCard[], epoch: bigint): RateCard {
  let best: RateCard | undefined;
  for (const card of cards) {
    if (card.effectiveFromEpoch > epoch) continue;
    if (
      best === undefined ||
      card.effectiveFromEpoch > best.effectiveFromEpoch ||
      (card.effectiveFromEpoch === best.effectiveFromEpoch && card.version > best.version)
    )
      best = card;
  }
  if (best === undefined) throw new NoRateCardError(epoch);
  return best;
}

/** The uptime bonus (bps) the card grants at `uptimeBps`: the highest tier reached, else 0. */
export function uptimeBonusBps(card: RateCard, uptimeBps: Bps): { tier: number | null; bonusBps: Bps } {
  let tier: number | null = null;
  card.uptimeTiers.forEach((t, i) => {
    if (uptimeBps >= t.minUptimeBps) tier = i;
  });
  return { tier, bonusBps: tier === null ? 0n : card.uptimeTiers[tier]!.bonusBps };
}
