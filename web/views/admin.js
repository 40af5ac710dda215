// The Admin view (#/admin): takes in the epochs, vetoes, reconciliation and oracle record from
// GraphQL and renders the alerts, the admin's actions (./admin-acts.js: API-key actions and the audit
// log; ./admin-chain.js: pause and the timelock's changes from the wallet), governance, the epoch
// timeline, the oracle and the vetoes.
import { WINDOW_FIELDS } from "../epochs.js";
import { count, html, short, time, usd } from "../format.js";
import { gql } from "../gql.js";
import { $, EPOCH_NOTE, explain, follow, say, stopLive, view } from "../page.js";
import { asList, badge, hexCell, localPages, PAGE, pager, table, usdCell } from "../ui.js";
import { RATE_CARD_FIELDS, renderActs, wireActs } from "./admin-acts.js";
import { GOVERNANCE_FIELDS, renderGovernance, startCountdowns } from "./governance.js";

/** Re-reads the whole view from the API (after an action, or when a subscription delivers). */
const refresh = async () => {
  stopLive();
  await adminView();
};

export async function adminView() {
  const data = await gql(`{
    epochs(first: 100) { epoch status proposedAt validAt finalizedAt vetoedAt vetoReason proposalCount
      oracle { epoch } transactions { kind transactionHash blockNumber blockTimestamp } }
    rootVetoes(first: 50) { epoch { epoch } guardian reason blockTimestamp transactionHash }
    reconciliation { solvent balanced outstandingLiabilityMicroUsd contractBalanceMicroUsd expectedBalanceMicroUsd }
    indexer { blockNumber }
    oracleEpochs(first: 20) { edges { node { ${WINDOW_FIELDS} alert supporters payoutMicroUsd budgetMicroUsd proRata { numerator denominator } } } }
    ${GOVERNANCE_FIELDS}
    ${RATE_CARD_FIELDS}
  }`);
  const fetchedAt = Date.now() / 1000;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const r = data.reconciliation;
  const oracle = asList(data.oracleEpochs);
  /** @type {[string, string][]} */
  const alerts = [];
  if (!r.solvent)
    alerts.push([
      "bad",
      `Insolvent: the contract holds ${usd(r.contractBalanceMicroUsd)} against ${usd(r.outstandingLiabilityMicroUsd)} owed. Fund the pool.`,
    ]);
  if (!r.balanced)
    alerts.push([
      "warn",
      `The contract balance ${usd(r.contractBalanceMicroUsd)} differs from the books (${usd(r.expectedBalanceMicroUsd)}): tokens arrived outside fund().`,
    ]);
  if (!data.indexer) alerts.push(["warn", "The chain indexer has not indexed any block yet."]);
  for (const e of data.epochs)
    if (e.status === "Pending" && BigInt(e.validAt) <= now)
      alerts.push(["warn", `Epoch ${e.epoch}: the dispute window ended ${time(e.validAt)}; it can be finalized.`]);
  for (const v of data.rootVetoes)
    alerts.push(["bad", `Epoch ${v.epoch.epoch} was vetoed by ${short(v.guardian)}: ${v.reason}`]);
  if (data.governance?.timelock && !data.governance.timelock.isAdmin)
    alerts.push(["bad", "The distributor's admin is no longer the timelock: admin changes are not delayed."]);
  for (const op of data.governance?.operations ?? [])
    if (op.status === "READY") alerts.push(["warn", `A timelock change is ready to execute: ${op.description}.`]);
  for (const o of oracle)
    if (o.alert)
      alerts.push([
        "warn",
        `Coordinator epoch ${o.epoch}${o.chainEpoch ? ` (epoch ${o.chainEpoch})` : ""}: ${o.alert}`,
      ]);

  view().innerHTML = html`<section class="card">
      <h2>Admin</h2>
      <h3>Alerts ${badge(alerts.length ? "flag" : "ok", String(alerts.length))}</h3>
      ${
        alerts.length
          ? html`<ul class="alerts">
              ${alerts.map(([k, t]) => html`<li class="${k}">${t}</li>`)}
            </ul>`
          : html`<p class="muted">No alerts: solvent, balanced, nothing waiting.</p>`
      }
    </section>
    <section class="card" id="admin-acts">${renderActs(data.rateCardSchedule)}</section>
    ${data.governance ? html`<section class="card" id="safety"><p class="muted">Reading the pause state from the chain…</p></section>` : ""}
    <section class="card" id="governance">
      <h3>Governance</h3>
      <p class="act-status" hidden></p>
      ${renderGovernance(data.governance)}
    </section>
    <section class="card">
      <h3>Epoch timeline</h3>
      <p class="muted small">${EPOCH_NOTE}</p>
      <div id="timeline"></div>
    </section>
    <section class="card">
      <h3>Oracle</h3>
      <p class="muted small">The oracle's record of the newest coordinator epochs.</p>
      <div id="oracle-epochs"></div>
    </section>
    <section class="card">
      <h3>Vetoes</h3>
      ${table(
        data.rootVetoes,
        [
          ["epoch", (v) => `epoch ${v.epoch.epoch}`],
          ["guardian", (v) => hexCell(v.guardian)],
          ["reason", (v) => html`<span class="clip wide" title="${v.reason}">${v.reason}</span>`],
          ["at", (v) => time(v.blockTimestamp)],
          ["transaction", (v) => hexCell(v.transactionHash)],
        ],
        { empty: "No veto." },
      )}
    </section>`.html;
  await pager($("#timeline"), "admin:timeline", localPages(data.epochs, PAGE), renderTimeline);
  await pager($("#oracle-epochs"), "admin:oracle", localPages(oracle, PAGE), (rows) =>
    table(
      rows,
      [
        ["coordinator epoch", (o) => o.epoch, "r"],
        ["epoch", (o) => (o.chainEpoch ? `epoch ${o.chainEpoch}` : "—")],
        [
          "status",
          (o) =>
            badge(/FINALIZED/.test(o.status) ? "finalized" : /VETOED/.test(o.status) ? "vetoed" : "pending", o.status),
        ],
        ["window", (o) => `${time(o.startsAt)} – ${time(o.endsAt).slice(11)}`],
        ["supporters", (o) => count(o.supporters), "r"],
        ["payout", (o) => usdCell(o.payoutMicroUsd), "r"],
        ["budget", (o) => usdCell(o.budgetMicroUsd), "r"],
        ["scaled", (o) => (o.proRata ? "pro rata" : o.payoutMicroUsd != null ? "in full" : "—")],
      ],
      { empty: "The oracle has not recorded any epoch yet." },
    ),
  );
  startCountdowns(data.governance, fetchedAt);
  await wireActs($("#admin-acts"), data.rateCardSchedule, refresh);
  if (data.governance) await showSafety(data.governance);
  follow(
    [{ query: "subscription { epochUpdated { epoch } }" }, { query: "subscription { claimed { id } }" }],
    () => void refresh().catch((err) => say("error", explain(err))),
  );
}

