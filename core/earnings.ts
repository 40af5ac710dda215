import { BaseError } from "./errors.ts";
import type { Address } from "./eip712/domain.ts";
import { uptimeBonusBps, validateRateCard } from "./ratecard.ts";
import type { RateCard } from "./ratecard.ts";
import { BPS_DENOMINATOR, BYTES_PER_GB } from "./units.ts";
import type { Bps, Bytes, MicroUsd } from "./units.ts";
import type { ReasonCode, VerdictStatus } from "./verdict.ts";

/**
 * Earnings of one epoch, and the itemized statement of every supporter.
 *
 * Formula (one supporter, one epoch), exact until one floor:
 *
 *     exact  = countedBytes × ratePerGbMicroUsd / 10⁹            (base, µUSD)
 *              × multiplierBps / 10 000                           (founders: the card's, else 10 000)
 *
 * where the founder multiplier applies to the bytes of founder nodes only
 * (`founderCountedBytes`): with `f` of them, the multiplied base is
 * (f × multiplierBps + (countedBytes − f) × 10 000) × rate / 10⁹ / 10 000.
 *              × (10 000 + uptimeBonusBps) / 10 000               (the highest uptime tier reached)
 *     earned = ⌊exact⌋
 *
 * Every denominator is a power of ten, so each intermediate is an exact decimal (base has ≤ 9
 * decimals, exact ≤ 17): the statement prints them, and a person can redo each line by hand.
 * The fractions cut by the floor stay in the pool and are reported as `roundingDustMicroUsd`.
 *
 * Budget: if Σ earned exceeds the epoch's funded budget, every payout is scaled by
 * budget / Σ earned with the largest-remainder method: each gets ⌊earned × budget / Σ⌋, and the
 * µUSD left over go one each to the largest remainders (ties: lower address first). The sum is
 * then exactly the budget, and the factor is recorded as a fraction.
 */

/** Receipts that did not count in full, grouped for the statement. */
export type WithheldLine = {
  status: VerdictStatus;
  /** The first (primary) reason of the verdicts in this line. */
  reason: ReasonCode;
  receipts: number;
  /** Claimed minus counted bytes. */
  bytes: Bytes;
};

/** One supporter's inputs for one epoch (aggregated from verdicts, registry and heartbeats). */
export type SupporterEpochInput = {
  /** The payout address (the leaf's account). */
  account: Address;
  /** Bytes that count towards earnings (Σ verdict.countedBytes). */
  countedBytes: Bytes;
  /** Bytes the receipts claimed (Σ verdict.claimedBytes); defaults to `countedBytes`. */
  claimedBytes?: Bytes | undefined;
  /** Receipts counted (accepted or clipped). */
  receipts?: number | undefined;
  founder: boolean;
  /**
   * Of `countedBytes`, those served by founder nodes (the multiplier applies to these only).
   * Defaults to all of them when `founder`, else none.
   */
  founderCountedBytes?: Bytes | undefined;
  /** Uptime over the epoch, 0 … 10 000. */
  uptimeBps: Bps;
  /** Claimed bytes that did not count, by status and reason. */
  withheld?: readonly WithheldLine[] | undefined;
  /** The supporter's cumulative entitlement before this epoch (the previous leaf), µUSD. */
  previousCumulativeMicroUsd?: MicroUsd | undefined;
};

/** A fraction `numerator / denominator`, both non-negative integers. */
export type Fraction = { numerator: bigint; denominator: bigint };

/** The itemized statement of one supporter for one epoch. Every line can be checked by hand. */
export type Statement = {
  epoch: bigint;
  account: Address;
  rateCardVersion: bigint;
  /** Receipts counted (accepted or clipped). */
  receipts: number;
  claimedBytes: Bytes;
  countedBytes: Bytes;
  ratePerGbMicroUsd: MicroUsd;
  /** countedBytes × rate / 10⁹, exact decimal (µUSD). */
  baseMicroUsd: string;
  /** True when any counted byte came from a founder node. */
  founder: boolean;
  /** Of countedBytes, those from founder nodes: the multiplier applies to these. */
  founderCountedBytes: Bytes;
  /** The card's founder multiplier when founder, else 10 000. */
  multiplierBps: Bps;
  uptimeBps: Bps;
  /** Index of the uptime tier reached in the rate card, or null. */
  uptimeTier: number | null;
  uptimeBonusBps: Bps;
  /** base × multiplier × (1 + bonus), exact decimal (µUSD). */
  exactMicroUsd: string;
  /** ⌊exact⌋. */
  earnedMicroUsd: MicroUsd;
  /** budget / Σ earned when the budget was short, else null (paid in full). */
  proRata: Fraction | null;
  /** ⌊earned × budget / Σ earned⌋ (= earned when proRata is null). */
  scaledFloorMicroUsd: MicroUsd;
  /** 1 when this supporter received one of the largest-remainder µUSD, else 0. */
  remainderMicroUsd: MicroUsd;
  /** What this epoch pays: scaledFloor + remainder. */
  payoutMicroUsd: MicroUsd;
  previousCumulativeMicroUsd: MicroUsd;
  /** The new leaf amount: previous + payout. */
  cumulativeMicroUsd: MicroUsd;
  withheld: WithheldLine[];
};

