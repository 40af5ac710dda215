// Statements people can keep (issue 19): a supporter's statements (one row per epoch) and claims
// (one row per claim) as CSV, every amount twice: in USD as an exact decimal and in µUSD as the
// API gives it. Amounts stay digit strings (format.js `decimalParts`): no float touches them.
import { decimalParts } from "./format.js";

/**
 * µUSD (an integer or exact decimal string) as plain USD for a spreadsheet: no grouping, no
 * symbol, at least two decimals, every digit kept: "1759.75005" → "0.00175975005".
 * @param {string | bigint | null | undefined} microUsd
 */
export function csvUsd(microUsd) {
  if (microUsd === null || microUsd === undefined || microUsd === "") return "";
  const p = decimalParts(microUsd, -6);
  return `${p.neg ? "-" : ""}${p.int}.${p.frac.padEnd(2, "0")}`;
}

/**
 * One CSV cell (RFC 4180 quoting; text a spreadsheet would run as a formula gets a leading ').
 * @param {unknown} v
 */
function cell(v) {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * @template T
 * @param {[string, (row: T) => unknown][]} cols
 * @param {T[]} rows
 */
function csv(cols, rows) {
  const lines = [cols.map(([h]) => cell(h)).join(",")];
  for (const r of rows) lines.push(cols.map(([, f]) => cell(f(r))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** @param {string} name @param {(row: any) => unknown} get @returns {[string, (row: any) => unknown][]} */
const amount = (name, get) => [
  [`${name}_usd`, (r) => csvUsd(/** @type {any} */ (get(r)))],
  [`${name}_micro_usd`, get],
];

/** The fields a statement row needs (`Supporter.statements`). */
export const STATEMENT_CSV_FIELDS = `epoch chainEpoch epochStatus account rateCardVersion receipts claimedBytes
  countedBytes withheldBytes ratePerGbMicroUsd baseMicroUsd multiplierBps uptimeBps uptimeBonusBps exactMicroUsd
  earnedMicroUsd proRata { numerator denominator } payoutMicroUsd previousCumulativeMicroUsd cumulativeMicroUsd`;

/** The fields a claim row needs (`Supporter.claims`). */
export const CLAIM_CSV_FIELDS = `id account { id } recipient amountMicroUsd cumulativeClaimedMicroUsd relayer relayerFeeMicroUsd
  blockNumber blockTimestamp transactionHash epoch { epoch }`;

/**
 * One row per epoch, oldest first.
 * @param {any[]} statements as `Supporter.statements` gives them (any order)
 */
export function statementsCsv(statements) {
  const rows = [...statements].sort((a, b) => (BigInt(a.epoch) < BigInt(b.epoch) ? -1 : 1));
  return csv(
    [
      ["epoch", (s) => s.chainEpoch ?? ""],
      ["coordinator_epoch", (s) => s.epoch],
      ["epoch_status", (s) => s.epochStatus],
      ["account", (s) => s.account],
      ["rate_card_version", (s) => s.rateCardVersion],
      ["receipts", (s) => s.receipts],
      ["claimed_bytes", (s) => s.claimedBytes],
      ["counted_bytes", (s) => s.countedBytes],
      ["withheld_bytes", (s) => s.withheldBytes],
      ...amount("rate_per_gb", (s) => s.ratePerGbMicroUsd),
      ...amount("base", (s) => s.baseMicroUsd),
      ["multiplier_bps", (s) => s.multiplierBps],
      ["uptime_bps", (s) => s.uptimeBps],
      ["uptime_bonus_bps", (s) => s.uptimeBonusBps],
      ...amount("exact", (s) => s.exactMicroUsd),
      ...amount("earned", (s) => s.earnedMicroUsd),
      ["pro_rata", (s) => (s.proRata ? `${s.proRata.numerator}/${s.proRata.denominator}` : "")],
      ...amount("payout", (s) => s.payoutMicroUsd),
      ...amount("previous_cumulative", (s) => s.previousCumulativeMicroUsd),
      ...amount("cumulative", (s) => s.cumulativeMicroUsd),
    ],
    rows,
  );
}

/** Unix seconds (or an ISO string) as ISO 8601 UTC. @param {string | null | undefined} when */
const isoTime = (when) =>
  when === null || when === undefined || when === ""
    ? ""
    : /^\d+$/.test(String(when))
      ? new Date(Number(when) * 1000).toISOString()
      : String(when);

/**
 * One row per claim, oldest first.
 * @param {any[]} claims as `Supporter.claims` gives them (any order)
 */
export function claimsCsv(claims) {
  const rows = [...claims].sort((a, b) => {
    const d = BigInt(a.cumulativeClaimedMicroUsd) - BigInt(b.cumulativeClaimedMicroUsd);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
  return csv(
    [
      ["epoch", (c) => c.epoch?.epoch ?? ""],
      ["time_utc", (c) => isoTime(c.blockTimestamp)],
      ["block", (c) => c.blockNumber],
      ["transaction", (c) => c.transactionHash],
      ["account", (c) => c.account?.id ?? ""],
      ["recipient", (c) => c.recipient],
      ...amount("amount", (c) => c.amountMicroUsd),
      ...amount("cumulative_claimed", (c) => c.cumulativeClaimedMicroUsd),
      ["relayer", (c) => c.relayer ?? ""],
      ...amount("relayer_fee", (c) => (c.relayer ? c.relayerFeeMicroUsd : null)),
    ],
    rows,
  );
}
