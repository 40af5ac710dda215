// The Auditor view (#/auditor[/epoch/N]): takes in the reconciliation, money movements, epochs, the
// network's supporter vs CDN bytes (views/network.js) and ledger journals from GraphQL and renders them, each epoch's verification checked as it shows.
import { epochLabel, resolveWindows } from "../epochs.js";
import { html, raw, short, time, usd } from "../format.js";
import { gql } from "../gql.js";
import { $, chainModule, config, EPOCH_NOTE, explain, follow, say, view } from "../page.js";
import { asList, badge, hexCell, localPages, PAGE, pager, table, usdCell } from "../ui.js";
import { EPOCH_FIELDS, epochDetail, VERIFICATION, verificationSummary } from "./epoch-detail.js";
import { mountNetwork, networkCard } from "./network.js";

/** @typedef {import("../format.js").Raw} Raw */

/** @param {string | undefined} epochId */
export async function auditorView(epochId) {
  const data = await gql(`{
    reconciliation { fundedMicroUsd withdrawnMicroUsd claimedMicroUsd committedMicroUsd outstandingLiabilityMicroUsd
      expectedBalanceMicroUsd contractBalanceMicroUsd balanceBlock solvent balanced }
    fundings(first: 100) { from amountMicroUsd blockNumber blockTimestamp transactionHash }
    claims(first: 100) { account { id } recipient amountMicroUsd blockNumber blockTimestamp transactionHash epoch { epoch } }
    excessWithdrawals(first: 100) { to amountMicroUsd blockNumber blockTimestamp transactionHash }
    indexer { chainId contract blockNumber }
    latest: epochs(first: 1) { epoch }
  }`);
  const r = data.reconciliation;
  const movements = [
    ...data.fundings.map((/** @type {any} */ f) => ({ kind: "funded", who: f.from, ...f })),
    ...data.claims.map((/** @type {any} */ c) => ({
      kind: `claimed (epoch ${c.epoch.epoch})`,
      who: c.account.id,
      ...c,
    })),
    ...data.excessWithdrawals.map((/** @type {any} */ w) => ({ kind: "excess withdrawn", who: w.to, ...w })),
  ].sort((a, b) =>
    BigInt(b.blockNumber) > BigInt(a.blockNumber) ? 1 : BigInt(b.blockNumber) < BigInt(a.blockNumber) ? -1 : 0,
  );
  view().innerHTML = html`<section class="card">
      <h2>Auditor</h2>
      <form id="goto" class="row">
        <input id="epoch-input" placeholder="epoch number" inputmode="numeric" value="${epochId ?? ""}" />
        <button type="submit">Open epoch</button>
      </form>
      <p class="muted">
        Indexer at block ${data.indexer?.blockNumber ?? "—"} of chain ${data.indexer?.chainId ?? config.chainId},
        distributor <code>${data.indexer?.contract ?? config.distributor}</code>. Recompute any epoch yourself with
        <code>npx ledger verify-epoch N --api ${location.origin} --rpc RPC_URL</code>.
      </p>
      <p class="muted small">${EPOCH_NOTE}</p>
    </section>
    <div id="epoch-detail"></div>
    <section class="card">
      <h3>
        Reconciliation ${badge(r.solvent ? "solvent" : "insolvent")} ${badge(r.balanced ? "balanced" : "unbalanced")}
      </h3>
      <div class="totals">
        ${[
          ["funded", r.fundedMicroUsd],
          ["withdrawn", r.withdrawnMicroUsd],
          ["claimed", r.claimedMicroUsd],
          ["committed", r.committedMicroUsd],
          ["outstanding liability", r.outstandingLiabilityMicroUsd],
          ["expected balance", r.expectedBalanceMicroUsd],
          ["contract balance", r.contractBalanceMicroUsd],
        ].map(
          ([k, v]) =>
            html`<div class="total">
              <div class="label">${k}</div>
              <div class="value" title="${v ?? ""} µUSD">${usd(v)}</div>
            </div>`,
        )}
      </div>
    </section>
    ${networkCard()}
    <section class="card">
      <h3>Epochs</h3>
      <div id="epochs-box"></div>
    </section>
    <section class="card">
      <h3>On-chain money movements</h3>
      <p class="muted small">Fundings, claims and withdrawals of excess, newest first.</p>
      <div id="movements"></div>
    </section>
    <section class="card">
      <h3>Double-entry ledger</h3>
      <p class="muted small">
        The coordinator's journals in µUSD, oldest first: accruals when an epoch is computed, reversals of vetoed
        attempts, payouts when a claim is indexed. Every journal balances.
      </p>
      <div id="ledger"></div>
    </section>`.html;
  $("#goto").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = /** @type {HTMLInputElement} */ ($("#epoch-input")).value.trim();
    if (!/^\d{1,19}$/.test(v)) {
      say("error", `"${v.slice(0, 40)}" is not an epoch number: use a whole number such as 2.`);
      return;
    }
    location.hash = `#/auditor/epoch/${v}`;
  });
  await Promise.all([
    pager($("#epochs-box"), "auditor:epochs", epochsPage, renderEpochs),
    pager($("#movements"), "auditor:movements", localPages(movements, PAGE), renderMovements),
    pager($("#ledger"), "auditor:ledger", ledgerPage, renderLedger),
    mountNetwork().catch((err) => say("error", explain(err))),
  ]);
  if (epochId !== undefined) await epochDetail(epochId, data.latest[0]?.epoch);
  follow(
    [{ query: "subscription { epochUpdated { epoch } }" }, { query: "subscription { claimed { id } }" }],
    () => void auditorView(epochId).catch((err) => say("error", explain(err))),
  );
}

