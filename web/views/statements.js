// The Supporter view's itemized statements: takes in the supporter's address (pages of statements
// from GraphQL) and hands on each epoch's statement with its payout worked out step by step.
import { epochLabel } from "../epochs.js";
import { bytes, count, html, percent, ratePerGb, raw, times, usd } from "../format.js";
import { reasonOf } from "../reasons.js";
import { badge, bytesCell, hexCell, supporterPage, usdCell } from "../ui.js";

const STATEMENT_FIELDS = `epoch chainEpoch epochStatus account rateCardVersion receipts claimedBytes countedBytes
  withheldBytes ratePerGbMicroUsd baseMicroUsd founder multiplierBps uptimeBps uptimeTier uptimeBonusBps
  exactMicroUsd earnedMicroUsd proRata { numerator denominator } scaledFloorMicroUsd remainderMicroUsd
  payoutMicroUsd previousCumulativeMicroUsd cumulativeMicroUsd withheld { status reason receipts bytes }`;

/** @param {`0x${string}`} addr */
export function statementsPage(addr) {
  return (/** @type {string | null} */ after) => supporterPage(addr, "statements", STATEMENT_FIELDS, after);
}

/**
 * @param {any[]} statements
 */
export function renderStatements(statements) {
  if (statements.length === 0)
    return html`<p class="muted">
      No statement yet: the oracle writes one for each epoch it computes in which this supporter served bytes.
    </p>`;
  return html`<div class="table-wrap">
    <table id="statement-table" class="statements">
      <thead>
        <tr>
          <th>epoch</th>
          <th class="r">counted</th>
          <th class="r">rate</th>
          <th class="r">base</th>
          <th class="r">founder</th>
          <th class="r">uptime bonus</th>
          <th class="r">pro rata</th>
          <th class="r">payout</th>
          <th class="r">cumulative</th>
        </tr>
      </thead>
      ${statements.map(
        (st, i) =>
          html`<tbody data-statement="${st.chainEpoch ?? st.epoch}">
            <tr class="summary">
              <td>${epochLabel(st.epoch, st.chainEpoch)} ${statementStatus(st.epochStatus)}</td>
              <td class="r">${bytesCell(st.countedBytes)}</td>
              <td class="r">${ratePerGb(st.ratePerGbMicroUsd)}</td>
              <td class="r">${usdCell(st.baseMicroUsd)}</td>
              <td class="r">${times(st.multiplierBps)}</td>
              <td class="r">+${percent(st.uptimeBonusBps)}</td>
              <td class="r">${st.proRata ? "scaled" : "in full"}</td>
              <td class="r"><strong data-field="payout">${usd(st.payoutMicroUsd)}</strong></td>
              <td class="r">${usdCell(st.cumulativeMicroUsd)}</td>
            </tr>
            <tr class="breakdown">
              <td colspan="9">
                <details ${raw(i === 0 ? "open" : "")}>
                  <summary>How epoch ${st.chainEpoch ?? "?"}'s payout was computed</summary>
                  ${breakdown(st)}
                </details>
              </td>
            </tr>
          </tbody>`,
      )}
    </table>
  </div>`;
}

/**
 * The oracle status of a statement's epoch, in the supporter's words (nothing once finalized).
 * @param {string} status
 */
function statementStatus(status) {
  const words = {
    COMPUTED: "computed, not yet proposed",
    SIGNED: "signed, not yet proposed",
    POSTED: "in a proposed root: disputable",
    VETOED: "vetoed: being recomputed",
  };
  const w = /** @type {Record<string, string>} */ (words)[status];
  return w ? badge(status === "VETOED" ? "vetoed" : "pending", w) : "";
}

/**
 * One statement as the sum it is: rate × bytes → base; × founder multiplier; × (1 + uptime bonus)
 * → exact; ⌊exact⌋ → earned; pro-rata scale → payout; previous + payout → cumulative.
 * @param {any} st
 */
