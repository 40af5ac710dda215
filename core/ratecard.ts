import { BaseError } from "./errors.ts";
import type { Hex } from "./eip712.ts";
import { keccak256Fast } from "./keccak-wasm.ts";
import { hexAt } from "./standard-tree.ts";
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
  constructor(reason: string) {
    super(`Invalid rate card: ${reason}.`);
  }
}

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

/** Throws `InvalidRateCardError` unless every field is in range and the tiers are sorted. */
export function validateRateCard(card: RateCard): void {
  const isUint = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n;
  if (!isUint(card.version) || card.version === 0n) throw new InvalidRateCardError("version must be a bigint ≥ 1");
  if (!isUint(card.effectiveFromEpoch)) throw new InvalidRateCardError("effectiveFromEpoch must be a bigint ≥ 0");
  if (!isUint(card.ratePerGbMicroUsd)) throw new InvalidRateCardError("ratePerGbMicroUsd must be a bigint ≥ 0");
  if (!isUint(card.founderMultiplierBps) || card.founderMultiplierBps < BPS_DENOMINATOR)
    throw new InvalidRateCardError("founderMultiplierBps must be a bigint ≥ 10 000 (1×)");
  let previous = -1n;
  for (const tier of card.uptimeTiers) {
    if (!isUint(tier.minUptimeBps) || tier.minUptimeBps > BPS_DENOMINATOR)
      throw new InvalidRateCardError("uptime tier minUptimeBps must be a bigint in 0 … 10 000");
    if (!isUint(tier.bonusBps)) throw new InvalidRateCardError("uptime tier bonusBps must be a bigint ≥ 0");
    if (tier.minUptimeBps <= previous)
      throw new InvalidRateCardError("uptime tiers must be sorted by minUptimeBps, strictly increasing");
    previous = tier.minUptimeBps;
  }
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
      throw new InvalidRateCardError(`${what} must be a decimal string`);
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
  if (canonicalRateCard(card) !== canonical) throw new InvalidRateCardError("not in canonical form");
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
