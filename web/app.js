// The StreamrP2P ledger dashboard: three views over the GraphQL API (supporter, auditor,
// admin), live through GraphQL subscriptions over SSE, checking payouts against the chain
// in the browser. Hash routes: #/supporter[/0xADDRESS], #/auditor[/epoch/N], #/admin.
//
// Epoch numbers: the page shows the contract's epoch numbers ("epoch 2": what claims, proofs,
// `ledger verify-epoch` and the Auditor use). The coordinator numbers its time windows on its own
// clock; where one appears it is labelled "coordinator epoch" (each window the oracle computes
// becomes the next on-chain epoch: `OracleEpoch.chainEpoch`).
import { barChart } from "./chart.js";
import { bytes, count, duration, html, percent, raw, ratePerGb, short, time, times, usd } from "./format.js";
import { DashboardError, gql, subscribe } from "./gql.js";
import { reasonOf, STATUSES } from "./reasons.js";
import { CLAIM_CSV_FIELDS, claimsCsv, STATEMENT_CSV_FIELDS, statementsCsv } from "./statements-csv.js";

/** @typedef {import("./chain.js").DashboardConfig} DashboardConfig */
/** @typedef {import("./format.js").Raw} Raw */

/** @type {DashboardConfig} */
let config;
/** @type {(() => void)[]} */
let live = [];
/** The connected wallet account, if any. @type {`0x${string}` | null} */
let walletAccount = null;

const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const view = () => $("#view");

/** The chain module loads viem's bundle: imported only when the chain is needed. */
const chainModule = () => import("./chain.js");
/** The receipt inclusion check (viem's bundle too). */
const receiptCheckModule = () => import("./receipt-check.js");

const EPOCH_NOTE = html`Epochs are numbered as on-chain: the numbers claims, proofs and
  <code>ledger verify-epoch</code> use. The coordinator counts its time windows on its own clock ("coordinator epoch");
  each window the oracle computes becomes the next on-chain epoch.`;

// ---------------------------------------------------------------------------------------
// Messages: one sentence, never a stack trace.

/**
 * @param {"error" | "info" | "ok"} kind
 * @param {string} text
 */
function say(kind, text) {
  const el = $("#message");
  el.className = `message ${kind}`;
  el.textContent = text;
  el.hidden = false;
}
function unsay() {
  $("#message").hidden = true;
}
/** @param {unknown} err */
function explain(err) {
  if (err instanceof DashboardError) return err.message;
  const first = String(/** @type {any} */ (err)?.message ?? err).split("\n")[0] ?? "";
  return `Something went wrong: ${first.slice(0, 200)}`;
}
window.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  say("error", explain(e.reason));
});
window.addEventListener("error", (e) => {
  e.preventDefault();
  say("error", explain(e.error ?? e.message));
});

/** @param {"live" | "reconnecting" | "off"} status */
function setLive(status) {
  const el = $("#live");
  el.dataset.status = status;
  el.textContent = status === "live" ? "● live" : status === "reconnecting" ? "○ reconnecting…" : "";
}
function stopLive() {
  for (const stop of live) stop();
  live = [];
  setLive("off");
}
/**
 * Runs `refresh` (debounced) whenever one of the subscriptions delivers.
 * @param {{ query: string, variables?: Record<string, unknown> }[]} subs
 * @param {() => void} refresh
 */
function follow(subs, refresh) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  for (const s of subs)
    live.push(
      subscribe(
        s.query,
        s.variables ?? {},
        () => {
          clearTimeout(timer);
          timer = setTimeout(refresh, 150);
        },
        setLive,
      ),
    );
}

// ---------------------------------------------------------------------------------------
// Small pieces

/** @param {any} x */
function asList(x) {
  if (!x) return [];
  if (Array.isArray(x.edges)) return x.edges.map((/** @type {any} */ e) => e.node);
  return Array.isArray(x) ? x : [x];
}
/** @param {string} status @param {string} [text] */
function badge(status, text = status) {
  const cls = /^(finaliz|ok|match|verified|solvent|balanced|accepted|good)/i.test(status)
    ? "good"
    : /^(veto|fail|differ|insolvent|unbalanced|flag|reject|clip|bad)/i.test(status)
      ? "bad"
      : "warn";
  return html`<span class="badge ${cls}">${text}</span>`;
}
/** An address or hash, shortened, with the whole value on hover. @param {string | null | undefined} hex */
function hexCell(hex) {
  return hex ? html`<code title="${hex}">${short(hex)}</code>` : "—";
}
/** A bytes count in human units, the exact count on hover. @param {string | null | undefined} n */
function bytesCell(n) {
  return n === null || n === undefined ? "—" : html`<span title="${count(n)} bytes">${bytes(n)}</span>`;
}
/** A µUSD amount, the exact µUSD on hover. @param {string | null | undefined} v */
function usdCell(v) {
  return v === null || v === undefined ? "—" : html`<span class="num" title="${v} µUSD">${usd(v)}</span>`;
}

/**
 * A table: `cols` are [header, cell renderer, class?]. Always inside a wrapper that scrolls
 * sideways on its own, so no table ever makes the page wider than the window.
 * @template T
 * @param {T[]} rows
 * @param {[string, (row: T) => unknown, string?][]} cols
 * @param {{ id?: string, empty?: string, rowAttrs?: (row: T) => Raw }} [o]
 */
