// The Supporter view's flagged receipts, receipts (with the in-browser inclusion check) and claims:
// takes in the supporter's address, fetches pages from GraphQL and hands on their tables.
import { epochLabel, resolveWindows, windows } from "../epochs.js";
import { bytes, html, short, time } from "../format.js";
import { gql } from "../gql.js";
import { config, explain, receiptCheckModule } from "../page.js";
import { reasonOf, STATUSES } from "../reasons.js";
import { asList, badge, bytesCell, hexCell, PAGE, supporterPage, table, usdCell } from "../ui.js";
import { reasonItem } from "./statements.js";

/** @param {`0x${string}`} addr */
export function flaggedPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const d = await gql(
      `query ($a: Bytes!, $after: String) { supporter(address: $a) {
        flaggedReceipts(first: ${PAGE}, after: $after) { edges { node { epoch sessionId supporter seq status reasons claimedBytes countedBytes } }
          pageInfo { hasNextPage endCursor } }
        receipts(first: 100) { edges { node { epoch sessionId supporter seq cumulativeBytes deltaBytes timestamp verdict reason } } }
      } }`,
      { a: addr, after },
    );
    const c = d.supporter.flaggedReceipts;
    const rows = asList(c);
    // Receipts held at ingest (stored as duplicates, e.g. NON_MONOTONIC) of epochs not computed
    // yet: the epoch-close verdicts above do not list them until their epoch closes.
    const held = asList(d.supporter.receipts).filter((/** @type {any} */ r) => r.verdict !== "accepted");
    await resolveWindows([...rows, ...held].map((r) => r.epoch));
    const atIngest =
      after === null
        ? held
            .filter((/** @type {any} */ r) => !windows.get(String(r.epoch))?.chainEpoch)
            .map((/** @type {any} */ r) => ({
              epoch: r.epoch,
              sessionId: r.sessionId,
              supporter: r.supporter,
              seq: r.seq,
              status: r.verdict,
              reasons: r.reason ? [r.reason] : [],
              claimedBytes: null,
              countedBytes: "0",
              atIngest: true,
            }))
        : [];
    const all = [...atIngest, ...rows];
    const fc = document.getElementById("flag-count");
    if (fc)
      fc.innerHTML = badge(all.length ? "flagged" : "ok", `${all.length}${c.pageInfo.hasNextPage ? "+" : ""}`).html;
    return { rows: all, ...c.pageInfo };
  };
}

/** @param {any[]} rows */
export function renderFlagged(rows) {
  if (rows.length === 0) return html`<p class="muted">No receipt was flagged, clipped or a duplicate.</p>`;
  /** @type {Map<string, string>} */
  const codes = new Map();
  for (const r of rows) for (const code of r.reasons) codes.set(code, r.status);
  return html`${table(
      rows,
      [
        ["epoch", (r) => epochLabel(r.epoch)],
        ["session", (r) => hexCell(r.sessionId)],
        ["seq", (r) => r.seq, "r"],
        ["node", (r) => hexCell(r.supporter)],
        ["verdict", (r) => html`${badge(r.status)}${r.atIngest ? html` <span class="sub">at ingest</span>` : ""}`],
        [
          "reason",
          (r) =>
            r.reasons.length
              ? r.reasons.map((/** @type {string} */ c) => html`<code title="${reasonOf(c).meaning}">${c}</code> `)
              : "—",
        ],
        ["claimed", (r) => bytesCell(r.claimedBytes), "r"],
        ["counted", (r) => bytesCell(r.countedBytes), "r"],
      ],
      { id: "flagged-table" },
    )}
    <h4>What the reasons mean</h4>
    <ul class="reasons">
      ${[...codes].map(([code, status]) => reasonItem(code, status, STATUSES[status] ?? ""))}
    </ul>`;
}

const RECEIPT_FIELDS = "epoch sessionId supporter viewer seq cumulativeBytes deltaBytes timestamp verdict reason";

/** @param {`0x${string}`} addr */
export function receiptsPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const page = await supporterPage(addr, "receipts", RECEIPT_FIELDS, after);
    await resolveWindows(page.rows.map((/** @type {any} */ r) => r.epoch));
    return page;
  };
}

/** The receipts shown, by row key, for the Check inclusion buttons. @type {Map<string, any>} */
const listedReceipts = new Map();

/** @param {any} r */
const receiptKey = (r) => `${r.sessionId}:${r.supporter}:${r.seq}`;