/** @param {string | null} after */
async function epochsPage(after) {
  const d = await gql(
    `query ($after: String) { epochsConnection(first: ${PAGE}, after: $after) {
      edges { node { ${EPOCH_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    { after },
  );
  return { rows: asList(d.epochsConnection), ...d.epochsConnection.pageInfo };
}

/** @param {any[]} epochs */
function renderEpochs(epochs) {
  queueMicrotask(() => void verifyEpochs(epochs));
  return html`${table(
    epochs,
    [
      ["epoch", (e) => html`<a href="#/auditor/epoch/${e.epoch}">epoch ${e.epoch}</a>`],
      ["coordinator epoch", (e) => (e.oracle ? e.oracle.epoch : "—")],
      ["status", (e) => badge(e.status)],
      ["verification", () => html`${badge("pending", "checking…")}`, "verification"],
      ["root", (e) => hexCell(e.root)],
      ["cumulative total", (e) => usdCell(e.cumulativeTotalMicroUsd), "r"],
      ["claimed", (e) => usdCell(e.claimedMicroUsd), "r"],
      ["signers", (e) => e.signers.length, "r"],
      ["proposals", (e) => e.proposalCount, "r"],
      ["dispute window ends", (e) => time(e.validAt)],
    ],
    {
      id: "epochs",
      empty: "No epoch has been proposed on-chain yet.",
      rowAttrs: (e) => raw(`data-epoch="${e.epoch}"`),
    },
  )}`;
}

/**
 * The verification column: the server's recomputation from the stored dataset (one epoch per
 * request: the server recomputes at most 2 per request), or, where it has no dataset, the API's
 * root and status against the contract's `epochRecord`, read in this browser.
 * @param {any[]} epochs
 */
async function verifyEpochs(epochs) {
  const STATUS = ["None", "Pending", "Finalized", "Vetoed"];
  const setCell = (/** @type {string} */ epoch, /** @type {Raw} */ content) => {
    const td = document.querySelector(`tr[data-epoch="${epoch}"] td.verification`);
    if (td) td.innerHTML = content.html;
  };
  /** @type {any} */
  let chain;
  for (const e of epochs) {
    let v = null;
    try {
      v = (await gql(`query ($id: ID!) { epoch(id: $id) { ${VERIFICATION} } }`, { id: e.epoch })).epoch?.verification;
    } catch {
      v = null;
    }
    if (v && v.datasetAvailable) {
      setCell(e.epoch, verificationSummary(v, e.status));
      continue;
    }
    try {
      chain ??= await chainModule();
      chain.reader(config);
      const rec = await chain.epochRecord(config, BigInt(e.epoch));
      const rootOk = rec.root === e.root || e.status === "Vetoed";
      const statusOk = STATUS[rec.status] === e.status;
      setCell(
        e.epoch,
        rootOk && statusOk
          ? html`${badge("match", "✓ matches chain")}
              <div class="sub">root and status read from the contract</div>`
          : html`${badge("differ", "✗ chain differs")}
              <div class="sub">chain says ${STATUS[rec.status]} ${short(rec.root)}</div>`,
      );
    } catch (err) {
      setCell(
        e.epoch,
        html`${badge("unknown", "not checked")}
          <div class="sub">${explain(err).slice(0, 80)}</div>`,
      );
    }
  }
}

/** @param {any[]} rows */
function renderMovements(rows) {
  return table(
    rows,
    [
      ["what", (m) => m.kind],
      ["account", (m) => hexCell(m.who)],
      ["amount", (m) => usdCell(m.amountMicroUsd), "r"],
      ["block", (m) => m.blockNumber, "r"],
      ["at", (m) => time(m.blockTimestamp)],
      ["transaction", (m) => hexCell(m.transactionHash)],
    ],
    { id: "movements-table", empty: "No funding, claim or withdrawal yet." },
  );
}

/** @param {string | null} after */
async function ledgerPage(after) {
  const d = await gql(
    `query ($after: String) { ledgerEntries(first: ${PAGE}, after: $after) {
      edges { node { journalId epoch attempt kind memo createdAt account accountKind holder debitMicroUsd creditMicroUsd } }
      pageInfo { hasNextPage endCursor } } }`,
    { after },
  );
  const rows = asList(d.ledgerEntries);
  await resolveWindows(rows.map((/** @type {any} */ l) => l.epoch));
  return { rows, ...d.ledgerEntries.pageInfo };
}

/** @param {any[]} rows */
function renderLedger(rows) {
  const accountName = (/** @type {any} */ l) => {
    const [code] = String(l.account).split(":");
    return l.holder ? html`${code} ${hexCell(l.holder)}` : code;
  };
  return table(
    rows,
    [
      ["journal", (l) => l.journalId, "r"],
      ["epoch", (l) => epochLabel(l.epoch)],
      ["kind", (l) => l.kind],
      ["account", accountName],
      ["debit", (l) => (l.debitMicroUsd === "0" ? "" : usdCell(l.debitMicroUsd)), "r"],
      ["credit", (l) => (l.creditMicroUsd === "0" ? "" : usdCell(l.creditMicroUsd)), "r"],
      ["memo", (l) => html`<span class="clip" title="${l.memo}">${l.memo}</span>`],
      ["at", (l) => time(l.createdAt)],
    ],
    { id: "ledger-table", empty: "No journal yet: the oracle books one when it computes an epoch." },
  );
}