function table(rows, cols, o = {}) {
  if (rows.length === 0) return html`<p class="muted">${o.empty ?? "None."}</p>`;
  return html`<div class="table-wrap">
    <table ${raw(o.id ? `id="${o.id}"` : "")}>
      <thead>
        <tr>
          ${cols.map(([h, , cls]) => html`<th class="${cls ?? ""}">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr ${o.rowAttrs ? o.rowAttrs(r) : ""}>
              ${cols.map(([, f, cls]) => html`<td class="${cls ?? ""}">${f(r)}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/**
 * Pages (prev/next) for a table. `fetchPage(after)` gives the rows after a cursor (null: the
 * first page) and whether more follow; the cursors visited are kept per `key`, so a live refresh
 * re-renders the page being read instead of jumping back to the first.
 */
/** @type {Map<string, (string | null)[]>} */
const pagerCursors = new Map();
/**
 * @param {HTMLElement} el
 * @param {string} key
 * @param {(after: string | null) => Promise<{ rows: any[], hasNextPage: boolean, endCursor: string | null }>} fetchPage
 * @param {(rows: any[]) => Raw} render
 * @param {string} [label]
 */
async function pager(el, key, fetchPage, render, label = "Page") {
  const stack = pagerCursors.get(key) ?? [null];
  pagerCursors.set(key, stack);
  const show = async () => {
    const page = await fetchPage(stack[stack.length - 1] ?? null);
    if (page.rows.length === 0 && stack.length > 1) {
      stack.pop();
      return show();
    }
    const many = stack.length > 1 || page.hasNextPage;
    el.innerHTML = html`${render(page.rows)}
    ${
      many
        ? html`<div class="pager">
            <button type="button" data-page="prev" ${raw(stack.length > 1 ? "" : "disabled")}>‹ Previous</button>
            <span class="muted">${label} ${stack.length}</span>
            <button type="button" data-page="next" ${raw(page.hasNextPage ? "" : "disabled")}>Next ›</button>
          </div>`
        : ""
    }`.html;
    const go = async (/** @type {() => void} */ move) => {
      move();
      try {
        await show();
      } catch (err) {
        say("error", explain(err));
      }
    };
    el.querySelector('[data-page="prev"]')?.addEventListener("click", () => void go(() => stack.pop()));
    el.querySelector('[data-page="next"]')?.addEventListener("click", () => void go(() => stack.push(page.endCursor)));
  };
  await show();
}
/**
 * Pages over rows already in hand.
 * @param {any[]} rows
 * @param {number} size
 */
function localPages(rows, size) {
  return async (/** @type {string | null} */ after) => {
    const start = after ? Number(after) : 0;
    return {
      rows: rows.slice(start, start + size),
      hasNextPage: start + size < rows.length,
      endCursor: String(start + size),
    };
  };
}

// ---------------------------------------------------------------------------------------
// Coordinator epochs → on-chain epochs

/** @typedef {{ epoch: string, chainEpoch: string | null, status: string, startsAt: string, endsAt: string }} Window */
/** @type {Map<string, Window | null>} */
const windows = new Map();
const WINDOW_FIELDS = "epoch chainEpoch status startsAt endsAt";

/** @param {Window[]} list */
function rememberWindows(list) {
  for (const w of list) if (w) windows.set(String(w.epoch), w);
}
/**
 * Looks up the coordinator epochs not known yet (one request, aliased fields).
 * @param {Iterable<string>} coordinatorEpochs
 */
async function resolveWindows(coordinatorEpochs) {
  const missing = [...new Set([...coordinatorEpochs].map(String))].filter((e) => !windows.has(e)).slice(0, 100);
  if (missing.length === 0) return;
  const data = await gql(
    `{ ${missing.map((e, i) => `w${i}: oracleEpoch(epoch: "${e}") { ${WINDOW_FIELDS} }`).join(" ")} }`,
  );
  missing.forEach((e, i) => windows.set(e, data[`w${i}`] ?? null));
}
/**
 * "epoch 2" with its coordinator epoch labelled beside it, from a coordinator epoch number.
 * @param {string | null | undefined} coordinatorEpoch
 * @param {string | null | undefined} [chainEpoch] when known already
 */
function epochLabel(coordinatorEpoch, chainEpoch) {
  const chain = chainEpoch ?? (coordinatorEpoch != null ? windows.get(String(coordinatorEpoch))?.chainEpoch : null);
  const coord =
    coordinatorEpoch != null
      ? html`<span class="sub" title="The coordinator's time window number"
          >coordinator epoch ${coordinatorEpoch}</span
        >`
      : "";
  return chain != null
    ? html`<span class="epoch">epoch ${chain}</span> ${coord}`
    : html`<span class="epoch">not computed yet</span> ${coord}`;
}

/**
 * The same as plain text: "epoch 2 (coordinator epoch 6)".
 * @param {string} coordinatorEpoch
 */
function epochText(coordinatorEpoch) {
  const chain = windows.get(String(coordinatorEpoch))?.chainEpoch;
  return chain != null
    ? `epoch ${chain} (coordinator epoch ${coordinatorEpoch})`
    : `coordinator epoch ${coordinatorEpoch}`;
}

// ---------------------------------------------------------------------------------------
// Router

const NAV = [
  ["supporter", "Supporter"],
  ["auditor", "Auditor"],
  ["admin", "Admin"],
];

async function route() {
  stopLive();
  unsay();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const page = parts[0] ?? "supporter";
  for (const a of document.querySelectorAll("nav a"))
    a.classList.toggle("active", /** @type {HTMLAnchorElement} */ (a).dataset.page === page);
  try {
    if (page === "supporter") await supporterView(parts[1]);
    else if (page === "auditor") await auditorView(parts[1] === "epoch" ? parts[2] : undefined);
    else if (page === "admin") await adminView();
    else {
      view().innerHTML = "";
      say("error", `There is no page "${page}". Pick Supporter, Auditor or Admin above.`);
    }
  } catch (err) {
    say("error", explain(err));
  }
}

// ---------------------------------------------------------------------------------------
// Supporter

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** @param {string | undefined} address */
async function supporterView(address) {
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
      <p class="muted">Earnings, statements, flagged receipts and payouts of a node or a payout address.</p>
    </section>
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
    walletAccount = await chain.connectWallet(config);
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

const STATEMENT_FIELDS = `epoch chainEpoch epochStatus account rateCardVersion receipts claimedBytes countedBytes
  withheldBytes ratePerGbMicroUsd baseMicroUsd founder multiplierBps uptimeBps uptimeTier uptimeBonusBps
  exactMicroUsd earnedMicroUsd proRata { numerator denominator } scaledFloorMicroUsd remainderMicroUsd
  payoutMicroUsd previousCumulativeMicroUsd cumulativeMicroUsd withheld { status reason receipts bytes }`;
const RATE_CARD_FIELDS =
  "version effectiveFromEpoch ratePerGbMicroUsd founderMultiplierBps uptimeTiers { minUptimeBps bonusBps } hash";
const PAGE = 10;

/** The rate card in force and the announced ones (`Query.rateCardSchedule`, public). */
const RATE_CARD_SCHEDULE_QUERY = `{ rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch
  current { ${RATE_CARD_FIELDS} } announced { ${RATE_CARD_FIELDS} } } }`;

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
  if (s.totals.accruedThroughEpoch) await resolveWindows([s.totals.accruedThroughEpoch]);

  const points = [...chartRows].reverse().map((/** @type {any} */ st) => ({
    label: `#${st.chainEpoch ?? "?"}`,
    value: BigInt(st.payoutMicroUsd),
    title: `epoch ${st.chainEpoch} (coordinator epoch ${st.epoch}): ${usd(st.payoutMicroUsd)} for ${bytes(st.countedBytes)} counted`,
  }));

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
        ${raw(barChart(points, { caption: "Payout per epoch, µUSD", empty: "no computed epoch yet" }))}
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
    <section class="card">
      <h3>Nodes</h3>
      ${table(s.nodes, [
        ["node", (/** @type {any} */ n) => hexCell(n.address)],
        ["founder", (/** @type {any} */ n) => (n.founder ? "yes" : "no")],
        ["registered", (/** @type {any} */ n) => time(n.registeredAt)],
        [
          "paid to",
          (/** @type {any} */ n) =>
            n.payoutAddresses.map(
              (/** @type {any} */ p) =>
                html`<div>
                  ${hexCell(p.payoutAddress)} <span class="sub">from coordinator epoch ${p.effectiveEpoch}</span>
                </div>`,
            ),
        ],
      ])}
    </section>`.html;
  el.dataset.address = addr;
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

/** @param {`0x${string}`} addr */
function statementsPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const d = await gql(
      `query ($a: Bytes!, $after: String) { supporter(address: $a) {
        statements(first: ${PAGE}, after: $after) { edges { node { ${STATEMENT_FIELDS} } } pageInfo { hasNextPage endCursor } }
      } }`,
      { a: addr, after },
    );
    const c = d.supporter.statements;
    return { rows: asList(c), ...c.pageInfo };
  };
}

/** @param {`0x${string}`} addr */
function flaggedPage(addr) {
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

const RECEIPT_FIELDS = "epoch sessionId supporter viewer seq cumulativeBytes deltaBytes timestamp verdict reason";

/** @param {`0x${string}`} addr */
function receiptsPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const d = await gql(
      `query ($a: Bytes!, $after: String) { supporter(address: $a) {
        receipts(first: ${PAGE}, after: $after) { edges { node { ${RECEIPT_FIELDS} } } pageInfo { hasNextPage endCursor } }
      } }`,
      { a: addr, after },
    );
    const c = d.supporter.receipts;
    const rows = asList(c);
    await resolveWindows(rows.map((/** @type {any} */ r) => r.epoch));
    return { rows, ...c.pageInfo };
  };
}

/** The receipts shown, by row key, for the Check inclusion buttons. @type {Map<string, any>} */
const listedReceipts = new Map();
/** @param {any} r */
const receiptKey = (r) => `${r.sessionId}:${r.supporter}:${r.seq}`;

/** @param {any[]} rows */
function renderReceipts(rows) {
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
function wireReceiptChecks(el) {
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
function claimsPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const d = await gql(
      `query ($a: Bytes!, $after: String) { supporter(address: $a) {
        claims(first: ${PAGE}, after: $after) { edges { node { id recipient amountMicroUsd cumulativeClaimedMicroUsd
          relayer relayerFeeMicroUsd blockTimestamp transactionHash epoch { epoch } } } pageInfo { hasNextPage endCursor } }
      } }`,
      { a: addr, after },
    );
    const c = d.supporter.claims;
    return { rows: asList(c), ...c.pageInfo };
  };
}

/**
 * The lifecycle totals (the API's; `setTotal` overwrites one with what the chain says).
 * @param {any} t
 */
function totalsCards(t) {
  const cards = [
    [
      "accrued",
      t.accruedMicroUsd,
      t.accruedThroughEpoch && BigInt(t.accruedMicroUsd) > 0n
        ? `computed through ${epochText(t.accruedThroughEpoch)}, not yet in a root`
        : "computed, not yet in a proposed root",
    ],
    [
      "committed",
      t.committedMicroUsd,
      t.committedEpoch
        ? html`in epoch ${t.committedEpoch}'s root, disputable until ${time(t.committedValidAt)}`
        : "in a proposed root, disputable",
    ],
    [
      "claimable",
      t.claimableMicroUsd,
      t.finalizedEpoch ? `finalized in epoch ${t.finalizedEpoch}, not yet claimed` : "no finalized root yet",
    ],
    ["claimed", t.claimedMicroUsd, "paid on-chain"],
    ["entitled", t.entitledMicroUsd, "all of the above: everything earned"],
  ];
  return html`${cards.map(
    ([name, v, hint]) =>
      html`<div class="total" data-total="${name}">
        <div class="label">${name}</div>
        <div class="value" title="${v} µUSD">${usd(v)}</div>
        <div class="hint">${hint}</div>
      </div>`,
  )}`;
}