/** @param {any[]} rows */
export function renderReceipts(rows) {
  if (rows.length === 0)
    return html`<p class="muted">No receipt yet: the nodes of this supporter have submitted none.</p>`;
  for (const r of rows) listedReceipts.set(receiptKey(r), r);
  return html`<div class="table-wrap">
    <table id="receipts-table">
      <thead>
        <tr>
          <th>epoch</th>
          <th>session</th>
          <th class="r">seq</th>
          <th>node</th>
          <th class="r">served (cumulative)</th>
          <th class="r">added</th>
          <th>at ingest</th>
          <th>inclusion</th>
        </tr>
      </thead>
      ${rows.map(
        (r) =>
          html`<tbody data-receipt="${receiptKey(r)}">
            <tr>
              <td>${epochLabel(r.epoch)}</td>
              <td>${hexCell(r.sessionId)}</td>
              <td class="r">${r.seq}</td>
              <td>${hexCell(r.supporter)}</td>
              <td class="r">${bytesCell(r.cumulativeBytes)}</td>
              <td class="r">${bytesCell(r.deltaBytes)}</td>
              <td>${badge(r.verdict)}${r.reason ? html` <code>${r.reason}</code>` : ""}</td>
              <td><button type="button" class="inline" data-check="${receiptKey(r)}">Check inclusion</button></td>
            </tr>
            <tr class="inclusion-row" hidden>
              <td colspan="8"><div class="result inclusion" data-inclusion="${receiptKey(r)}"></div></td>
            </tr>
          </tbody>`,
      )}
    </table>
  </div>`;
}

/**
 * One click handler for every Check inclusion button of the receipts list (re-rendered by the pager).
 * @param {HTMLElement} el
 */
export function wireReceiptChecks(el) {
  el.addEventListener("click", async (e) => {
    const btn = /** @type {HTMLElement} */ (e.target).closest("button[data-check]");
    if (!(btn instanceof HTMLButtonElement)) return;
    const key = btn.dataset.check ?? "";
    const r = listedReceipts.get(key);
    const out = /** @type {HTMLElement | null} */ (
      [...el.querySelectorAll("[data-inclusion]")].find(
        (d) => /** @type {HTMLElement} */ (d).dataset.inclusion === key,
      ) ?? null
    );
    if (!r || !out) return;
    btn.disabled = true;
    /** @type {HTMLElement} */ (out.closest("tr")).hidden = false;
    out.className = "result inclusion";
    out.textContent = "Checking against the chain…";
    try {
      const check = await (await receiptCheckModule()).checkReceipt(config, r);
      out.className = `result inclusion ${check.ok ? "good" : "bad"}`;
      out.dataset.ok = String(check.ok);
      out.dataset.receiptId = check.receiptId;
      out.dataset.leaf = check.leaf ?? "";
      out.dataset.computedRoot = check.computedRoot ?? "";
      out.dataset.receiptsRoot = check.receiptsRoot ?? "";
      const source = check.via
        ? html`<div class="sub">
            receiptsRoot read through
            ${check.via}${
              check.trustsServer ? " (this server relays it: connect a wallet to trust no server at all)" : ""
            }
          </div>`
        : "";
      out.innerHTML = check.ok
        ? html`<strong>✓ Included in the on-chain receiptsRoot of epoch ${check.chainEpoch}</strong>
            (${check.status?.toLowerCase()}), counted ${bytes(check.countedBytes)}: leaf
            <code title="${check.leaf}">${short(check.leaf)}</code> → root
            <code title="${check.receiptsRoot}">${short(check.receiptsRoot)}</code>.${source}`.html
        : html`<strong>✗ ${check.reason}</strong>${source}
            <div class="action">
              To check again from a terminal, against an RPC you choose:
              <code
                >npx ledger verify-receipt --epoch ${check.chainEpoch ?? "N"} --receipt ${check.receiptId} --api
                ${location.origin} --rpc RPC_URL</code
              >
            </div>`.html;
    } catch (err) {
      out.className = "result inclusion bad";
      out.dataset.ok = "false";
      out.textContent = explain(err);
    } finally {
      btn.disabled = false;
    }
  });
}

/** @param {`0x${string}`} addr */
export function claimsPage(addr) {
  return (/** @type {string | null} */ after) =>
    supporterPage(
      addr,
      "claims",
      `id recipient amountMicroUsd cumulativeClaimedMicroUsd relayer relayerFeeMicroUsd blockTimestamp transactionHash
        epoch { epoch }`,
      after,
    );
}

/** @param {any[]} rows */
export function renderClaims(rows) {
  return table(
    rows,
    [
      ["epoch", (c) => `epoch ${c.epoch.epoch}`],
      ["amount", (c) => usdCell(c.amountMicroUsd), "r"],
      ["claimed in total", (c) => usdCell(c.cumulativeClaimedMicroUsd), "r"],
      ["paid to", (c) => hexCell(c.recipient)],
      ["relayer fee", (c) => (c.relayer ? usdCell(c.relayerFeeMicroUsd) : "—"), "r"],
      ["at", (c) => time(c.blockTimestamp)],
      ["transaction", (c) => hexCell(c.transactionHash)],
    ],
    { id: "claims-table", empty: "Nothing claimed yet." },
  );
}