/** The on-chain epochs, newest first, each with its transactions. @param {any[]} epochs */
function renderTimeline(epochs) {
  if (epochs.length === 0) return html`<p class="muted">No epoch has been proposed on-chain yet.</p>`;
  return html`<ol class="timeline">
    ${epochs.map(
      (e) =>
        html`<li data-epoch="${e.epoch}">
          <div class="when">
            epoch ${e.epoch} ${badge(e.status)}
            ${e.oracle ? html`<div class="sub">coordinator epoch ${e.oracle.epoch}</div>` : ""}
          </div>
          <div class="steps">
            ${e.transactions.map(
              (/** @type {any} */ t) =>
                html`<span class="step ${t.kind.toLowerCase()}" title="${t.transactionHash}"
                  >${t.kind} ${time(t.blockTimestamp)}</span
                >`,
            )}
            ${e.status === "Pending" ? html`<span class="step pending">dispute window until ${time(e.validAt)}</span>` : ""}
          </div>
        </li>`,
    )}
  </ol>`;
}

/** The pause panel and the pending changes' buttons (the chain module loads viem's bundle). @param {any} g */
async function showSafety(g) {
  const el = $("#safety");
  try {
    const chain = await import("./admin-chain.js");
    el.innerHTML = chain.renderSafety(g, await chain.readPaused()).html;
    chain.wireSafety(view(), g, async () => (await gql(`{ ${GOVERNANCE_FIELDS} }`)).governance, refresh);
  } catch (err) {
    el.innerHTML = html`<h3>Pause</h3>
      <p class="message error">${explain(err)}</p>`.html;
  }
}
