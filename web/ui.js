// Small pieces of the views: badges, cells, tables and pagers, each rendered as escaped `html`.
// Takes in GraphQL rows (and, for `supporterPage`, asks for a page of them); hands on markup (and,
// for `pager`, a live element with prev/next).
import { bytes, count, html, raw, short, usd } from "./format.js";
import { gql } from "./gql.js";
import { explain, say } from "./page.js";

/** @typedef {import("./format.js").Raw} Raw */

export const PAGE = 10;

/** @param {any} x */
export function asList(x) {
  if (!x) return [];
  if (Array.isArray(x.edges)) return x.edges.map((/** @type {any} */ e) => e.node);
  return Array.isArray(x) ? x : [x];
}

/** @param {string} status @param {string} [text] */
export function badge(status, text = status) {
  const cls = /^(finaliz|ok|match|verified|solvent|balanced|accepted|good)/i.test(status)
    ? "good"
    : /^(veto|fail|differ|insolvent|unbalanced|flag|reject|clip|bad)/i.test(status)
      ? "bad"
      : "warn";
  return html`<span class="badge ${cls}">${text}</span>`;
}

/** An address or hash, shortened, with the whole value on hover. @param {string | null | undefined} hex */
export function hexCell(hex) {
  return hex ? html`<code title="${hex}">${short(hex)}</code>` : "—";
}

/** A bytes count in human units, the exact count on hover. @param {string | null | undefined} n */
export function bytesCell(n) {
  return n === null || n === undefined ? "—" : html`<span title="${count(n)} bytes">${bytes(n)}</span>`;
}

/** A µUSD amount, the exact µUSD on hover. @param {string | null | undefined} v */
export function usdCell(v) {
  return v === null || v === undefined ? "—" : html`<span class="num" title="${v} µUSD">${usd(v)}</span>`;
}

/**
 * A table: `cols` are [header, cell renderer, class?]. Always inside a wrapper that scrolls
 * sideways on its own, so no table ever makes the page wider than the window. With `stack`, at
 * phone width each row becomes a block of "header: value" lines instead (style.css, `table.stack`).
 * @template T
 * @param {T[]} rows
 * @param {[string, (row: T) => unknown, string?][]} cols
 * @param {{ id?: string, empty?: string, rowAttrs?: (row: T) => Raw, stack?: boolean }} [o]
 */
export function table(rows, cols, o = {}) {
  if (rows.length === 0) return html`<p class="muted">${o.empty ?? "None."}</p>`;
  const cell = o.stack
    ? (/** @type {string} */ h, /** @type {unknown} */ v) =>
        html`<div class="v" data-label="${h}"><span>${v}</span></div>`
    : (/** @type {string} */ _h, /** @type {unknown} */ v) => v;
  return html`<div class="table-wrap">
    <table ${raw(o.id ? `id="${o.id}"` : "")} class="${o.stack ? "stack" : ""}">
      <thead>
        <tr>
          ${cols.map(([h, , cls]) => html`<th class="${cls ?? ""}">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr ${o.rowAttrs ? o.rowAttrs(r) : ""}>
              ${cols.map(([h, f, cls]) => html`<td class="${cls ?? ""}">${cell(h, f(r))}</td>`)}
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
export const pagerCursors = new Map();

/**
 * @param {HTMLElement} el
 * @param {string} key
 * @param {(after: string | null) => Promise<{ rows: any[], hasNextPage: boolean, endCursor: string | null }>} fetchPage
 * @param {(rows: any[]) => Raw} render
 * @param {string} [label]
 */
export async function pager(el, key, fetchPage, render, label = "Page") {
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
 * One page of the supporter's connection `field` (each node with `fields`), as `pager` takes it.
 * @param {`0x${string}`} addr
 * @param {string} field
 * @param {string} fields
 * @param {string | null} after
 */
export async function supporterPage(addr, field, fields, after) {
  const d = await gql(
    `query ($a: Bytes!, $after: String) { supporter(address: $a) {
      ${field}(first: ${PAGE}, after: $after) { edges { node { ${fields} } } pageInfo { hasNextPage endCursor } }
    } }`,
    { a: addr, after },
  );
  const c = d.supporter[field];
  return { rows: asList(c), ...c.pageInfo };
}
/**
 * Pages over rows already in hand.
 * @param {any[]} rows
 * @param {number} size
 */
export function localPages(rows, size) {
  return async (/** @type {string | null} */ after) => {
    const start = after ? Number(after) : 0;
    return {
      rows: rows.slice(start, start + size),
      hasNextPage: start + size < rows.length,
      endCursor: String(start + size),
    };
  };
}
