// The Admin view's actions through the admin REST API: the API key field (sessionStorage only),
// a rate card with its notice period and the epoch it implies, founder status, a fraud-flag
// override with its required note, and the audit log those write. Takes in GraphQL's public
// `rateCardSchedule` and the audit log (`GET /v1/admin/audit-log`, scope admin:read); each action
// is confirmed in a dialog showing the exact request, sent with the key, and on success the view
// re-reads the API (`refresh`). A refusal shows the server's own sentence.
import { adminKey, adminRequest, setAdminKey } from "../admin-api.js";
import { count, html, raw, time, usd } from "../format.js";
import { explain, unsay } from "../page.js";
import { REASONS } from "../reasons.js";
import { badge, table } from "../ui.js";
import { confirmAction, requestText, tell } from "./admin-confirm.js";

export const RATE_CARD_FIELDS = `rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch
  current { version effectiveFromEpoch ratePerGbMicroUsd founderMultiplierBps uptimeTiers { minUptimeBps bonusBps } }
  announced { version effectiveFromEpoch ratePerGbMicroUsd founderMultiplierBps uptimeTiers { minUptimeBps bonusBps } } }`;

/** Basis points as a multiplier ("1.1×") or a percentage ("+5 %"), exact. @param {string | number} bps */
const times = (bps) => `${(Number(bps) / 10_000).toString()}×`;
const plusPercent = (/** @type {string | number} */ bps) => `+${(Number(bps) / 100).toString()} %`;

/** @param {any} c a RateCard */
function cardLine(c) {
  const bonus = c.uptimeTiers.length
    ? c.uptimeTiers
        .map((/** @type {any} */ t) => `${plusPercent(t.bonusBps)} from ${Number(t.minUptimeBps) / 100} % uptime`)
        .join(", ")
    : "no uptime bonus";
  return `${usd(c.ratePerGbMicroUsd)}/GB, founders ${times(c.founderMultiplierBps)}, ${bonus}`;
}

/**
 * The "Act" card's markup.
 * @param {any} schedule `Query.rateCardSchedule`
 */