function breakdown(st) {
  const frac = st.proRata;
  const line = (/** @type {string} */ step, /** @type {unknown} */ what, /** @type {unknown} */ result, key = "") =>
    html`<tr>
      <th>${step}</th>
      <td>${what}</td>
      <td class="r" data-line="${key}">${result}</td>
    </tr>`;
  return html`<table class="sum">
      ${line(
        "Bytes counted",
        html`${
          st.withheldBytes === "0"
            ? html`all the ${bytes(st.claimedBytes)} your receipts claimed (${receiptsText(st.receipts)})`
            : html`${bytes(st.countedBytes)} of the ${bytes(st.claimedBytes)} your receipts claimed
              (${receiptsText(st.receipts)} counted)`
        }${
          BigInt(st.withheldBytes) > 0n
            ? html` · <strong>${bytes(st.withheldBytes)} withheld</strong> (reasons below)`
            : ""
        }`,
        html`<span title="${count(st.countedBytes)} bytes">${bytes(st.countedBytes)}</span>`,
        "counted",
      )}
      ${line(
        "Base",
        html`${bytes(st.countedBytes)} × ${ratePerGb(st.ratePerGbMicroUsd)} (rate card version ${st.rateCardVersion})`,
        usd(st.baseMicroUsd),
        "base",
      )}
      ${line(
        "Founder multiplier",
        st.founder ? html`founder node: ${times(st.multiplierBps)}` : html`not a founder: ${times(st.multiplierBps)}`,
        times(st.multiplierBps),
      )}
      ${line(
        "Uptime bonus",
        st.uptimeTier != null
          ? html`${percent(st.uptimeBps)} uptime reached tier ${st.uptimeTier + 1}: +${percent(st.uptimeBonusBps)}`
          : html`${percent(st.uptimeBps)} uptime: below every bonus tier`,
        `+${percent(st.uptimeBonusBps)}`,
      )}
      ${line(
        "Exact earnings",
        html`${usd(st.baseMicroUsd)} × ${decimalTimes(st.multiplierBps)} × ${decimalPlus(st.uptimeBonusBps)}`,
        usd(st.exactMicroUsd),
        "exact",
      )}
      ${line(
        "Earned",
        "rounded down to a whole µUSD (the fraction stays in the pool)",
        usd(st.earnedMicroUsd),
        "earned",
      )}
      ${line(
        "Pro-rata scale",
        frac
          ? html`the epoch's budget was short: × ${count(frac.numerator)} / ${count(frac.denominator)} (budget / Σ
            earned), rounded down${BigInt(st.remainderMicroUsd) > 0n ? ", plus 1 µUSD of the largest remainders" : ""}`
          : "paid in full: the epoch's budget covered every supporter",
        frac ? usd(BigInt(st.scaledFloorMicroUsd) + BigInt(st.remainderMicroUsd)) : "×1",
      )}
      ${line("Payout", html`<strong>what epoch ${st.chainEpoch ?? "?"} pays</strong>`, html`<strong>${usd(st.payoutMicroUsd)}</strong>`, "payout")}
      ${line(
        "Cumulative entitlement",
        html`${usd(st.previousCumulativeMicroUsd)} before + ${usd(st.payoutMicroUsd)} = the leaf of
        ${hexCell(st.account)} in the epoch's root`,
        usd(st.cumulativeMicroUsd),
        "cumulative",
      )}
    </table>
    ${
      st.withheld.length
        ? html`<h4>Withheld this epoch</h4>
            <ul class="reasons">
              ${st.withheld.map((/** @type {any} */ w) => reasonItem(w.reason, w.status, html`${receiptsText(w.receipts)}, ${bytes(w.bytes)}`))}
            </ul>`
        : ""
    }`;
}

/** "1 receipt", "3 receipts". @param {number | string} n */
const receiptsText = (n) => `${count(n)} ${String(n) === "1" ? "receipt" : "receipts"}`;

/** 11 000 bps → "1.1". @param {string} bps */
const decimalTimes = (bps) => times(bps).slice(1);

/** 500 bps → "1.05" (1 + bonus). @param {string} bps */
const decimalPlus = (bps) => times(String(10_000n + BigInt(bps))).slice(1);

/**
 * A reason code with what it means and what the supporter can do.
 * @param {string} code
 * @param {string} status
 * @param {unknown} [extra]
 */
export function reasonItem(code, status, extra = "") {
  const r = reasonOf(code);
  return html`<li data-reason="${code}">
    ${badge(status)} <code>${code}</code> <strong>${r.title}</strong>${extra ? html` · ${extra}` : ""}
    <div>${r.meaning}</div>
    <div class="action"><strong>What you can do:</strong> ${r.action}</div>
  </li>`;
}
