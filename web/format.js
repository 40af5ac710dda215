// Formatting for the dashboard. Money is µUSD as decimal strings from the API and is only
// ever handled as BigInt here: no floating point touches an amount.

const MICRO = 1_000_000n;

/**
 * µUSD (decimal string or bigint) as dollars, exact: "$450.00", "$1.234567".
 * @param {string | bigint | null | undefined} microUsd
 */
export function usd(microUsd) {
  if (microUsd === null || microUsd === undefined) return "—";
  const v = BigInt(microUsd);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = (a / MICRO).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let frac = (a % MICRO).toString().padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${neg ? "−" : ""}$${whole}.${frac}`;
}

/**
 * Bytes as GB (10^9, CDN convention), two decimals, floored.
 * @param {string | bigint | null | undefined} bytes
 */
export function gb(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const v = BigInt(bytes);
  const hundredths = (v * 100n) / 1_000_000_000n;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")} GB`;
}

/** @param {string | null | undefined} hex */
export function short(hex) {
  if (!hex) return "—";
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/**
 * Unix seconds (decimal string) as a UTC date-time.
 * @param {string | number | null | undefined} seconds
 */
export function time(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const d = new Date(Number(seconds) * 1000);
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
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