export function renderActs(schedule) {
  const s = schedule;
  const next = nextEpoch(s);
  const reasonOptions = Object.keys(REASONS).map((code) => html`<option value="${code}"></option>`);
  return html`<h3>Act as admin</h3>
    <form id="admin-key-form" class="row">
      <label for="admin-key">Admin API key</label>
      <input
        id="admin-key"
        type="password"
        autocomplete="off"
        spellcheck="false"
        placeholder="lk_… (kept in this tab only)"
      />
      <button type="submit">Use key</button>
      <button type="button" id="admin-key-forget">Forget</button>
      <span id="admin-key-status" class="muted small"
        >${adminKey() ? "A key is set for this tab." : "No key set: actions below need one."}</span
      >
    </form>
    <p class="muted small">
      The key stays in this browser tab (sessionStorage) and is sent only to this server, as
      <code>Authorization: Bearer …</code>. Every action below is confirmed before it is sent and recorded in the audit
      log.
    </p>

    <h4>Rate card</h4>
    <p class="small" id="rate-card-notice">
      Notice period: <b>${s.noticeEpochs} epochs</b>. The current coordinator epoch is <b>${s.currentEpoch}</b>, so a
      card set now takes effect from coordinator epoch <b>${s.earliestEffectiveEpoch}</b> at the earliest.
      ${
        s.current
          ? html`In force: v${s.current.version}, ${cardLine(s.current)}.`
          : s.announced.length
            ? "No card is in force at the current epoch: the oracle cannot price it (NoRateCardError) until one is."
            : "No card is stored yet: the oracle prices with its built-in development card, and once a first card is stored, epochs before it have no card. Store the first card before the first epoch opens."
      }
      ${s.announced.map(
        (/** @type {any} */ c) =>
          html` Announced: v${c.version} from coordinator epoch ${c.effectiveFromEpoch}, ${cardLine(c)}.`,
      )}
    </p>
    <form id="rate-card-form" class="act">
      <label
        >Effective from coordinator epoch
        <input name="effectiveEpoch" type="number" min="${next}" step="1" required value="${next}"
      /></label>
      <label
        >Rate, µUSD per GB
        <input
          name="rateMicroUsdPerGb"
          inputmode="numeric"
          pattern="[0-9]{1,18}"
          required
          value="${s.current?.ratePerGbMicroUsd ?? "50000"}"
      /></label>
      <label
        >Founder multiplier, bps
        <input
          name="founderMultiplierBps"
          type="number"
          step="1"
          required
          value="${s.current?.founderMultiplierBps ?? "11000"}"
      /></label>
      <label
        >Uptime bonus, bps
        <input
          name="uptimeBonusBps"
          type="number"
          step="1"
          required
          value="${s.current?.uptimeTiers[0]?.bonusBps ?? "500"}"
      /></label>
      <p class="small implied" id="rate-card-implied"></p>
      <button type="submit">Propose rate card…</button>
      <p class="act-status" hidden></p>
    </form>

    <h4>Founder status</h4>
    <form id="founder-form" class="act">
      <label>Node address <input name="node" required pattern="0x[0-9a-fA-F]{40}" placeholder="0x…" /></label>
      <label
        >Status
        <select name="founder">
          <option value="true">founder (multiplier applies)</option>
          <option value="false">not a founder</option>
        </select></label
      >
      <label>Reason <input name="reason" maxlength="2000" placeholder="why (kept in the signed record)" /></label>
      <p class="small muted">
        Takes effect from the current coordinator epoch (${s.currentEpoch}) and follows the node.
      </p>
      <button type="submit">Set founder status…</button>
      <p class="act-status" hidden></p>
    </form>

    <h4>Override a fraud flag</h4>
    <form id="flag-form" class="act">
      <label>Coordinator epoch <input name="epoch" type="number" min="0" step="1" required /></label>
      <label>Node address <input name="node" required pattern="0x[0-9a-fA-F]{40}" placeholder="0x…" /></label>
      <label
        >Reason code
        <input name="reasonCode" list="reason-codes" required pattern="[A-Z][A-Z0-9_]{1,63}" placeholder="NODE_OFFLINE"
      /></label>
      <datalist id="reason-codes">${reasonOptions}</datalist>
      <label
        >Decision
        <select name="decision">
          <option value="include">include (count what the rule flagged)</option>
          <option value="exclude">exclude</option>
        </select></label
      >
      <label class="wide">Note (required: why) <textarea name="note" rows="2" maxlength="2000"></textarea></label>
      <button type="submit">Override flag…</button>
      <p class="act-status" hidden></p>
    </form>

    <h4>Audit log ${raw('<span id="audit-count"></span>')}</h4>
    <div id="audit-log"><p class="muted">…</p></div>`;
}

/**
 * Wires the forms and loads the audit log.
 * @param {HTMLElement} root the card
 * @param {any} schedule `Query.rateCardSchedule`
 * @param {() => Promise<void>} refresh re-reads the view from the API
 */
