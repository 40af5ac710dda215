// The StreamrP2P ledger dashboard: three views over the GraphQL API (supporter, auditor,
// admin), live through GraphQL subscriptions over SSE, checking payouts against the chain
// in the browser. Hash routes: #/supporter[/0xADDRESS], #/auditor[/epoch/N], #/admin.
import { barChart } from "./chart.js";
import { gb, html, raw, short, time, usd } from "./format.js";
import { DashboardError, gql, has, schema, subscribe } from "./gql.js";

/** @typedef {import("./chain.js").DashboardConfig} DashboardConfig */

/** @type {DashboardConfig} */
let config;
/** @type {Map<string, Map<string, any>>} */
let types;
/** @type {(() => void)[]} */
let live = [];
/** The connected wallet account, if any. @type {`0x${string}` | null} */
let walletAccount = null;

const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const view = () => $("#view");

/** The chain module loads viem's bundle: imported only when the chain is needed. */
const chainModule = () => import("./chain.js");

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
// Schema-driven selections: ask only for fields this server has.

/** @param {any} t */
function unwrap(t) {
  while (t && (t.kind === "NON_NULL" || t.kind === "LIST")) t = t.ofType;
  return t;
}
/** Scalar (and enum, and scalar list) fields of a type. @param {string} typeName */
function scalars(typeName) {
  const fields = types.get(typeName);
  if (!fields) return [];
  return [...fields].filter(([, t]) => ["SCALAR", "ENUM"].includes(unwrap(t)?.kind)).map(([n]) => n);
}
/**
 * A selection of `parent.field` with the scalars of its type (through a Relay connection's
 * edges.node and one level of nested objects), or "" when the server lacks the field.
 * @param {string} parent
 * @param {string} field
 */
