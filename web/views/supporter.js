// The Supporter view (#/supporter[/0xADDRESS]): takes in an address, asks GraphQL for its totals,
// nodes (with their heartbeats and uptime) and proof, and renders the page around its paged lists, live on the supporter's updates.
import { chartBox } from "../chart.js";
import { RATE_CARD_FIELDS, rememberWindows, resolveWindows, WINDOW_FIELDS, windows } from "../epochs.js";
import { bytes, html, raw, short } from "../format.js";
import { DashboardError, gql } from "../gql.js";
import {
  $,
  chainModule,
  config,
  EPOCH_NOTE,
  explain,
  follow,
  say,
  setWalletAccount,
  view,
  walletAccount,
} from "../page.js";
import { CLAIM_CSV_FIELDS, claimsCsv, STATEMENT_CSV_FIELDS, statementsCsv } from "../statements-csv.js";
import { asList, badge, pager, pagerCursors } from "../ui.js";
import { renderStatements, statementsPage } from "./statements.js";
import { earningsChart, rateCardPanel, totalsCards, uptimeChart } from "./supporter-cards.js";
import {
  claimsPage,
  flaggedPage,
  receiptsPage,
  renderClaims,
  renderFlagged,
  renderReceipts,
  wireReceiptChecks,
} from "./supporter-lists.js";
import {
  ONLINE_WITHIN_SECONDS,
  renderNodes,
  renderSessions,
  renderUptime,
  sessionsPage,
  UPTIME_FIELDS,
} from "./supporter-nodes.js";
import { followAccrual } from "./supporter-accrual.js";
import { verifyPanel, wireVerify } from "./verify.js";

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** @param {string | undefined} address */
export async function supporterView(address) {
  view().innerHTML = html`<section class="card">
      <h2>Supporter</h2>
      <form id="lookup" class="row">
        <input
          id="address"
          name="address"
          placeholder="0x… node or payout address"
          autocomplete="off"
          spellcheck="false"
          value="${address ?? ""}"
        />
        <button type="submit">Look up</button>
        <button type="button" id="connect">
          ${walletAccount ? `Wallet ${short(walletAccount)}` : "Connect wallet"}
        </button>
      </form>
      <p class="muted">
        Earnings, statements, flagged receipts, payouts, node status and sessions of a node or a payout address.
      </p>
    </section>
    <section class="card" id="accrual-card" hidden></section>
    <div id="sup"></div>`.html;
  $("#lookup").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = /** @type {HTMLInputElement} */ ($("#address")).value.trim();
    if (!ADDRESS_RE.test(v)) {
      say("error", `"${v.slice(0, 60)}" is not an address: expected 0x followed by 40 hex characters.`);
      return;
    }
    location.hash = `#/supporter/${v.toLowerCase()}`;
  });
  $("#connect").addEventListener("click", () => void connect());
  if (!address) return;
  if (!ADDRESS_RE.test(address)) {
    say("error", `"${address.slice(0, 60)}" is not an address: expected 0x followed by 40 hex characters.`);
    return;
  }
  const addr = /** @type {`0x${string}`} */ (address.toLowerCase());
  for (const k of [...pagerCursors.keys()]) if (!k.startsWith(addr)) pagerCursors.delete(k);
  await renderSupporter(addr);
  await followAccrual(addr, $("#accrual-card"));
  follow(
    [
      { query: "subscription ($a: Bytes!) { supporterUpdated(address: $a) { address } }", variables: { a: addr } },
      { query: "subscription { epochUpdated { epoch } }" },
    ],
    () => void renderSupporter(addr).catch((err) => say("error", explain(err))),
  );
}

async function connect() {
  try {
    const chain = await chainModule();
    setWalletAccount(await chain.connectWallet(config));
    say("ok", `Wallet connected: ${walletAccount}.`);
    location.hash = `#/supporter/${walletAccount}`;
  } catch (err) {
    say("error", explain(err));
    if (err instanceof DashboardError && err.code === "WRONG_CHAIN") offerSwitch();
  }
}

function offerSwitch() {
  const b = document.createElement("button");
  b.textContent = "Switch network";
  b.className = "inline";
  b.addEventListener("click", async () => {
    try {
      await (await chainModule()).switchChain(config);
      await connect();
    } catch (err) {
      say("error", explain(err));
    }
  });
  $("#message").append(" ", b);
}

/** The rate card in force and the announced ones (`Query.rateCardSchedule`, public). */
const RATE_CARD_SCHEDULE_QUERY = `{ rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch
  current { ${RATE_CARD_FIELDS} } announced { ${RATE_CARD_FIELDS} } } }`;

