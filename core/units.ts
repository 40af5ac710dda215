import { BaseError } from "./errors.ts";

/**
 * Units of the ledger. Every amount is a `bigint` in base units, never a `number`:
 *
 * - money: micro-USD (µUSD, 10⁻⁶ USD). The payout token is a 6-decimal USD stablecoin, so
 *   1 µUSD = 1 token base unit; other decimals convert only at `microUsdToTokenUnits`.
 * - data: bytes; 1 GB = 10⁹ bytes (the CDN billing convention).
 * - rates: µUSD per GB (50 000 = $0.05/GB); multipliers and bonuses: basis points (11 000 = 1.1×).
 */

/** An amount of money in micro-USD. */
export type MicroUsd = bigint;
/** A number of bytes. */
export type Bytes = bigint;
/** A ratio in basis points: 10 000 = 1×. */
export type Bps = bigint;

export const MICRO_USD_PER_USD = 1_000_000n;
export const BYTES_PER_GB = 1_000_000_000n;
export const BPS_DENOMINATOR = 10_000n;
/** The decimals of the payout token the ledger is denominated in. */
export const MICRO_USD_DECIMALS = 6;
/** The largest amount a `uint256` (and a `numeric(78,0)` column) holds. */
export const MAX_UINT256 = 2n ** 256n - 1n;

export class InvalidAmountError extends BaseError {
  override name = "InvalidAmountError";
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`Invalid amount "${input}": ${reason}.`);
    this.input = input;
  }
}

/** Parses a decimal USD string ("12.345678", "0.05", "3") into µUSD, exactly. */
export function parseUsd(usd: string): MicroUsd {
  const match = /^(-)?(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (!match) {
    const tooPrecise = /^-?\d+\.\d{7,}$/.test(usd.trim());
    throw new InvalidAmountError(
      usd,
      tooPrecise ? "more than 6 decimal places (finer than 1 µUSD)" : "expected a decimal number such as 12.50",
    );
  }
  const [, sign, whole, frac = ""] = match;
  const value = BigInt(whole!) * MICRO_USD_PER_USD + BigInt(frac.padEnd(6, "0"));
  return sign ? -value : value;
}

/** Formats µUSD as a decimal USD string with 6 decimals ("0.050000"). */
export function formatUsd(amountMicroUsd: MicroUsd): string {
  const negative = amountMicroUsd < 0n;
  const abs = negative ? -amountMicroUsd : amountMicroUsd;
  const whole = abs / MICRO_USD_PER_USD;
  const frac = (abs % MICRO_USD_PER_USD).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/**
 * Converts µUSD to base units of a USD token with `decimals` decimals: the one boundary
 * where other decimals meet the ledger. Rounds down (never pays more than owed) when the
 * token is coarser than 1 µUSD.
 */
export function microUsdToTokenUnits(amountMicroUsd: MicroUsd, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36)
    throw new InvalidAmountError(String(decimals), "token decimals must be an integer 0–36");
  const shift = decimals - MICRO_USD_DECIMALS;
  return shift >= 0 ? amountMicroUsd * 10n ** BigInt(shift) : amountMicroUsd / 10n ** BigInt(-shift);
}

/** Converts base units of a USD token with `decimals` decimals to µUSD, rounding down. */
export function tokenUnitsToMicroUsd(amount: bigint, decimals: number): MicroUsd {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36)
    throw new InvalidAmountError(String(decimals), "token decimals must be an integer 0–36");
  const shift = decimals - MICRO_USD_DECIMALS;
  return shift >= 0 ? amount / 10n ** BigInt(shift) : amount * 10n ** BigInt(-shift);
}

/** Parses a non-negative integer string (as carried in JSON) into a bigint, bounded by uint256. */
export function parseUint(input: string, what = "amount"): bigint {
  if (!/^(0|[1-9]\d{0,77})$/.test(input))
    throw new InvalidAmountError(input, `${what} must be a non-negative integer in base units`);
  const value = BigInt(input);
  if (value > MAX_UINT256) throw new InvalidAmountError(input, `${what} exceeds 2^256 − 1`);
  return value;
}