export async function wireActs(root, schedule, refresh) {
  const q = (/** @type {string} */ sel) => /** @type {HTMLFormElement} */ (root.querySelector(sel));
  q("#admin-key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ (root.querySelector("#admin-key"));
    setAdminKey(input.value);
    input.value = "";
    void refresh();
  });
  root.querySelector("#admin-key-forget")?.addEventListener("click", () => {
    setAdminKey("");
    void refresh();
  });

  const rate = q("#rate-card-form");
  const implied = () => {
    const f = fields(rate);
    const epoch = f.effectiveEpoch === "" ? NaN : Number(f.effectiveEpoch);
    const ahead = epoch - Number(schedule.currentEpoch);
    const el = /** @type {HTMLElement} */ (root.querySelector("#rate-card-implied"));
    el.textContent = !Number.isSafeInteger(epoch)
      ? "Enter the coordinator epoch the card takes effect from."
      : epoch < Number(schedule.earliestEffectiveEpoch)
        ? `Too soon: with ${schedule.noticeEpochs} epochs of notice the earliest is coordinator epoch ${schedule.earliestEffectiveEpoch}; the server will refuse ${epoch}.`
        : epoch < nextEpoch(schedule)
          ? `Too early: a card is already announced from coordinator epoch ${nextEpoch(schedule) - 1}; a new one must start after it.`
          : `Implies: supporters are paid ${/^\d{1,18}$/.test(f.rateMicroUsdPerGb) ? usd(f.rateMicroUsdPerGb) : "?"}/GB from coordinator epoch ${epoch}, ${count(String(ahead))} epochs after the current one (${schedule.currentEpoch}).`;
  };
  rate.addEventListener("input", implied);
  implied();

  act(rate, refresh, (f) => {
    const body = {
      effectiveEpoch: Number(f.effectiveEpoch),
      rateMicroUsdPerGb: f.rateMicroUsdPerGb,
      founderMultiplierBps: Number(f.founderMultiplierBps),
      uptimeBonusBps: Number(f.uptimeBonusBps),
    };
    return {
      method: "POST",
      path: "/v1/admin/rate-cards",
      body,
      title: "Propose a rate card",
      summary: `A new rate card version, effective from coordinator epoch ${body.effectiveEpoch} (notice: ${schedule.noticeEpochs} epochs from the current epoch ${schedule.currentEpoch}), signed by the policy key.`,
      lines: [
        ["effective from", `coordinator epoch ${body.effectiveEpoch}`],
        [
          "rate",
          /^\d{1,18}$/.test(body.rateMicroUsdPerGb) ? `${usd(body.rateMicroUsdPerGb)} per GB` : body.rateMicroUsdPerGb,
        ],
        ["founder multiplier", times(body.founderMultiplierBps)],
        ["uptime bonus", `${plusPercent(body.uptimeBonusBps)} from 95 % uptime`],
      ],
      confirm: "Send rate card",
      done: (/** @type {any} */ c) =>
        `Rate card v${c.version} recorded: effective from coordinator epoch ${c.effectiveEpoch}.`,
    };
  });

  act(q("#founder-form"), refresh, (f) => {
    const node = f.node.toLowerCase();
    const body = { founder: f.founder === "true", ...(f.reason ? { reason: f.reason } : {}) };
    return {
      method: "PUT",
      path: `/v1/admin/supporters/${node}/founder`,
      body,
      title: body.founder ? "Grant founder status" : "Clear founder status",
      summary: `${node} ${body.founder ? "becomes a founder" : "stops being a founder"} from the current coordinator epoch (${schedule.currentEpoch}) on.`,
      lines: [
        ["node", node],
        ["founder", body.founder ? "yes" : "no"],
        ["reason", body.reason ?? "—"],
      ],
      confirm: body.founder ? "Grant founder status" : "Clear founder status",
      done: (/** @type {any} */ r) => `${r.node} is ${r.founder ? "now a founder" : "no longer a founder"}.`,
    };
  });

  act(q("#flag-form"), refresh, (f) => {
    if (!f.note.trim()) throw new Error("NOTE_REQUIRED");
    const body = {
      epoch: Number(f.epoch),
      node: f.node.toLowerCase(),
      reasonCode: f.reasonCode.trim(),
      decision: /** @type {"include" | "exclude"} */ (f.decision),
      note: f.note,
    };
    return {
      method: "POST",
      path: "/v1/admin/flag-overrides",
      body,
      title: "Override a fraud flag",
      summary: `What ${body.reasonCode} flagged for ${body.node} in coordinator epoch ${body.epoch} is ${body.decision}d when the oracle computes the epoch.`,
      lines: [
        ["coordinator epoch", String(body.epoch)],
        ["node", body.node],
        ["reason code", body.reasonCode],
        ["decision", body.decision],
        ["note", body.note],
      ],
      confirm: "Send override",
      done: (/** @type {any} */ o) =>
        `Override ${o.id} recorded: ${o.reasonCode} ${o.decision}d for ${o.node} in coordinator epoch ${o.epoch}.`,
    };
  });

  await loadAudit(root);
}

