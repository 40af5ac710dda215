// The Supporter view's "Earning now (this epoch)" panel: takes in an address, asks GraphQL for its
// live accrual (`Supporter.accrual`) and follows `accrualUpdated` over SSE, re-rendering only this
// panel on each push. Hands on its markup into the element it is given.
import { bytes, html, percent, ratePerGb, time, times, usd } from "../format.js";
import { gql, subscribe } from "../gql.js";
import { live } from "../page.js";

export const ACCRUAL_FIELDS = `epoch status epochStartsAt epochEndsAt asOf slots slotsElapsed rateCardVersion
  ratePerGbMicroUsd acceptedBytes receipts founder multiplierBps uptimeOnTrackBps uptimeBonusBps uptimeCertainBps
  provisionalMicroUsd conservativeMicroUsd gapMicroUsd gap { reason microUsd bytes explanation } budgetMicroUsd
  networkProvisionalMicroUsd proRata { numerator denominator }`;

/**
 * The panel's markup for one accrual.
 * @param {any} a
 * @param {"live" | "reconnecting"} status
 */
export function accrualPanel(a, status) {
  const ends = time(a.epochEndsAt);
  return html`<h3>
      Earning now (this epoch)
      <span class="muted small" data-accrual-status="${status}"
        >${status === "live" ? "● live" : "○ reconnecting…"}</span
      >
    </h3>
    <div class="totals">
      <div class="total" data-accrual="conservative">
        <div class="label">certain so far</div>
        <div class="value" title="${a.conservativeMicroUsd} µUSD">${usd(a.conservativeMicroUsd)}</div>
        <div class="hint">can only go up at close, unless others' bytes exceed the budget</div>
      </div>
      <div class="total" data-accrual="provisional">
        <div class="label">provisional</div>
        <div class="value" title="${a.provisionalMicroUsd} µUSD">${usd(a.provisionalMicroUsd)}</div>
        <div class="hint">at the current rate card, if the rules below take nothing</div>
      </div>
      <div class="total" data-accrual="bytes">
        <div class="label">bytes counted so far</div>
        <div class="value">${bytes(a.acceptedBytes)}</div>
        <div class="hint">${String(a.receipts)} ${a.receipts === 1 ? "receipt" : "receipts"} accepted by ingest</div>
      </div>
    </div>
    <p class="small">
      ${bytes(a.acceptedBytes)} × ${ratePerGb(a.ratePerGbMicroUsd)}
      ${a.founder ? html`${times(a.multiplierBps)} founder` : ""} × (1 + ${percent(a.uptimeBonusBps)} uptime bonus: on
      track for ${percent(a.uptimeOnTrackBps)} uptime, ${String(a.slotsElapsed)} of ${String(a.slots)} heartbeat slots
      begun) = <strong>${usd(a.provisionalMicroUsd)}</strong> provisional (rate card v${String(a.rateCardVersion)}).
    </p>
    ${
      a.gap.length
        ? html`<table class="small" data-accrual="gap">
            <thead>
              <tr>
                <th>What close could still take</th>
                <th>amount</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              ${a.gap.map(
                (/** @type {any} */ g) =>
                  html`<tr data-reason="${g.reason}">
                    <td><code>${g.reason}</code>${BigInt(g.bytes) > 0n ? html` (${bytes(g.bytes)})` : ""}</td>
                    <td>−${usd(g.microUsd)}</td>
                    <td>${g.explanation}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted small">Nothing pending: close pays the provisional figure for these bytes.</p>`
    }
    <p class="muted small">
      Coordinator epoch ${String(a.epoch)}, closes ${ends}; updated live within seconds of ingest. Certain uptime so
      far: ${percent(a.uptimeCertainBps)}.
      ${a.proRata ? html`The budget covers ${usd(a.budgetMicroUsd)} of ${usd(a.networkProvisionalMicroUsd)} earned.` : ""}
    </p>`.html;
}

/**
 * Fills `el` with `address`'s accrual and keeps it live until the view's subscriptions stop.
 * @param {`0x${string}`} address
 * @param {HTMLElement} el
 */
export async function followAccrual(address, el) {
  /** @type {"live" | "reconnecting"} */
  let status = "live";
  /** @type {any} */
  let last = null;
  const render = () => {
    if (!last) return;
    el.hidden = false;
    el.innerHTML = accrualPanel(last, status);
  };
  try {
    last = (
      await gql(`query ($a: Bytes!) { supporter(address: $a) { accrual { ${ACCRUAL_FIELDS} } } }`, { a: address })
    ).supporter.accrual;
    render();
  } catch {
    el.hidden = true; // an unknown supporter: the rest of the view says so
    return;
  }
  live.push(
    subscribe(
      `subscription ($a: Bytes!) { accrualUpdated(address: $a) { ${ACCRUAL_FIELDS} } }`,
      { a: address },
      (data) => {
        last = data.accrualUpdated;
        render();
      },
      (s) => {
        status = s;
        render();
      },
    ),
  );
}
