// The Admin view's confirmation before any action is sent: a modal <dialog> that says in words
// what will happen and shows exactly what will be sent (the HTTP request with its JSON body, or the
// transaction's sender, contract, function, arguments and calldata). Nothing is sent unless the
// admin presses the dialog's confirm button; Cancel, Escape or closing it sends nothing.
import { html } from "../format.js";
import { say } from "../page.js";

/**
 * @param {{ title: string, summary: string, lines: [string, string][], sent: string, confirm: string }} o
 *   `lines`: what the action changes, one [label, value] per line; `sent`: the request or transaction as text.
 * @returns {Promise<boolean>} whether the admin confirmed
 */
export function confirmAction(o) {
  const dialog = document.createElement("dialog");
  dialog.className = "confirm";
  dialog.innerHTML = html`<form method="dialog">
    <h3>${o.title}</h3>
    <p>${o.summary}</p>
    <dl>
      ${o.lines.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd><code>${v}</code></dd>`,
      )}
    </dl>
    <p class="muted small">Exactly what will be sent:</p>
    <pre class="sent">${o.sent}</pre>
    <div class="row">
      <button type="submit" value="yes" data-confirm="yes">${o.confirm}</button>
      <button type="submit" value="no" data-confirm="no" formnovalidate>Cancel</button>
    </div>
  </form>`.html;
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    dialog.showModal();
    /** @type {HTMLButtonElement | null} */ (dialog.querySelector('[data-confirm="no"]'))?.focus();
  });
}

/**
 * An HTTP request as the dialog shows it: method, path, the auth header with the key hidden, the body.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
export function requestText(method, path, body) {
  return [
    `${method} ${path}`,
    "Authorization: Bearer ••••••••  (your API key)",
    ...(body === undefined ? [] : ["Content-Type: application/json", "", JSON.stringify(body, null, 2)]),
  ].join("\n");
}

/**
 * Says an action's outcome on the page's message line and beside the action itself (the element
 * `.act-status` inside `#where`, looked up afresh: a refresh re-renders the view), so the admin
 * reads it where they clicked.
 * @param {string} where the id of the form or card the action belongs to
 * @param {"error" | "info" | "ok"} kind
 * @param {string} text
 */
export function tell(where, kind, text) {
  say(kind, text);
  const el = document.querySelector(`#${where} .act-status`);
  if (!el) return;
  el.className = `act-status message ${kind}`;
  el.textContent = text;
  /** @type {HTMLElement} */ (el).hidden = false;
}