export type ComputeEarningsParameters = {
  epoch: bigint;
  rateCard: RateCard;
  /** The epoch's funded budget, µUSD. */
  budgetMicroUsd: MicroUsd;
  supporters: readonly SupporterEpochInput[];
};

export type EpochEarningsSummary = {
  epoch: bigint;
  rateCardVersion: bigint;
  budgetMicroUsd: MicroUsd;
  /** Σ earned before any scaling. */
  earnedMicroUsd: MicroUsd;
  /** Σ payout (≤ budget). */
  payoutMicroUsd: MicroUsd;
  /** Σ (exact − earned): the fractions the floor cut, exact decimal µUSD; stays in the pool. */
  roundingDustMicroUsd: string;
  /** budget − Σ payout: funded but not paid this epoch. */
  unallocatedMicroUsd: MicroUsd;
  proRata: Fraction | null;
};

export type ComputeEarningsReturnType = {
  /** One per supporter, sorted by account. */
  statements: Statement[];
  summary: EpochEarningsSummary;
};

export class InvalidEarningsInputError extends BaseError {
  override name = "InvalidEarningsInputError";
  constructor(reason: string) {
    super(`Invalid earnings input: ${reason}.`);
  }
}

/** Decimals of `exact`: 10⁹ (bytes per GB) × 10⁴ (multiplier) × 10⁴ (bonus). */
const EXACT_DECIMALS = 17;
const EXACT_DENOMINATOR = BYTES_PER_GB * BPS_DENOMINATOR * BPS_DENOMINATOR;

/**
 * Computes every supporter's earnings and statement for one epoch.
 *
 * @example
 * // 2 GB at $0.05/GB for a founder (1.1×) with 99.5 % uptime (+10 %):
 * // base 100 000 µUSD × 1.1 × 1.1 = 121 000 µUSD
 * computeEarnings({ epoch: 1n, rateCard: DEFAULT_RATE_CARD, budgetMicroUsd: 1_000_000n, supporters: [
 *   { account: "0x…", countedBytes: 2_000_000_000n, founder: true, uptimeBps: 9_950n },
 * ] }).statements[0].payoutMicroUsd; // 121_000n
 */