/**
 * The rate card in force (and an announced next one) when the API serves it; otherwise the one
 * the newest computed epoch used.
 * @param {any} schedule `Query.rateCardSchedule`, or null when it could not be read
 * @param {any[]} recent newest first
 */
function rateCardPanel(schedule, recent) {
  const latest = recent.find((w) => w.rateCard);
  const startOf = (/** @type {string} */ coordinatorEpoch) => {
    const ref = recent[0];
    if (!ref) return null;
    const len = BigInt(Date.parse(ref.endsAt) - Date.parse(ref.startsAt));
    const at = BigInt(Date.parse(ref.startsAt)) + (BigInt(coordinatorEpoch) - BigInt(ref.epoch)) * len;
    return time(new Date(Number(at)).toISOString());
  };
  const card = (/** @type {any} */ c, /** @type {string} */ title) => {
    const from = c.effectiveFromEpoch ?? c.effectiveEpoch;
    const tiers = [...(c.uptimeTiers ?? [])].sort((a, b) => (BigInt(a.minUptimeBps) < BigInt(b.minUptimeBps) ? -1 : 1));
    return html`<div class="rate-card">
      <h4>${title}${c.version != null ? ` · version ${c.version}` : ""}</h4>
      <dl class="kv">
        <dt>rate</dt>
        <dd><strong>${ratePerGb(c.ratePerGbMicroUsd)}</strong> served (1 GB = 10⁹ bytes)</dd>
        <dt>founder multiplier</dt>
        <dd>${times(c.founderMultiplierBps)} for founders' nodes</dd>
        <dt>uptime bonus</dt>
        <dd>
          ${
            tiers.length
              ? tiers.map(
                  (t) => html`<div>+${percent(t.bonusBps)} from ${percent(t.minUptimeBps)} uptime in the epoch</div>`,
                )
              : "none"
          }
        </dd>
        ${
          from != null
            ? html`<dt>in force from</dt>
                <dd>coordinator epoch ${from}${startOf(from) ? ` (${startOf(from)})` : ""}</dd>`
            : ""
        }
      </dl>
    </div>`;
  };
  const notice = schedule
    ? html`<p class="muted small">
        A new rate card takes effect only after ${schedule.noticeEpochs} epochs of notice: one set now applies from
        coordinator epoch ${schedule.earliestEffectiveEpoch} at the earliest, so the rate of the epoch you are serving
        in is always known.
      </p>`
    : "";
  const announced = schedule
    ? schedule.announced.length
      ? schedule.announced.map((/** @type {any} */ c) => card(c, "Announced"))
      : html`<p class="muted small">No change is announced.</p>`
    : "";
  if (schedule?.current)
    return html`<h3>Rate card</h3>
      ${card(schedule.current, "In force now")} ${announced} ${notice}`;
  if (!latest)
    return html`<h3>Rate card</h3>
      <p class="muted">No epoch has been computed yet, so no rate card applies yet.</p>
      ${announced} ${notice}`;
  return html`<h3>Rate card</h3>
    ${card(latest.rateCard, `Used by epoch ${latest.chainEpoch ?? "?"}`)}
    <p class="muted small">No rate card has been set by an admin: the newest computed epoch used the default card.</p>
    ${announced} ${notice}`;
}