/** The nodes' newest heartbeats and the uptime per computed epoch (live: never cached). */
const STATUS_QUERY = `query ($a: Bytes!) { supporter(address: $a) {
  nodes { address lastHeartbeatAt lastHeartbeatEpoch } uptime(first: 10) { ${UPTIME_FIELDS} } } }`;

/** @param {`0x${string}`} addr */
async function renderSupporter(addr) {
  const data = await gql(
    `query Supporter($a: Bytes!) {
      supporter(address: $a) {
        address founder payoutAccounts
        nodes { address founder registeredAt payoutAddresses { payoutAddress effectiveEpoch submittedEpoch } }
        account { totalClaimedMicroUsd claimCount lastClaimAt }
        totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd unpricedBytes
          accruedThroughEpoch committedEpoch committedValidAt finalizedEpoch }
        proof { account epoch root cumulativeMicroUsd claimedMicroUsd claimableMicroUsd proof }
        chart: statements(first: 20) { edges { node { epoch chainEpoch payoutMicroUsd countedBytes } } }
        receipts(first: 1) { edges { node { epoch } } }
      }
      oracleEpochs(first: 20) { edges { node { ${WINDOW_FIELDS} rateCard { ${RATE_CARD_FIELDS} } } } }
    }`,
    { a: addr },
  );
  // The rate card schedule, asked on its own: its failure must not cost the rest of the page.
  const schedule = await gql(RATE_CARD_SCHEDULE_QUERY).then(
    (d) => d.rateCardSchedule,
    () => null,
  );
  // Heartbeats and uptime, asked on their own: live data the response cache never keeps, so the
  // query above stays cacheable, and their failure must not cost the rest of the page.
  const status = await gql(STATUS_QUERY, { a: addr }).then(
    (d) => d.supporter,
    () => null,
  );
  const s = data.supporter;
  const el = $("#sup");
  if (!s || (s.nodes.length === 0 && !s.account && asList(s.receipts).length === 0)) {
    el.innerHTML = "";
    say(
      "info",
      `No supporter found at ${addr}: no registered node is or pays to this address, and it has never claimed. Check the address.`,
    );
    return;
  }
  const nowSeconds = BigInt(Math.floor(Date.now() / 1000));
  const heartbeatOf = new Map((status?.nodes ?? []).map((/** @type {any} */ n) => [n.address, n]));
  if (status) for (const n of s.nodes) Object.assign(n, heartbeatOf.get(n.address) ?? { lastHeartbeatAt: null });
  const uptime = status ? status.uptime : null;
  const recent = asList(data.oracleEpochs);
  rememberWindows(recent);
  const chartRows = asList(s.chart);
  for (const st of chartRows)
    if (!windows.get(String(st.epoch)))
      windows.set(String(st.epoch), {
        epoch: st.epoch,
        chainEpoch: st.chainEpoch,
        status: "",
        startsAt: "",
        endsAt: "",
      });
  await resolveWindows([
    ...(s.totals.accruedThroughEpoch ? [s.totals.accruedThroughEpoch] : []),
    ...s.nodes.flatMap((/** @type {any} */ n) => (n.lastHeartbeatEpoch ? [n.lastHeartbeatEpoch] : [])),
    ...(uptime ?? []).map((/** @type {any} */ u) => u.epoch),
  ]);

  // A live refresh keeps the verify panel (its proof, result and buttons) as it is.
  const keptVerify = el.dataset.address === addr ? document.getElementById("verify-card") : null;
  el.innerHTML = html`<section class="card">
      <h3>
        <code class="address">${addr}</code> ${s.founder ? badge("ok", "founder") : ""}
        ${
          s.payoutAccounts.filter((/** @type {string} */ p) => p !== addr).length
            ? html`<span class="muted small"
                >pays to
                ${s.payoutAccounts
                  .filter((/** @type {string} */ p) => p !== addr)
                  .map(short)
                  .join(", ")}</span
              >`
            : ""
        }
      </h3>
      <div class="totals" id="totals">${totalsCards(s.totals)}</div>
      ${
        BigInt(s.totals.unpricedBytes) > 0n
          ? html`<p class="muted small">
              Plus ${bytes(s.totals.unpricedBytes)} served in epochs the oracle has not computed yet: priced when they
              close.
            </p>`
          : ""
      }
    </section>
    <div class="cols">
      <section class="card">
        <h3>Earnings per epoch</h3>
        ${raw(chartBox("earnings-chart", "Payout per epoch, in USD"))}
        <p class="muted small">Payout of each epoch (newest 20), as in the itemized statement below.</p>
      </section>
      <section class="card" id="rate-card">${rateCardPanel(schedule, recent)}</section>
    </div>
    <section class="card" id="verify-card">
      <h3>Verify my payout · claim</h3>
      ${verifyPanel(addr, s.proof, s.totals)}
    </section>
    <section class="card">
      <h3>
        Itemized statement
        <button type="button" class="inline download" id="download-statements">Download statements (CSV)</button>
      </h3>
      <p class="muted small">${EPOCH_NOTE} Open an epoch to see how its payout was computed.</p>
      <div id="statements"></div>
    </section>
    <section class="card">
      <h3>Flagged receipts <span id="flag-count"></span></h3>
      <div id="flagged"></div>
    </section>
    <section class="card">
      <h3>Receipts</h3>
      <p class="muted small">
        The receipts this supporter's nodes submitted. <em>Check inclusion</em> proves, in this browser, that a receipt
        was counted: it recomputes the receipt's id from its fields, hashes its leaf and Merkle path, and compares the
        result with the <code>receiptsRoot</code> read from the chain, trusting the API for nothing (<code
          >ledger verify-receipt</code
        >
        does the same in a terminal).
      </p>
      <div id="receipts"></div>
    </section>
    <section class="card">
      <h3>Claims <button type="button" class="inline download" id="download-claims">Download claims (CSV)</button></h3>
      <div id="claims"></div>
    </section>
    <section class="card" id="nodes-card">
      <h3>Nodes</h3>
      <p class="muted small">
        Online: a heartbeat within the last ${String(ONLINE_WITHIN_SECONDS)} seconds (by this browser's clock).
      </p>
      ${renderNodes(s.nodes, nowSeconds)}
      <h4>Uptime per epoch</h4>
      <p class="muted small">
        As each epoch's statement used it: the nodes' heartbeat slots over the epoch, weighted by counted bytes.
      </p>
      ${uptime ? raw(chartBox("uptime-chart", "Uptime per epoch, in percent")) : ""}
      ${uptime ? renderUptime(uptime) : html`<p class="muted">The uptime could not be loaded: reload the page.</p>`}
    </section>
    <section class="card">
      <h3>Sessions</h3>
      <p class="muted small">
        What the nodes did for each viewing session, newest first: viewers served, bytes served and counted, and the
        earnings attributable to the session (its share of the epoch's payout, pro rata to counted bytes).
      </p>
      <div id="sessions"></div>
    </section>`.html;
  el.dataset.address = addr;
  earningsChart("earnings-chart", chartRows);
  if (uptime) uptimeChart("uptime-chart", uptime);
  if (keptVerify) $("#verify-card").replaceWith(keptVerify);
  else wireVerify(addr, s.proof, s.payoutAccounts);

  $("#download-statements").addEventListener("click", () => void downloadCsv(addr, "statements"));
  $("#download-claims").addEventListener("click", () => void downloadCsv(addr, "claims"));
  wireReceiptChecks($("#receipts"));

  await Promise.all([
    pager($("#statements"), `${addr}:statements`, statementsPage(addr), renderStatements),
    pager($("#flagged"), `${addr}:flagged`, flaggedPage(addr), renderFlagged),
    pager($("#receipts"), `${addr}:receipts`, receiptsPage(addr), renderReceipts),
    pager($("#claims"), `${addr}:claims`, claimsPage(addr), renderClaims),
    pager($("#sessions"), `${addr}:sessions`, sessionsPage(addr), renderSessions),
  ]);
}

/**
 * Every statement (or claim) of the supporter, page after page, as a CSV file download.
 * @param {`0x${string}`} addr
 * @param {"statements" | "claims"} what
 */
async function downloadCsv(addr, what) {
  try {
    const fields = what === "statements" ? STATEMENT_CSV_FIELDS : CLAIM_CSV_FIELDS;
    /** @type {any[]} */
    const rows = [];
    /** @type {string | null} */
    let after = null;
    for (;;) {
      const d = await gql(
        `query ($a: Bytes!, $after: String) { supporter(address: $a) {
          ${what}(first: 100, after: $after) { edges { node { ${fields} } } pageInfo { hasNextPage endCursor } }
        } }`,
        { a: addr, after },
      );
      const c = d.supporter[what];
      rows.push(...asList(c));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    const text = what === "statements" ? statementsCsv(rows) : claimsCsv(rows);
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${what}-${addr}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    say("ok", `Downloaded ${rows.length} ${what === "statements" ? "statements" : "claims"} of ${addr} as CSV.`);
  } catch (err) {
    say("error", explain(err));
  }
}
