// What every view shares about the page: the config the server sent (/dashboard/config.json), the
// connected wallet, the one-sentence message line and the live subscriptions of the view shown.
// Takes in the page's DOM; hands on `say`/`explain`, `follow` and the lazily loaded chain modules.
import { html } from "./format.js";
import { DashboardError, subscribe } from "./gql.js";

/** @typedef {import("./chain.js").DashboardConfig} DashboardConfig */

/** @type {DashboardConfig} */
export let config;
/** @param {DashboardConfig} c what /dashboard/config.json says (read once, by app.js) */
export function setConfig(c) {
  config = c;
}

/** @type {(() => void)[]} */
export let live = [];

/** The connected wallet account, if any. @type {`0x${string}` | null} */
export let walletAccount = null;
/** @param {`0x${string}`} account */
export function setWalletAccount(account) {
  walletAccount = account;
}

export const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));

export const view = () => $("#view");

/** The chain module loads viem's bundle: imported only when the chain is needed. */
export const chainModule = () => import("./chain.js");

/** The receipt inclusion check (viem's bundle too). */
export const receiptCheckModule = () => import("./receipt-check.js");

export const EPOCH_NOTE = html`Epochs are numbered as on-chain: the numbers claims, proofs and
  <code>ledger verify-epoch</code> use. The coordinator counts its time windows on its own clock ("coordinator epoch");
  each window the oracle computes becomes the next on-chain epoch.`;

// Messages: one sentence, never a stack trace.

/**
 * @param {"error" | "info" | "ok"} kind
 * @param {string} text
 */
export function say(kind, text) {
  const el = $("#message");
  el.className = `message ${kind}`;
  el.textContent = text;
  el.hidden = false;
}

export function unsay() {
  $("#message").hidden = true;
}

/** @param {unknown} err */
export function explain(err) {
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

export function stopLive() {
  for (const stop of live) stop();
  live = [];
  setLive("off");
}

/**
 * Runs `refresh` (debounced) whenever one of the subscriptions delivers.
 * @param {{ query: string, variables?: Record<string, unknown> }[]} subs
 * @param {() => void} refresh
 */
export function follow(subs, refresh) {
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
