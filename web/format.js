// Formatting for the dashboard. Amounts come from the API as decimal strings — integers
// ("450000000" µUSD) and exact decimals alike (a statement's `exactMicroUsd` is "1759.75") — and
// are only ever handled as digit strings and BigInt here: no floating point touches an amount,
// and no digit is lost.

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * An exact decimal number (bigint, integer or decimal string) times 10^shift, as its parts:
 * `{ neg, int, frac }` with no leading zeros in `int` (but "0") and no trailing zeros in `frac`.
 * Throws a TypeError on anything that is not a plain decimal number (a bug, not user input).
 * @param {string | bigint | number} value
 * @param {number} [shift] decimal places to move the point: -6 turns µUSD into USD
 * @returns {{ neg: boolean, int: string, frac: string }}
 * @example decimalParts("1759.75", -6) // { neg: false, int: "0", frac: "00175975" }
 */
export function decimalParts(value, shift = 0) {
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new TypeError(`not an exact number: ${value}`);
  const m = DECIMAL_RE.exec(String(value).trim());
  if (!m) throw new TypeError(`not a decimal number: ${String(value).slice(0, 40)}`);
  let digits = (m[2] ?? "") + (m[3] ?? "");
  let point = (m[2] ?? "").length + shift; // the point sits after `point` digits of `digits`
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, "0");
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  const frac = digits.slice(point).replace(/0+$/, "");
  const zero = /^0$/.test(int) && frac === "";
  return { neg: m[1] === "-" && !zero, int, frac };
}

/** "1234567" → "1,234,567". @param {string} int */
const group = (int) => int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * An exact decimal number, formatted: thousands grouped, at least `minFrac` fraction digits, and
 * every significant digit kept unless `maxFrac` cuts (floors towards zero) the fraction.
 * @param {string | bigint | number} value
 * @param {{ shift?: number, minFrac?: number, maxFrac?: number }} [o]
 * @example decimal("1759.75", { shift: -6 }) // "0.00175975"
 */
export function decimal(value, o = {}) {
  const p = decimalParts(value, o.shift ?? 0);
  let frac = o.maxFrac === undefined ? p.frac : p.frac.slice(0, o.maxFrac).replace(/0+$/, "");
  frac = frac.padEnd(o.minFrac ?? 0, "0");
  const zero = p.int === "0" && /^0*$/.test(frac);
  return `${p.neg && !zero ? "−" : ""}${group(p.int)}${frac ? `.${frac}` : ""}`;
}

/**
 * µUSD (bigint, integer or exact decimal string) as dollars, exact: "$450.00", "$0.00175975".
 * @param {string | bigint | null | undefined} microUsd
 */
export function usd(microUsd) {
  if (microUsd === null || microUsd === undefined || microUsd === "") return "—";
  const s = decimal(microUsd, { shift: -6, minFrac: 2 });
  return s.startsWith("−") ? `−$${s.slice(1)}` : `$${s}`;
}

/**
 * A µUSD-per-GB rate as dollars per GB: "$0.05 / GB".
 * @param {string | bigint | null | undefined} microUsdPerGb
 */
export function ratePerGb(microUsdPerGb) {
  return microUsdPerGb === null || microUsdPerGb === undefined ? "—" : `${usd(microUsdPerGb)} / GB`;
}

const BYTE_UNITS = ["B", "kB", "MB", "GB"];

/**
 * Bytes in human units (10^3 steps, 1 GB = 10^9 bytes as CDNs bill): the largest unit that
 * leaves a whole part of at least 1, up to 2 decimals (floored, so never more than served):
 * "0 B", "512 B", "1.23 MB", "900 MB", "1,234.5 GB".
 * @param {string | bigint | null | undefined} count
 */
export function bytes(count) {
  if (count === null || count === undefined || count === "") return "—";
  const v = BigInt(count);
  const a = v < 0n ? -v : v;
  let unit = 0;
  while (unit < BYTE_UNITS.length - 1 && a >= 1000n ** BigInt(unit + 1)) unit++;
  return `${decimal(v, { shift: -3 * unit, maxFrac: unit === 0 ? 0 : 2 })} ${BYTE_UNITS[unit]}`;
}

/**
 * Basis points as a percentage, exact: 500 → "5 %", 9_950 → "99.5 %".
 * @param {string | bigint | null | undefined} bps
 */
export function percent(bps) {
  return bps === null || bps === undefined ? "—" : `${decimal(bps, { shift: -2 })} %`;
}

/**
 * Basis points as a multiplier, exact: 11 000 → "×1.1", 10 000 → "×1".
 * @param {string | bigint | null | undefined} bps
 */
export function times(bps) {
  return bps === null || bps === undefined ? "—" : `×${decimal(bps, { shift: -4 })}`;
}

/**
 * A whole number with thousands grouped: 1234567 → "1,234,567".
 * @param {string | bigint | number | null | undefined} n
 */
export function count(n) {
  return n === null || n === undefined ? "—" : decimal(n);
}

/** @param {string | null | undefined} hex */
export function short(hex) {
  if (!hex) return "—";
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/**
 * Unix seconds (decimal string) or an ISO 8601 string as a UTC date-time.
 * @param {string | number | null | undefined} when
 */
export function time(when) {
  if (when === null || when === undefined || when === "") return "—";
  const d = /^\d+$/.test(String(when)) ? new Date(Number(when) * 1000) : new Date(String(when));
  if (Number.isNaN(d.getTime())) return "—";
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/**
 * Whole seconds as "1 d 2 h", "59 min 58 s", "12 s" (the two largest units).
 * @param {number} seconds
 */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const parts = /** @type {[number, string][]} */ ([
    [Math.floor(s / 86_400), "d"],
    [Math.floor((s % 86_400) / 3_600), "h"],
    [Math.floor((s % 3_600) / 60), "min"],
    [s % 60, "s"],
  ]);
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return "0 s";
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(" ");
}

/**
 * Escapes text for HTML.
 * @param {unknown} s
 */
export function esc(s) {
  return String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/**
 * A tagged template that escapes every interpolation unless it is `raw(...)`.
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 */
export function html(strings, ...values) {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    if (Array.isArray(v)) out += v.map((x) => (x instanceof Raw ? x.html : esc(x))).join("");
    else out += v instanceof Raw ? v.html : esc(v);
    out += strings[i + 1] ?? "";
  });
  return new Raw(out);
}

export class Raw {
  /** @param {string} html */
  constructor(html) {
    this.html = html;
  }
  toString() {
    return this.html;
  }
}

/** @param {string} s */
export const raw = (s) => new Raw(s);