/**
 * @param {any[]} statements
 */
function renderStatements(statements) {
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
function reasonItem(code, status, extra = "") {
  const r = reasonOf(code);
  return html`<li data-reason="${code}">
    ${badge(status)} <code>${code}</code> <strong>${r.title}</strong>${extra ? html` · ${extra}` : ""}
    <div>${r.meaning}</div>
    <div class="action"><strong>What you can do:</strong> ${r.action}</div>
  </li>`;
}

/** @param {any[]} rows */
function renderFlagged(rows) {
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

/** @param {any[]} rows */
function renderClaims(rows) {
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

/**
 * @param {string} addr
 * @param {any} apiProof
 * @param {any} totals
 */
function verifyPanel(addr, apiProof, totals) {
  const api = location.origin;
  const pending = BigInt(totals.accruedMicroUsd) + BigInt(totals.committedMicroUsd);
  return html`${
      apiProof
        ? html`<p>
            The API served your proof for the root finalized in <strong>epoch ${apiProof.epoch}</strong>: cumulative
            entitlement <strong>${usd(apiProof.cumulativeMicroUsd)}</strong>, claimed ${usd(apiProof.claimedMicroUsd)},
            claimable <strong>${usd(apiProof.claimableMicroUsd)}</strong>${
              apiProof.account !== addr ? html` (leaf of payout address ${hexCell(apiProof.account)})` : ""
            }. <em>Verify my payout</em> checks it against the chain, in this browser.
          </p>`
        : html`<p id="no-entitlement">
            <strong>No entitlement yet.</strong>
            ${
              pending > 0n
                ? html`This address has ${usd(pending)} computed or in a proposed root, but no finalized root holds an
                  entitlement for it
                  yet${
                    totals.committedEpoch
                      ? html`: it becomes claimable when epoch ${totals.committedEpoch}'s dispute window ends
                        (${time(totals.committedValidAt)})`
                      : ""
                  }.`
                : "No finalized epoch pays this address anything yet, so there is nothing to verify or claim."
            }
          </p>`
    }
    <details id="paste-proof">
      <summary>Check a proof from elsewhere</summary>
      <p class="muted">
        Paste a proof JSON (<code>{"account": "0x…", "cumulativeAmount": "…", "proof": ["0x…"]}</code>, e.g. the API's
        <code>supporter { proof }</code>).
      </p>
      <textarea
        id="proof-json"
        rows="3"
        spellcheck="false"
        placeholder='{"account":"${addr}","cumulativeAmount":"0","proof":[]}'
      ></textarea>
    </details>
    <div class="row">
      <button id="verify">Verify my payout</button>
      <button id="claim" disabled>Claim with my wallet</button>
    </div>
    <div id="verify-result" class="result" hidden></div>
    <details class="cli">
      <summary>Claim from a terminal instead</summary>
      <pre><code>npx ledger claim ${addr} --api ${api} --rpc RPC_URL</code></pre>
      <p class="muted small">
        Gets the proof from the API, checks it against <code>finalizedRoot()</code> and sends the claim (key in
        <code>$LEDGER_PRIVATE_KEY</code>). Gasless: the account signs, any relayer submits and keeps at most the fee:
      </p>
      <pre><code>npx ledger claim ${addr} --sign-only --api ${api} --rpc RPC_URL --recipient 0xRECIPIENT --max-fee 0.05 &gt; auth.json
npx ledger claim ${addr} --with-sig @auth.json --api ${api} --rpc RPC_URL</code></pre>
    </details>`;
}

/**
 * @param {`0x${string}`} addr
 * @param {any} apiProof
 * @param {string[]} payoutAccounts the accounts whose leaves this supporter's proofs are about
 */
function wireVerify(addr, apiProof, payoutAccounts) {
  /** @type {{ account: `0x${string}`, cumulativeAmount: bigint, proof: `0x${string}`[] } | null} */
  let verified = null;
  const out = $("#verify-result");
  const claimBtn = /** @type {HTMLButtonElement} */ ($("#claim"));
  const show = (/** @type {string} */ cls) => {
    out.className = `result ${cls}`;
    out.hidden = false;
  };
  const readProof = async () => {
    const chain = await chainModule();
    const text = /** @type {HTMLTextAreaElement} */ ($("#proof-json")).value.trim();
    if (text) {
      const p = chain.parseProof(text);
      const account = p.account ?? /** @type {`0x${string}`} */ (apiProof?.account ?? addr);
      if (p.account && p.account !== addr && !payoutAccounts.includes(p.account))
        throw new DashboardError(
          `This proof is for ${p.account}, not for ${addr} or its payout addresses.`,
          "WRONG_ACCOUNT",
        );
      return { ...p, account };
    }
    if (apiProof)
      return {
        account: /** @type {`0x${string}`} */ (apiProof.account),
        cumulativeAmount: BigInt(apiProof.cumulativeMicroUsd),
        proof: /** @type {`0x${string}`[]} */ (apiProof.proof),
      };
    throw new DashboardError(
      "This address has no entitlement yet, so there is no proof to verify. To check a proof from elsewhere, paste it above.",
      "NO_ENTITLEMENT",
    );
  };
  $("#verify").addEventListener("click", async () => {
    show("");
    out.textContent = "Checking against the chain…";
    claimBtn.disabled = true;
    try {
      const chain = await chainModule();
      const p = await readProof();
      const computed = chain.rootFromProof(p.account, p.cumulativeAmount, p.proof);
      const st = await chain.chainState(config, p.account);
      setTotal("claimed", st.claimed);
      if (computed !== st.finalizedRoot) {
        verified = null;
        show("bad");
        out.innerHTML = html`<strong>✗ Not verified.</strong> The proof leads to root <code>${short(computed)}</code>,
          but the root finalized on-chain (epoch ${st.finalizedEpoch}) is <code>${short(st.finalizedRoot)}</code>. Your
          proof is for another epoch or another amount.`.html;
        return;
      }
      verified = p;
      const claimable = p.cumulativeAmount > st.claimed ? p.cumulativeAmount - st.claimed : 0n;
      setTotal("claimable", claimable);
      show("good");
      out.innerHTML = html`<strong>✓ Verified against the chain.</strong> Your cumulative entitlement of
        <strong data-verified-amount>${usd(p.cumulativeAmount)}</strong> is in the root finalized on-chain for epoch
        ${st.finalizedEpoch} (<code>${short(st.finalizedRoot)}</code>). Claimed so far ${usd(st.claimed)}; claimable now
        <strong>${usd(claimable)}</strong>. Token balance of ${short(p.account)}:
        <span data-balance>${usd(st.balance)}</span>.`.html;
      claimBtn.disabled = claimable === 0n;
    } catch (err) {
      show("bad");
      out.textContent = explain(err);
    }
  });
  claimBtn.addEventListener("click", async () => {
    if (!verified) return;
    const v = verified;
    claimBtn.disabled = true;
    show("");
    out.textContent = "Confirm the claim in your wallet…";
    try {
      const chain = await chainModule();
      walletAccount ??= await chain.connectWallet(config);
      const before = await chain.chainState(config, v.account);
      const hash = await chain.claim(config, {
        from: walletAccount,
        account: v.account,
        cumulativeAmount: v.cumulativeAmount,
        proof: v.proof,
      });
      const after = await chain.chainState(config, v.account);
      setTotal("claimed", after.claimed);
      setTotal("claimable", v.cumulativeAmount - after.claimed);
      show("good");
      out.innerHTML = html`<strong>✓ Claimed ${usd(after.claimed - before.claimed)}</strong> in transaction
        <code title="${hash}">${short(hash)}</code>. Balance of ${short(v.account)}: ${usd(before.balance)} →
        <strong data-balance>${usd(after.balance)}</strong>.`.html;
    } catch (err) {
      show("bad");
      out.textContent = explain(err);
      if (err instanceof DashboardError && err.code === "WRONG_CHAIN") claimBtn.disabled = false;
    }
  });
}

/** @param {string} name @param {bigint} value */
function setTotal(name, value) {
  const el = document.querySelector(`[data-total="${name}"]`);
  if (!el) return;
  /** @type {HTMLElement} */ (el.querySelector(".value")).textContent = usd(value);
  /** @type {HTMLElement} */ (el.querySelector(".hint")).textContent = "read from the chain";
}

// ---------------------------------------------------------------------------------------
// Auditor

const EPOCH_FIELDS = `id epoch status root cumulativeTotalMicroUsd receiptsRoot datasetHash rateCardHash validAt
  signers proposedAt finalizedAt vetoedAt vetoReason proposalCount claimedMicroUsd
  oracle { epoch startsAt endsAt status }`;
const VERIFICATION = "verification { ok datasetAvailable mismatches checks { name ok expected actual } }";

/** @param {string | undefined} epochId */
async function auditorView(epochId) {
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
 * A verification as a short badge and one readable line.
 * @param {any} v EpochVerification
 * @param {string} status
 */
function verificationSummary(v, status) {
  if (!v.datasetAvailable)
    return html`${badge("pending", "dataset not here")}
      <div class="sub">this server does not store the dataset the chain names</div>`;
  const checks = v.checks ?? [];
  const failed = checks.filter((/** @type {any} */ c) => !c.ok);
  if (v.ok)
    return html`${badge("ok", "✓ recomputed")}
      <div class="sub">${checks.length} checks passed${status === "Vetoed" ? " · vetoed on-chain" : ""}</div>`;
  const names = v.mismatches?.length ? v.mismatches : failed.map((/** @type {any} */ c) => c.name);
  return html`${badge(status === "Vetoed" ? "warn" : "bad", status === "Vetoed" ? "✗ vetoed: differs" : "✗ differs")}
    <div
      class="sub"
      title="${failed.map((/** @type {any} */ c) => `${c.name}: expected ${c.expected ?? "—"}, got ${c.actual ?? "—"}`).join("\n")}"
    >
      ${failed.length} of ${checks.length} checks failed: ${names.slice(0, 3).join(", ")}${names.length > 3 ? "…" : ""}
    </div>`;
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

/**
 * @param {string} epochId
 * @param {string | undefined} latest
 */
async function epochDetail(epochId, latest) {
  const el = $("#epoch-detail");
  if (!/^\d{1,19}$/.test(epochId)) {
    say("error", `"${epochId.slice(0, 40)}" is not an epoch number: use a whole number such as 2.`);
    return;
  }
  const data = await gql(
    `query ($id: ID!) { epoch(id: $id) { ${EPOCH_FIELDS}
      oracle { epoch startsAt endsAt status supporters budgetMicroUsd earnedMicroUsd payoutMicroUsd unallocatedMicroUsd
        roundingDustMicroUsd proRata { numerator denominator } countedBytes receiptsTotal receiptsCounted datasetUrl
        rateCard { ${RATE_CARD_FIELDS} } }
      transactions { kind transactionHash blockNumber blockTimestamp }
      vetoes { guardian reason blockTimestamp transactionHash }
      claims(first: 100) { account { id } amountMicroUsd blockTimestamp transactionHash } } }`,
    { id: epochId },
  );
  const e = data.epoch;
  if (!e) {
    say(
      "error",
      `Epoch ${epochId} is unknown: no root was proposed on-chain for it${latest ? ` (the latest epoch is ${latest})` : ""}.`,
    );
    return;
  }
  const o = e.oracle;
  el.innerHTML = html`<section class="card" id="epoch-${e.epoch}">
    <h3>
      Epoch ${e.epoch} ${badge(e.status)}
      ${o ? html`<span class="sub">coordinator epoch ${o.epoch}, ${time(o.startsAt)} – ${time(o.endsAt)}</span>` : ""}
    </h3>
    <div class="cols">
      <dl class="kv">
        <dt>root</dt>
        <dd><code>${e.root}</code></dd>
        <dt>receipts root</dt>
        <dd><code>${e.receiptsRoot}</code></dd>
        <dt>dataset hash</dt>
        <dd><code>${e.datasetHash}</code>${o?.datasetUrl ? html` · <a href="${o.datasetUrl}">download</a>` : ""}</dd>
        <dt>rate card hash</dt>
        <dd><code>${e.rateCardHash}</code></dd>
        <dt>cumulative total</dt>
        <dd>${usd(e.cumulativeTotalMicroUsd)}</dd>
        <dt>claimed against it</dt>
        <dd>${usd(e.claimedMicroUsd)}</dd>
        <dt>signers</dt>
        <dd>${e.signers.map((/** @type {string} */ s) => html`${hexCell(s)} `)}</dd>
        <dt>dispute window ends</dt>
        <dd>${time(e.validAt)}</dd>
        ${
          e.vetoReason
            ? html`<dt>veto reason</dt>
                <dd>${e.vetoReason}</dd>`
            : ""
        }
      </dl>
      ${
        o
          ? html`<dl class="kv">
              <dt>supporters paid</dt>
              <dd>${count(o.supporters)}</dd>
              <dt>receipts counted</dt>
              <dd>${count(o.receiptsCounted)} of ${count(o.receiptsTotal)}</dd>
              <dt>bytes counted</dt>
              <dd>${bytesCell(o.countedBytes)}</dd>
              <dt>budget</dt>
              <dd>${usd(o.budgetMicroUsd)}</dd>
              <dt>earned</dt>
              <dd>${usd(o.earnedMicroUsd)}</dd>
              <dt>paid this epoch</dt>
              <dd>
                ${usd(o.payoutMicroUsd)}${o.proRata ? html` (scaled × ${count(o.proRata.numerator)} / ${count(o.proRata.denominator)})` : " (in full)"}
              </dd>
              <dt>rounding dust</dt>
              <dd>${usd(o.roundingDustMicroUsd)} (stays in the pool)</dd>
              <dt>rate card</dt>
              <dd>
                ${o.rateCard ? html`version ${o.rateCard.version}: ${ratePerGb(o.rateCard.ratePerGbMicroUsd)}, founders ${times(o.rateCard.founderMultiplierBps)}` : "—"}
              </dd>
            </dl>`
          : html`<p class="muted">This deployment's oracle did not compute this epoch.</p>`
      }
    </div>
    <h4>Recomputation from the dataset</h4>
    <div id="detail-verification"><p class="muted">Recomputing…</p></div>
    <h4>Transactions</h4>
    ${table(e.transactions, [
      ["kind", (t) => t.kind],
      ["block", (t) => t.blockNumber, "r"],
      ["at", (t) => time(t.blockTimestamp)],
      ["transaction", (t) => hexCell(t.transactionHash)],
    ])}
    <h4>Claims</h4>
    ${table(e.claims, [
      ["account", (c) => hexCell(c.account.id)],
      ["amount", (c) => usdCell(c.amountMicroUsd), "r"],
      ["at", (c) => time(c.blockTimestamp)],
      ["transaction", (c) => hexCell(c.transactionHash)],
    ])}
  </section>`.html;
  const v = (await gql(`query ($id: ID!) { epoch(id: $id) { ${VERIFICATION} } }`, { id: epochId }).catch(() => null))
    ?.epoch?.verification;
  $("#detail-verification").innerHTML = v
    ? html`${verificationSummary(v, e.status)}
      ${table(v.checks, [
        ["check", (c) => c.name],
        ["result", (c) => badge(c.ok ? "ok" : "bad", c.ok ? "✓" : "✗")],
        ["expected", (c) => html`<span class="clip" title="${c.expected ?? ""}">${c.expected ?? "—"}</span>`],
        ["recomputed", (c) => html`<span class="clip" title="${c.actual ?? ""}">${c.actual ?? "—"}</span>`],
      ])}`.html
    : html`<p class="muted">Not recomputed here: run <code>ledger verify-epoch ${e.epoch}</code>.</p>`.html;
}

// ---------------------------------------------------------------------------------------
// Admin

async function adminView() {
  const data = await gql(`{
    epochs(first: 100) { epoch status proposedAt validAt finalizedAt vetoedAt vetoReason proposalCount
      oracle { epoch } transactions { kind transactionHash blockNumber blockTimestamp } }
    rootVetoes(first: 50) { epoch { epoch } guardian reason blockTimestamp transactionHash }
    reconciliation { solvent balanced outstandingLiabilityMicroUsd contractBalanceMicroUsd expectedBalanceMicroUsd }
    indexer { blockNumber }
    oracleEpochs(first: 20) { edges { node { ${WINDOW_FIELDS} alert supporters payoutMicroUsd budgetMicroUsd proRata { numerator denominator } } } }
    ${GOVERNANCE_FIELDS}
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
    <section class="card" id="governance">
      <h3>Governance</h3>
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
  follow(
    [{ query: "subscription { epochUpdated { epoch } }" }, { query: "subscription { claimed { id } }" }],
    () => void adminView().catch((err) => say("error", explain(err))),
  );
}

// ---------------------------------------------------------------------------------------
// Governance: who holds which role; what the timelock will change, and when

const GOVERNANCE_FIELDS = `governance {
  distributor chainTime
  roles { role name holders { account grantedAt grantedBy transactionHash } }
  timelock { address minDelaySeconds isAdmin roles { role name holders { account grantedAt } } }
  operations(first: 50) { id status readyAt delaySeconds scheduledAt scheduledTransactionHash
    executedAt executedTransactionHash cancelledAt cancelledTransactionHash description
    calls { functionName signature target args { name value } description } }
}`;

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** What each role lets its holder do, in words. */
const ROLE_MEANING = /** @type {Record<string, string>} */ ({
  "distributor:DEFAULT_ADMIN_ROLE": "changes signers, threshold, dispute window, breaker and roles; unpauses",
  "distributor:PROPOSER_ROLE": "posts epoch roots signed by the oracle quorum",
  "distributor:GUARDIAN_ROLE": "vetoes a pending root during its dispute window; lowers the breaker at once",
  "distributor:PAUSER_ROLE": "pauses claims and proposals at once",
  "timelock:PROPOSER_ROLE": "schedules changes (after the min delay they can run)",
  "timelock:CANCELLER_ROLE": "cancels a scheduled change before it runs",
  "timelock:EXECUTOR_ROLE": "runs a change whose delay has passed",
  "timelock:DEFAULT_ADMIN_ROLE": "grants the timelock's own roles (the timelock itself: only through a delay)",
});

/**
 * @param {any} g
 */
function renderGovernance(g) {
  if (!g) return html`<p class="muted">The chain indexer has not read the distributor yet.</p>`;
  const tl = g.timelock;
  /** @param {any} h @param {any} g */
  const holderCell = (h, g) =>
    h.account === ZERO_ADDRESS
      ? html`<span title="${h.account}">anyone</span>`
      : h.account === g.timelock?.address
        ? html`<code title="${h.account}">the timelock</code>`
        : hexCell(h.account);
  /** @param {any[]} roles @param {"distributor" | "timelock"} where */
  const rolesTable = (roles, where) =>
    table(
      roles,
      [
        ["role", (r) => html`<code title="${r.role}">${r.name ?? short(r.role)}</code>`],
        [
          "held by",
          (r) =>
            r.holders.length
              ? html`${r.holders.map((/** @type {any} */ h, /** @type {number} */ i) => html`${i ? ", " : ""}${holderCell(h, g)}`)}`
              : html`<span class="muted">nobody</span>`,
        ],
        ["may", (r) => ROLE_MEANING[`${where}:${r.name}`] ?? "—", "wrap small"],
      ],
      { empty: "No role." },
    );
  const ops = /** @type {any[]} */ (g.operations);
  const waiting = ops.filter((o) => o.status === "PENDING" || o.status === "READY");
  const settled = ops.filter((o) => o.status === "DONE" || o.status === "CANCELLED").slice(0, 10);
  const operations = tl
    ? html`<h4>Pending changes ${badge(waiting.length ? "pending" : "ok", String(waiting.length))}</h4>
        ${table(
          waiting,
          [
            ["change", (o) => changeCell(o)],
            ["status", (o) => badge(o.status === "READY" ? "flag" : "pending", o.status)],
            [
              "ready in",
              (o) =>
                html`<span class="countdown" data-ready-at="${o.readyAt}">${o.status === "READY" ? "now" : "…"}</span>
                  <div class="sub">${time(o.readyAt)}</div>`,
            ],
            ["scheduled", (o) => time(o.scheduledAt)],
            ["operation", (o) => hexCell(o.id)],
            ["transaction", (o) => hexCell(o.scheduledTransactionHash)],
          ],
          { empty: "Nothing is scheduled.", rowAttrs: (o) => raw(`data-operation="${o.id}" class="operation"`) },
        )}
        <h4>Recently executed or cancelled</h4>
        ${table(
          settled,
          [
            ["change", (o) => changeCell(o)],
            [
              "outcome",
              (o) => badge(o.status === "DONE" ? "ok" : "veto", o.status === "DONE" ? "executed" : "cancelled"),
            ],
            ["at", (o) => time(o.executedAt ?? o.cancelledAt)],
            ["transaction", (o) => hexCell(o.executedTransactionHash ?? o.cancelledTransactionHash)],
          ],
          { empty: "No change has run or been cancelled yet.", rowAttrs: (o) => raw(`data-operation="${o.id}"`) },
        )}`
    : "";
  return html` <p class="small">
      ${
        tl && !tl.isAdmin
          ? html`<span class="badge bad">admin handed over</span> The timelock
              <code title="${tl.address}">${short(tl.address)}</code> no longer holds the distributor's admin role (see
              DEFAULT_ADMIN_ROLE below): changes by the new admin are not delayed here. Restart the indexer if the new
              admin is another timelock.`
          : tl
            ? html`Every safety change goes through the timelock
                <code title="${tl.address}">${short(tl.address)}</code>: scheduled, visible here for at least
                <b>${duration(Number(tl.minDelaySeconds))}</b>, cancellable by a canceller meanwhile, then executable.`
            : html`<span class="badge bad">no timelock</span> The distributor's admin is an account, not a timelock: its
                changes take effect at once.`
      }
    </p>
    ${operations}
    <h4>Distributor roles</h4>
    ${rolesTable(g.roles, "distributor")}
    ${
      tl
        ? html`<h4>Timelock roles</h4>
            ${rolesTable(tl.roles, "timelock")}`
        : ""
    }`;
}

/**
 * What an operation does: one line per call, in words, the decoded call on hover.
 * @param {any} o
 */
function changeCell(o) {
  return html`<ul class="calls">
    ${o.calls.map(
      (/** @type {any} */ c) =>
        html`<li title="${c.signature ? `${c.signature} on ${c.target}` : `raw calldata to ${c.target}`}">
          ${c.description}
        </li>`,
    )}
  </ul>`;
}

/**
 * Ticks every countdown once a second. The chain's clock is estimated as the later of the wall
 * clock and the newest indexed block's time advanced by the seconds since the fetch (a dev chain
 * may run ahead of the wall clock); at zero it reads "now" (the status turns READY once the indexer
 * has read a block at or after `readyAt`).
 * @param {any} g
 * @param {number} fetchedAt
 */
function startCountdowns(g, fetchedAt) {
  const chainTime = g?.chainTime ? Number(g.chainTime) : 0;
  const tick = () => {
    const now = Date.now() / 1000;
    const chainNow = Math.max(now, chainTime + (now - fetchedAt));
    for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".countdown[data-ready-at]"))) {
      const left = Number(el.dataset.readyAt) - chainNow;
      el.textContent = left > 0 ? duration(left) : "now";
      el.classList.toggle("due", left <= 0);
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  live.push(() => clearInterval(timer));
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

// ---------------------------------------------------------------------------------------

async function main() {
  $("nav").innerHTML = NAV.map(([p, label]) => `<a href="#/${p}" data-page="${p}">${label}</a>`).join("");
  try {
    const res = await fetch("config.json");
    if (!res.ok) throw new Error(String(res.status));
    config = await res.json();
  } catch {
    say("error", "The ledger API is unreachable. Check that it is running, then reload.");
    return;
  }
  $("#chain").textContent = `chain ${config.chainId} · distributor ${short(config.distributor)}`;
  window.addEventListener("hashchange", () => void route());
  await route();
  document.body.dataset.ready = "true";
}
void main();