/**
 * The first coordinator epoch a new card may start from: the notice period's earliest, and after
 * every card already announced (the server's two rules).
 * @param {any} s `Query.rateCardSchedule`
 */
function nextEpoch(s) {
  const last = s.announced.at(-1) ?? s.current;
  return Math.max(Number(s.earliestEffectiveEpoch), last ? Number(last.effectiveFromEpoch) + 1 : 0);
}

/** @param {HTMLFormElement} form @returns {Record<string, string>} */
function fields(form) {
  return Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
}

/**
 * @typedef {{ method: "POST" | "PUT", path: string, body: unknown, title: string, summary: string,
 *   lines: [string, string][], confirm: string, done: (answer: any) => string }} Action
 */

/**
 * On submit: build the action, confirm it, send it with the key, say the outcome, refresh.
 * @param {HTMLFormElement} form
 * @param {() => Promise<void>} refresh
 * @param {(f: Record<string, string>) => Action} build
 */
function act(form, refresh, build) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    unsay();
    void (async () => {
      let a;
      try {
        a = build(fields(form));
      } catch {
        tell(form.id, "error", "The note is required: say why the flag is overridden (it is kept in the audit log).");
        return;
      }
      const ok = await confirmAction({ ...a, sent: requestText(a.method, a.path, a.body) });
      if (!ok) return tell(form.id, "info", "Nothing was sent.");
      tell(form.id, "info", "Sending…");
      const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
      button.disabled = true;
      try {
        const answer = await adminRequest(a.method, a.path, a.body);
        await refresh();
        tell(form.id, "ok", a.done(answer));
      } catch (err) {
        tell(form.id, "error", explain(err));
      } finally {
        button.disabled = false;
      }
    })();
  });
}

/** The newest audit entries (scope admin:read). @param {HTMLElement} root */
async function loadAudit(root) {
  const el = /** @type {HTMLElement} */ (root.querySelector("#audit-log"));
  if (!adminKey()) {
    el.innerHTML = html`<p class="muted">Enter an admin API key (scope admin:read) to see the audit log.</p>`.html;
    return;
  }
  try {
    const rows = /** @type {any[]} */ (await adminRequest("GET", "/v1/admin/audit-log?limit=10"));
    /** @type {HTMLElement} */ (root.querySelector("#audit-count")).innerHTML = badge("ok", String(rows.length)).html;
    el.innerHTML = table(
      rows,
      [
        ["#", (r) => r.id, "r"],
        ["at", (r) => time(r.at)],
        ["action", (r) => html`<code>${r.action}</code>`],
        ["subject", (r) => (r.subject ? html`<code class="clip" title="${r.subject}">${r.subject}</code>` : "—")],
        ["by (API key)", (r) => html`<code>${r.actor}</code>`],
        [
          "details",
          (r) => html`<span class="clip wide small" title="${JSON.stringify(r.details)}">${summary(r)}</span>`,
        ],
      ],
      { empty: "No admin change recorded yet.", rowAttrs: (r) => raw(`data-audit="${Number(r.id)}"`), stack: true },
    ).html;
  } catch (err) {
    el.innerHTML = html`<p class="message error">${explain(err)}</p>`.html;
  }
}

/** An audit entry's details in a few words. @param {any} r */
function summary(r) {
  const d = r.details ?? {};
  if (r.action === "rate_card.create")
    return `v${d.version} from coordinator epoch ${d.effectiveEpoch}: ${usd(String(d.rateMicroUsdPerGb))}/GB`;
  if (r.action === "supporter.founder.set") return d.founder ? "founder" : "not a founder";
  if (r.action === "flag_override.create") return `${d.reasonCode} ${d.decision}d: ${d.note}`;
  return JSON.stringify(d);
}
