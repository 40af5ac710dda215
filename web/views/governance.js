// The Admin view's Governance panel: who holds which role; what the timelock will change, and when.
// Takes in `Query.governance` and hands on its markup and the live countdowns to each change.
import { duration, html, raw, short, time } from "../format.js";
import { live } from "../page.js";
import { badge, hexCell, table } from "../ui.js";

export const GOVERNANCE_FIELDS = `governance {
  distributor chainTime
  roles { role name holders { account grantedAt grantedBy transactionHash } }
  timelock { address minDelaySeconds isAdmin roles { role name holders { account grantedAt } } }
  operations(first: 50) { id status readyAt delaySeconds predecessor salt scheduledAt scheduledTransactionHash
    executedAt executedTransactionHash cancelledAt cancelledTransactionHash description
    calls { functionName signature target value data args { name value } description } }
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
export function renderGovernance(g) {
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
            [
              "act (your wallet)",
              (o) =>
                html`<button type="button" class="inline" data-op-act="cancel" data-op="${o.id}">Cancel…</button>
                  ${o.status === "READY" ? html`<button type="button" class="inline" data-op-act="execute" data-op="${o.id}">Execute…</button>` : ""}`,
            ],
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
export function startCountdowns(g, fetchedAt) {
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