export function computeEarnings(parameters: ComputeEarningsParameters): ComputeEarningsReturnType {
  const { epoch, rateCard, budgetMicroUsd } = parameters;
  validateRateCard(rateCard);
  if (typeof budgetMicroUsd !== "bigint" || budgetMicroUsd < 0n)
    throw new InvalidEarningsInputError("budgetMicroUsd must be a bigint ≥ 0");

  const supporters = [...parameters.supporters]
    .map((s) => ({ ...s, account: s.account.toLowerCase() as Address }))
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  for (let i = 1; i < supporters.length; i++)
    if (supporters[i]!.account === supporters[i - 1]!.account)
      throw new InvalidEarningsInputError(`account ${supporters[i]!.account} appears twice`);

  let earnedTotal = 0n;
  let dustNumerator = 0n;
  const rows = supporters.map((s) => {
    if (typeof s.countedBytes !== "bigint" || s.countedBytes < 0n)
      throw new InvalidEarningsInputError(`countedBytes of ${s.account} must be a bigint ≥ 0`);
    if (typeof s.uptimeBps !== "bigint" || s.uptimeBps < 0n || s.uptimeBps > BPS_DENOMINATOR)
      throw new InvalidEarningsInputError(`uptimeBps of ${s.account} must be a bigint in 0 … 10 000`);
    const founderBytes = s.founderCountedBytes ?? (s.founder ? s.countedBytes : 0n);
    if (typeof founderBytes !== "bigint" || founderBytes < 0n || founderBytes > s.countedBytes)
      throw new InvalidEarningsInputError(`founderCountedBytes of ${s.account} must be a bigint in 0 … countedBytes`);
    const founder = founderBytes > 0n || (s.founder && s.countedBytes === 0n);
    const multiplierBps = founder ? rateCard.founderMultiplierBps : BPS_DENOMINATOR;
    const { tier, bonusBps } = uptimeBonusBps(rateCard, s.uptimeBps);
    const weightedBytes =
      founderBytes * rateCard.founderMultiplierBps + (s.countedBytes - founderBytes) * BPS_DENOMINATOR;
    const exactNumerator = weightedBytes * rateCard.ratePerGbMicroUsd * (BPS_DENOMINATOR + bonusBps);
    const earned = exactNumerator / EXACT_DENOMINATOR;
    earnedTotal += earned;
    dustNumerator += exactNumerator % EXACT_DENOMINATOR;
    return { s, founder, founderBytes, multiplierBps, tier, bonusBps, exactNumerator, earned };
  });

  // pro rata, largest remainder
  const short = earnedTotal > budgetMicroUsd;
  const proRata: Fraction | null = short ? { numerator: budgetMicroUsd, denominator: earnedTotal } : null;
  const floors = rows.map((r) => (short ? (r.earned * budgetMicroUsd) / earnedTotal : r.earned));
  const bonus = rows.map(() => 0n);
  if (short) {
    let left = budgetMicroUsd - floors.reduce((a, b) => a + b, 0n);
    const byRemainder = rows
      .map((r, i) => ({ i, remainder: (r.earned * budgetMicroUsd) % earnedTotal }))
      .filter((x) => x.remainder > 0n)
      .sort((a, b) => (a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : a.i - b.i)); // rows are sorted by account
    for (const { i } of byRemainder) {
      if (left === 0n) break;
      bonus[i] = 1n;
      left--;
    }
  }

  let payoutTotal = 0n;
  const statements: Statement[] = rows.map((r, i) => {
    const payout = floors[i]! + bonus[i]!;
    payoutTotal += payout;
    const previous = r.s.previousCumulativeMicroUsd ?? 0n;
    if (typeof previous !== "bigint" || previous < 0n)
      throw new InvalidEarningsInputError(`previousCumulativeMicroUsd of ${r.s.account} must be a bigint ≥ 0`);
    return {
      epoch,
      account: r.s.account,
      rateCardVersion: rateCard.version,
      receipts: r.s.receipts ?? 0,
      claimedBytes: r.s.claimedBytes ?? r.s.countedBytes,
      countedBytes: r.s.countedBytes,
      ratePerGbMicroUsd: rateCard.ratePerGbMicroUsd,
      baseMicroUsd: decimal(r.s.countedBytes * rateCard.ratePerGbMicroUsd, 9),
      founder: r.founder,
      founderCountedBytes: r.founderBytes,
      multiplierBps: r.multiplierBps,
      uptimeBps: r.s.uptimeBps,
      uptimeTier: r.tier,
      uptimeBonusBps: r.bonusBps,
      exactMicroUsd: decimal(r.exactNumerator, EXACT_DECIMALS),
      earnedMicroUsd: r.earned,
      proRata,
      scaledFloorMicroUsd: floors[i]!,
      remainderMicroUsd: bonus[i]!,
      payoutMicroUsd: payout,
      previousCumulativeMicroUsd: previous,
      cumulativeMicroUsd: previous + payout,
      withheld: [...(r.s.withheld ?? [])],
    };
  });

  return {
    statements,
    summary: {
      epoch,
      rateCardVersion: rateCard.version,
      budgetMicroUsd,
      earnedMicroUsd: earnedTotal,
      payoutMicroUsd: payoutTotal,
      roundingDustMicroUsd: decimal(dustNumerator, EXACT_DECIMALS),
      unallocatedMicroUsd: budgetMicroUsd - payoutTotal,
      proRata,
    },
  };
}

/** `value / 10^decimals` as an exact decimal string without trailing zeros ("123.45", "7"). */
export function decimal(value: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  const frac = (value % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return frac === "" ? whole.toString() : `${whole}.${frac}`;
}
