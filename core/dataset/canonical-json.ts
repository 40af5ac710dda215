/**
 * The dataset's canonical JSON: takes any value and hands on its canonical string (sorted keys,
 * bigints as decimal strings, hex lower-cased), a string-free equality on that form, and the
 * reviver that turns the decimal strings of known fields back into bigints.
 */

/** Canonical JSON of a value: sorted keys, bigints as decimal strings, hex lower-cased, no `undefined`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(toCanonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = toCanonical(v);
    }
    return out;
  }
  return value;
}

/**
 * Whether `canonicalJson(a) === canonicalJson(b)`, compared directly (no strings built): for
 * comparing recomputed outputs with published ones at a million receipts.
 */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "bigint" || ta === "string" || tb === "bigint" || tb === "string") {
    if ((ta !== "bigint" && ta !== "string") || (tb !== "bigint" && tb !== "string")) return false;
    return toCanonical(a) === toCanonical(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!canonicalEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (a !== null && b !== null && ta === "object" && tb === "object") {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    let na = 0;
    for (const key in ra) {
      if (!Object.hasOwn(ra, key) || ra[key] === undefined) continue;
      na++;
      if (!Object.hasOwn(rb, key) || !canonicalEqual(ra[key], rb[key])) return false;
    }
    let nb = 0;
    for (const key in rb) if (Object.hasOwn(rb, key) && rb[key] !== undefined) nb++;
    return na === nb;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fields whose decimal strings are bigints when read back (every other string stays a string). */
const BIGINT_FIELDS = new Set([
  "epoch",
  "epochStart",
  "epochEnd",
  "budgetMicroUsd",
  "heartbeatIntervalSeconds",
  "bitrateToleranceBps",
  "bitrateBurstSeconds",
  "offlineToleranceSeconds",
  "outlierMedianMultiple",
  "outlierMinBytes",
  "maxBitsPerSecond",
  "notBefore",
  "notAfter",
  "seq",
  "cumulativeBytes",
  "countedBytes",
  "claimedBytes",
  "timestamp",
  "effectiveEpoch",
  "issuedAt",
  "fromEpoch",
  "version",
  "chainEpoch",
  "founderCountedBytes",
  "nonce",
  "amount",
  "slotsUp",
  "slots",
  "uptimeBps",
  "rateCardVersion",
  "ratePerGbMicroUsd",
  "multiplierBps",
  "uptimeBonusBps",
  "earnedMicroUsd",
  "scaledFloorMicroUsd",
  "remainderMicroUsd",
  "payoutMicroUsd",
  "previousCumulativeMicroUsd",
  "cumulativeMicroUsd",
  "unallocatedMicroUsd",
  "numerator",
  "denominator",
  "bytes",
  "medianBytes",
  "thresholdBytes",
]);

/** `JSON.parse` reviver: the decimal strings of `BIGINT_FIELDS` back to `bigint`s. */
export function revive(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === "string" && BIGINT_FIELDS.has(key) && /^-?(0|[1-9]\d*)$/.test(value)) return BigInt(value);
  return value;
}