function select(parent, field) {
  const t = unwrap(types.get(parent)?.get(field));
  if (!t) return "";
  if (t.kind === "SCALAR" || t.kind === "ENUM") return field;
  const objectSel = (/** @type {string} */ typeName) => {
    const nested = [...(types.get(typeName) ?? [])]
      .filter(([, ft]) => unwrap(ft)?.kind === "OBJECT" && !String(unwrap(ft).name).endsWith("Connection"))
      .filter(([, ft]) => scalars(unwrap(ft).name).length > 0 && unwrap(ft).name !== typeName)
      .filter(([n]) => !["account", "epoch", "claims", "vetoes"].includes(n))
      .map(([n, ft]) => `${n} { ${scalars(unwrap(ft).name).join(" ")} }`);
    return [...scalars(typeName), ...nested].join(" ");
  };
  if (String(t.name).endsWith("Connection")) {
    const node = unwrap(types.get(unwrap(types.get(t.name)?.get("edges"))?.name)?.get("node"));
    return node ? `${field} { edges { node { ${objectSel(node.name)} } } }` : "";
  }
  return `${field} { ${objectSel(t.name)} }`;
}
/** The first of `names` the type has. @param {string} type @param {string[]} names */
function firstField(type, names) {
  return names.find((n) => has(types, type, n));
}
/** @param {any} x */
function asList(x) {
  if (!x) return [];
  if (Array.isArray(x.edges)) return x.edges.map((/** @type {any} */ e) => e.node);
  return Array.isArray(x) ? x : [x];
}
/** A µUSD-looking key of an object. @param {Record<string, unknown>} o @param {RegExp} [prefer] */
function moneyKey(o, prefer = /payout|earn|amount/i) {
  const keys = Object.keys(o).filter((k) => /MicroUsd$/.test(k));
  return keys.find((k) => prefer.test(k)) ?? keys[0];
}
/** Renders a value of a generic row. @param {string} key @param {unknown} v */
function cell(key, v) {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.map((x) => cell(key, x)).join(", ");
  if (typeof v === "object")
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${cell(k, x)}`)
      .join("; ");
  if (/MicroUsd$/.test(key)) return usd(String(v));
  if (/Bytes$/.test(key) && /^\d+$/.test(String(v))) return gb(String(v));
  if (typeof v === "string" && /^0x[0-9a-f]{41,}$/.test(v)) return short(v);
  return String(v);
}
/** A table of generic rows. @param {any[]} rows @param {string[]} [cols] */
function table(rows, cols) {
  if (rows.length === 0) return html`<p class="muted">None.</p>`;
  const keys = cols ?? Object.keys(rows[0]).filter((k) => k !== "__typename");
  return html`<table>
    <thead>
      <tr>
        ${keys.map((k) => html`<th>${k}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            ${keys.map((k) => html`<td title="${String(r[k] ?? "")}">${cell(k, r[k])}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
/** @param {string} status */
function badge(status, text = status) {
  const cls = /finaliz|ok|match|verified|solvent|balanced|accepted/i.test(status)
    ? "good"
    : /veto|fail|differ|insolvent|unbalanced|flag|reject|clip/i.test(status)
      ? "bad"
      : "warn";
  return html`<span class="badge ${cls}">${text}</span>`;
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
    types ??= await schema();
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

/** @param {`0x${string}`} addr */
async function renderSupporter(addr) {
  const statementsField = firstField("Supporter", ["statements", "epochStatements", "earnings"]);
  const totalsField = firstField("Supporter", ["totals", "lifecycle", "lifecycleTotals"]);
  const proofField = firstField("Supporter", ["proof", "payoutProof", "claimProof"]);
  const flagsField = firstField("Supporter", ["flaggedReceipts", "verdicts", "flags"]);
  const data = await gql(
    `query Supporter($a: Bytes!) { supporter(address: $a) {
      address founder
      nodes { address founder registeredAt payoutAddresses { payoutAddress effectiveEpoch submittedEpoch } }
      account { totalClaimedMicroUsd claimCount lastClaimAt }
      claims(first: 20) { edges { node { id amountMicroUsd cumulativeClaimedMicroUsd blockTimestamp transactionHash epoch { epoch } } } }
      receipts(first: 100) { edges { node { epoch sessionId supporter viewer seq deltaBytes timestamp verdict reason } } }
      ${statementsField ? select("Supporter", statementsField) : ""}
      ${totalsField ? select("Supporter", totalsField) : ""}
      ${proofField ? select("Supporter", proofField) : ""}
      ${flagsField ? select("Supporter", flagsField) : ""}
    } }`,
    { a: addr },
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
  const statements = statementsField ? asList(s[statementsField]) : [];
  const receipts = asList(s.receipts);
  const flagged = [
    ...(flagsField ? asList(s[flagsField]) : []),
    ...receipts.filter((/** @type {any} */ r) => r.verdict !== "accepted" || r.reason),
  ];
  const claims = asList(s.claims);
  const totals = totalsField ? s[totalsField] : null;

  // Earnings per epoch: the statements' payouts when the API serves statements; otherwise
  // the bytes the supporter's accepted receipts added, per epoch (what earnings derive from).
  let chart;
  if (statements.length > 0) {
    const key = moneyKey(statements[0]) ?? "";
    chart = {
      caption: "Earnings per epoch",
      svg: barChart(
        statements
          .map((/** @type {any} */ st) => ({ label: `#${st.epoch}`, value: BigInt(st[key] ?? 0) }))
          .sort((/** @type {any} */ a, /** @type {any} */ b) => (a.label < b.label ? -1 : 1)),
        { caption: "Earnings per epoch" },
      ),
    };
  } else {
    /** @type {Map<string, bigint>} */
    const perEpoch = new Map();
    for (const r of receipts)
      if (r.verdict === "accepted") perEpoch.set(r.epoch, (perEpoch.get(r.epoch) ?? 0n) + BigInt(r.deltaBytes));
    const points = [...perEpoch]
      .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))
      .map(([e, v]) => ({ label: `#${e}`, value: v, title: `epoch ${e}: ${gb(v)} served` }));
    chart = {
      caption: "Bytes served per epoch (accepted receipts; this API serves no statements yet)",
      svg: barChart(points, { caption: "Bytes served per epoch", format: gb }),
    };
  }

  // A live refresh keeps the verify panel (its proof, result and buttons) as it is.
  const keptVerify = el.dataset.address === addr ? document.getElementById("verify-card") : null;
  el.innerHTML = html`<section class="card">
      <h3>${addr} ${s.founder ? badge("ok", "founder 1.1×") : ""}</h3>
      <div class="totals" id="totals">${totalsCards(totals, s.account)}</div>
    </section>
    <section class="card">
      <h3>${chart.caption}</h3>
      ${raw(chart.svg)}
    </section>
    <section class="card" id="verify-card">
      <h3>Verify my payout · claim</h3>
      ${verifyPanel(addr, proofField ? s[proofField] : null)}
    </section>
    <section class="card">
      <h3>Itemized statement</h3>
      ${
        statementsField
          ? table(statements)
          : html`<p class="muted">
              This API does not serve itemized statements yet (no <code>Supporter.statements</code> field).
            </p>`
      }
    </section>
    <section class="card">
      <h3>Flagged receipts ${badge(flagged.length ? "flagged" : "ok", String(flagged.length))}</h3>
      ${
        flagged.length
          ? table(
              flagged,
              Object.keys(flagged[0]).filter((k) => !["supporter", "__typename"].includes(k)),
            )
          : html`<p class="muted">No receipt was flagged, clipped or a duplicate.</p>`
      }
    </section>
    <section class="card">
      <h3>Nodes</h3>
      ${table(
        s.nodes.map((/** @type {any} */ n) => ({
          node: n.address,
          founder: n.founder ? "yes" : "no",
          registeredAt: n.registeredAt,
          payoutAddresses: n.payoutAddresses.map(
            (/** @type {any} */ p) => `${short(p.payoutAddress)} from epoch ${p.effectiveEpoch}`,
          ),
        })),
      )}
    </section>
    <section class="card">
      <h3>Claims</h3>
      ${table(
        claims.map((/** @type {any} */ c) => ({
          epoch: c.epoch.epoch,
          amountMicroUsd: c.amountMicroUsd,
          cumulativeClaimedMicroUsd: c.cumulativeClaimedMicroUsd,
          at: time(c.blockTimestamp),
          transactionHash: c.transactionHash,
        })),
      )}
    </section>`.html;
  el.dataset.address = addr;
  if (keptVerify) $("#verify-card").replaceWith(keptVerify);
  else wireVerify(addr, proofField ? s[proofField] : null);
}

/**
 * The lifecycle totals: the API's when it serves them; otherwise what can be known here
 * (claimed from the indexer; claimable once the proof is checked against the chain).
 * @param {any} totals
 * @param {any} account
 */
function totalsCards(totals, account) {
  const pick = (/** @type {RegExp} */ re) => {
    if (!totals) return undefined;
    const k = Object.keys(totals).find((key) => re.test(key));
    return k ? totals[k] : undefined;
  };
  const cards = [
    ["accrued", pick(/accrued/i), "current epoch, not yet in a root"],
    ["committed", pick(/committed/i), "in a proposed root, disputable"],
    ["claimable", pick(/claimable/i), "finalized, not yet claimed"],
    ["claimed", pick(/^claimed/i) ?? account?.totalClaimedMicroUsd ?? "0", "paid on-chain"],
  ];
  return html`${cards.map(
    ([name, v, hint]) =>
      html`<div class="total" data-total="${name}">
        <div class="label">${name}</div>
        <div class="value">${v === undefined ? "—" : usd(String(v))}</div>
        <div class="hint">${v === undefined ? "verify below to compute" : hint}</div>
      </div>`,
  )}`;
}

/**
 * @param {string} addr
 * @param {any} apiProof
 */
function verifyPanel(addr, apiProof) {
  return html`<p class="muted">
      Checks, in this browser, that your cumulative entitlement is a leaf of the root finalized <em>on-chain</em>, then
      claims it through your wallet.
    </p>
    ${
      apiProof
        ? html`<p>The API provided your proof for epoch ${apiProof.epoch ?? "?"}.</p>`
        : html`<details ${raw(apiProof ? "" : "open")}>
            <summary>Your proof</summary>
            <p class="muted">
              Paste the proof JSON (<code>{"cumulativeAmount": "…", "proof": ["0x…"]}</code>), e.g. from
              <code>ledger claim --dry-run</code> for ${short(addr)}.
            </p>
            <textarea
              id="proof-json"
              rows="4"
              spellcheck="false"
              placeholder='{"account":"${addr}","cumulativeAmount":"0","proof":[]}'
            ></textarea>
          </details>`
    }
    <div class="row">
      <button id="verify">Verify my payout</button>
      <button id="claim" disabled>Claim</button>
    </div>
    <div id="verify-result" class="result"></div>`;
}

/**
 * @param {`0x${string}`} addr
 * @param {any} apiProof
 */
function wireVerify(addr, apiProof) {
  /** @type {{ cumulativeAmount: bigint, proof: `0x${string}`[] } | null} */
  let verified = null;
  const out = $("#verify-result");
  const claimBtn = /** @type {HTMLButtonElement} */ ($("#claim"));
  const readProof = async () => {
    const chain = await chainModule();
    if (apiProof) {
      const amountKey = Object.keys(apiProof).find((k) => /cumulative|amount/i.test(k) && !/claimed/i.test(k));
      return {
        cumulativeAmount: BigInt(apiProof[amountKey ?? ""] ?? 0),
        proof: /** @type {`0x${string}`[]} */ (apiProof.proof ?? []),
        epoch: apiProof.epoch,
      };
    }
    const text = /** @type {HTMLTextAreaElement} */ ($("#proof-json")).value.trim();
    if (!text) throw new DashboardError("Paste your proof first: this API does not serve proofs yet.", "NO_PROOF");
    const p = chain.parseProof(text);
    if (p.account && p.account !== addr)
      throw new DashboardError(`This proof is for ${p.account}, not for ${addr}.`, "WRONG_ACCOUNT");
    return p;
  };
  $("#verify").addEventListener("click", async () => {
    out.className = "result";
    out.textContent = "Checking against the chain…";
    claimBtn.disabled = true;
    try {
      const chain = await chainModule();
      const p = await readProof();
      const computed = chain.rootFromProof(addr, p.cumulativeAmount, p.proof);
      const st = await chain.chainState(config, addr);
      setTotal("claimed", st.claimed);
      if (computed !== st.finalizedRoot) {
        verified = null;
        out.className = "result bad";
        out.innerHTML = html`<strong>✗ Not verified.</strong> The proof leads to root <code>${short(computed)}</code>,
          but the root finalized on-chain (epoch ${st.finalizedEpoch}) is <code>${short(st.finalizedRoot)}</code>. Your
          proof is for another epoch or another amount.`.html;
        return;
      }
      verified = p;
      const claimable = p.cumulativeAmount > st.claimed ? p.cumulativeAmount - st.claimed : 0n;
      setTotal("claimable", claimable);
      out.className = "result good";
      out.innerHTML = html`<strong>✓ Verified against the chain.</strong> Your cumulative entitlement of
        <strong data-verified-amount>${usd(p.cumulativeAmount)}</strong> is in the root finalized on-chain for epoch
        ${st.finalizedEpoch} (<code>${short(st.finalizedRoot)}</code>). Claimed so far ${usd(st.claimed)}; claimable now
        <strong>${usd(claimable)}</strong>. Token balance of ${short(addr)}:
        <span data-balance>${usd(st.balance)}</span>.`.html;
      claimBtn.disabled = claimable === 0n;
    } catch (err) {
      out.className = "result bad";
      out.textContent = explain(err);
    }
  });
  claimBtn.addEventListener("click", async () => {
    if (!verified) return;
    claimBtn.disabled = true;
    out.className = "result";
    out.textContent = "Confirm the claim in your wallet…";
    try {
      const chain = await chainModule();
      walletAccount ??= await chain.connectWallet(config);
      const before = await chain.chainState(config, addr);
      const hash = await chain.claim(config, {
        from: walletAccount,
        account: addr,
        cumulativeAmount: verified.cumulativeAmount,
        proof: verified.proof,
      });
      const after = await chain.chainState(config, addr);
      setTotal("claimed", after.claimed);
      setTotal("claimable", verified.cumulativeAmount - after.claimed);
      out.className = "result good";
      out.innerHTML = html`<strong>✓ Claimed ${usd(after.claimed - before.claimed)}</strong> in transaction
        <code title="${hash}">${short(hash)}</code>. Balance of ${short(addr)}: ${usd(before.balance)} →
        <strong data-balance>${usd(after.balance)}</strong>.`.html;
    } catch (err) {
      out.className = "result bad";
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
  signers proposedAt finalizedAt vetoedAt vetoReason proposalCount claimedMicroUsd`;

/** @param {string | undefined} epochId */
async function auditorView(epochId) {
  const verificationSel = select("Epoch", "verification");
  const ledgerField = firstField("Query", ["ledger", "ledgerEntries"]);
  const data = await gql(`{
    epochs(first: 50) { ${EPOCH_FIELDS} ${verificationSel} }
    reconciliation { fundedMicroUsd withdrawnMicroUsd claimedMicroUsd committedMicroUsd outstandingLiabilityMicroUsd
      expectedBalanceMicroUsd contractBalanceMicroUsd balanceBlock solvent balanced }
    fundings(first: 50) { from amountMicroUsd netFundedMicroUsd blockNumber blockTimestamp transactionHash }
    claims(first: 50) { account { id } recipient amountMicroUsd blockNumber blockTimestamp transactionHash epoch { epoch } }
    excessWithdrawals(first: 50) { to amountMicroUsd netFundedMicroUsd blockNumber blockTimestamp transactionHash }
    indexer { chainId contract blockNumber }
    ${ledgerField ? select("Query", ledgerField) : ""}
  }`);
  const r = data.reconciliation;
  const ledger = [
    ...data.fundings.map((/** @type {any} */ f) => ({ kind: "funded", who: f.from, ...f })),
    ...data.claims.map((/** @type {any} */ c) => ({
      kind: `claimed (epoch ${c.epoch.epoch})`,
      who: c.account.id,
      ...c,
    })),
    ...data.excessWithdrawals.map((/** @type {any} */ w) => ({ kind: "excess withdrawn", who: w.to, ...w })),
  ]
    .sort((a, b) => Number(BigInt(b.blockNumber) - BigInt(a.blockNumber)))
    .map((e) => ({
      kind: e.kind,
      account: e.who,
      amountMicroUsd: e.amountMicroUsd,
      block: e.blockNumber,
      at: time(e.blockTimestamp),
      transactionHash: e.transactionHash,
    }));
  view().innerHTML = html`<section class="card">
      <h2>Auditor</h2>
      <form id="goto" class="row">
        <input id="epoch-input" placeholder="epoch number" inputmode="numeric" value="${epochId ?? ""}" />
        <button type="submit">Open epoch</button>
      </form>
      <p class="muted">
        Indexer at block ${data.indexer?.blockNumber ?? "—"} of chain ${data.indexer?.chainId ?? config.chainId},
        distributor
        <code>${data.indexer?.contract ?? config.distributor}</code>. Recompute any epoch with
        <code>ledger verify-epoch N</code>.
      </p>
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
              <div class="value">${usd(v)}</div>
            </div>`,
        )}
      </div>
    </section>
    <section class="card">
      <h3>Epochs</h3>
      <table id="epochs">
        <thead>
          <tr>
            <th>epoch</th>
            <th>status</th>
            <th>verification</th>
            <th>root</th>
            <th>cumulative total</th>
            <th>claimed</th>
            <th>signers</th>
            <th>proposals</th>
            <th>valid at</th>
          </tr>
        </thead>
        <tbody>
          ${data.epochs.map(
            (/** @type {any} */ e) =>
              html`<tr data-epoch="${e.epoch}">
                <td><a href="#/auditor/epoch/${e.epoch}">#${e.epoch}</a></td>
                <td>${badge(e.status)}</td>
                <td class="verification">
                  ${e.verification ? badge(JSON.stringify(e.verification), cell("v", e.verification)) : badge("pending", "checking chain…")}
                </td>
                <td><code title="${e.root}">${short(e.root)}</code></td>
                <td>${usd(e.cumulativeTotalMicroUsd)}</td>
                <td>${usd(e.claimedMicroUsd)}</td>
                <td>${e.signers.length}</td>
                <td>${e.proposalCount}</td>
                <td>${time(e.validAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${data.epochs.length ? "" : html`<p class="muted">No epoch has been proposed on-chain yet.</p>`}
    </section>
    <section class="card">
      <h3>Ledger</h3>
      ${
        ledgerField
          ? table(asList(data[ledgerField]))
          : html`<p class="muted">Money movements on-chain (fundings, claims, withdrawals), newest first.</p>`
      }
      ${table(ledger)}
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
  void checkEpochsOnChain(data.epochs);
  if (epochId !== undefined) await epochDetail(epochId, data.epochs);
  follow(
    [{ query: "subscription { epochUpdated { epoch } }" }, { query: "subscription { claimed { id } }" }],
    () => void auditorView(epochId).catch((err) => say("error", explain(err))),
  );
}

/**
 * The verification badge the browser can give on its own: the API's root and status against
 * the contract's `epochRecord` (when the server has no `Epoch.verification`).
 * @param {any[]} epochs
 */
async function checkEpochsOnChain(epochs) {
  const pending = epochs.filter((e) => !e.verification);
  if (pending.length === 0) return;
  const STATUS = ["None", "Pending", "Finalized", "Vetoed"];
  const setCell = (/** @type {string} */ epoch, /** @type {import("./format.js").Raw} */ content) => {
    const td = document.querySelector(`tr[data-epoch="${epoch}"] td.verification`);
    if (td) td.innerHTML = content.html;
  };
  let chain;
  try {
    chain = await chainModule();
    chain.reader(config);
  } catch (err) {
    for (const e of pending) setCell(e.epoch, badge("unknown", "not checked: no wallet or RPC"));
    return;
  }
  for (const e of pending) {
    try {
      const rec = await chain.epochRecord(config, BigInt(e.epoch));
      const rootOk = rec.root === e.root || e.status === "Vetoed";
      const statusOk = STATUS[rec.status] === e.status;
      setCell(
        e.epoch,
        rootOk && statusOk
          ? badge("match", "✓ matches chain")
          : badge("differ", `✗ chain says ${STATUS[rec.status]} ${short(rec.root)}`),
      );
    } catch (err) {
      setCell(e.epoch, badge("unknown", explain(err).slice(0, 80)));
    }
  }
}

/**
 * @param {string} epochId
 * @param {any[]} known
 */
async function epochDetail(epochId, known) {
  const el = $("#epoch-detail");
  if (!/^\d{1,19}$/.test(epochId)) {
    say("error", `"${epochId.slice(0, 40)}" is not an epoch number: use a whole number such as 2.`);
    return;
  }
  const data = await gql(
    `query ($id: ID!) { epoch(id: $id) { ${EPOCH_FIELDS}
      transactions { kind transactionHash blockNumber blockTimestamp }
      vetoes { guardian reason blockTimestamp transactionHash }
      claims(first: 100) { account { id } amountMicroUsd blockTimestamp transactionHash } } }`,
    { id: epochId },
  );
  const e = data.epoch;
  if (!e) {
    const latest = known[0]?.epoch;
    say(
      "error",
      `Epoch ${epochId} is unknown: no root was proposed on-chain for it${latest ? ` (the latest epoch is ${latest})` : ""}.`,
    );
    return;
  }
  el.innerHTML = html`<section class="card" id="epoch-${e.epoch}">
    <h3>Epoch ${e.epoch} ${badge(e.status)}</h3>
    <dl class="kv">
      <dt>root</dt>
      <dd><code>${e.root}</code></dd>
      <dt>receiptsRoot</dt>
      <dd><code>${e.receiptsRoot}</code></dd>
      <dt>datasetHash</dt>
      <dd><code>${e.datasetHash}</code></dd>
      <dt>rateCardHash</dt>
      <dd><code>${e.rateCardHash}</code></dd>
      <dt>cumulative total</dt>
      <dd>${usd(e.cumulativeTotalMicroUsd)}</dd>
      <dt>claimed against it</dt>
      <dd>${usd(e.claimedMicroUsd)}</dd>
      <dt>signers</dt>
      <dd>${e.signers.map((/** @type {string} */ s) => html`<code>${short(s)}</code> `)}</dd>
      <dt>dispute window ends</dt>
      <dd>${time(e.validAt)}</dd>
      ${
        e.vetoReason
          ? html`<dt>veto reason</dt>
              <dd>${e.vetoReason}</dd>`
          : ""
      }
    </dl>
    <h4>Transactions</h4>
    ${table(e.transactions.map((/** @type {any} */ t) => ({ ...t, blockTimestamp: time(t.blockTimestamp) })))}
    <h4>Claims</h4>
    ${table(e.claims.map((/** @type {any} */ c) => ({ account: c.account.id, amountMicroUsd: c.amountMicroUsd, at: time(c.blockTimestamp), transactionHash: c.transactionHash })))}
  </section>`.html;
}

// ---------------------------------------------------------------------------------------
// Admin

async function adminView() {
  const alertsField = firstField("Query", ["alerts"]);
  const data = await gql(`{
    epochs(first: 50, orderDirection: asc) { epoch status proposedAt validAt finalizedAt vetoedAt vetoReason proposalCount
      transactions { kind transactionHash blockNumber blockTimestamp } }
    rootVetoes(first: 50) { epoch { epoch } guardian reason blockTimestamp transactionHash }
    reconciliation { solvent balanced outstandingLiabilityMicroUsd contractBalanceMicroUsd expectedBalanceMicroUsd }
    indexer { blockNumber }
    ${alertsField ? select("Query", alertsField) : ""}
  }`);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const r = data.reconciliation;
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
  for (const a of alertsField ? asList(data[alertsField]) : [])
    alerts.push(["warn", Object.values(a).map(String).join(" · ")]);

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
    <section class="card">
      <h3>Epoch timeline</h3>
      ${
        data.epochs.length
          ? html`<ol class="timeline">
              ${data.epochs.map(
                (/** @type {any} */ e) =>
                  html`<li data-epoch="${e.epoch}">
                    <div class="when">#${e.epoch} ${badge(e.status)}</div>
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
            </ol>`
          : html`<p class="muted">No epoch has been proposed on-chain yet.</p>`
      }
    </section>
    <section class="card">
      <h3>Vetoes</h3>
      ${table(
        data.rootVetoes.map((/** @type {any} */ v) => ({
          epoch: v.epoch.epoch,
          guardian: v.guardian,
          reason: v.reason,
          at: time(v.blockTimestamp),
          transactionHash: v.transactionHash,
        })),
      )}
    </section>`.html;
  follow(
    [{ query: "subscription { epochUpdated { epoch } }" }, { query: "subscription { claimed { id } }" }],
    () => void adminView().catch((err) => say("error", explain(err))),
  );
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
