// The Supporter view's cards: takes in the API's lifecycle totals, rate card schedule, statements
// and uptime and hands on their markup and charts (web/chart.js).
import { barChart, lineChart } from "../chart.js";
import { epochText, windows } from "../epochs.js";
import { bytes, decimal, html, percent, ratePerGb, short, time, times, usd } from "../format.js";

/**
 * The lifecycle totals (the API's; `setTotal` overwrites one with what the chain says).
 * @param {any} t
 */
export function totalsCards(t) {
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
export function rateCardPanel(schedule, recent) {
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
 * The earnings chart: the payout of each computed epoch (the statements' `payoutMicroUsd`), oldest first.
 * @param {string} id the chart box
 * @param {any[]} statements newest first (`epoch chainEpoch payoutMicroUsd countedBytes`)
 */
export function earningsChart(id, statements) {
  const rows = [...statements].reverse();
  return barChart(id, {
    labels: rows.map((st) => `epoch ${st.chainEpoch ?? "?"}`),
    series: [{ label: "payout", values: rows.map((st) => String(st.payoutMicroUsd)) }],
    format: usd,
    title: (i) =>
      `epoch ${rows[i].chainEpoch ?? "?"} (coordinator epoch ${rows[i].epoch}), ${bytes(rows[i].countedBytes)} counted`,
    empty: "no computed epoch yet",
  });
}

/**
 * The uptime chart: each payout account's uptime per computed epoch (`Supporter.uptime`), oldest first, 0–100 %.
 * @param {string} id the chart box
 * @param {any[]} uptime newest first (`epoch account uptimeBps …`)
 */
export function uptimeChart(id, uptime) {
  const epochs = [...new Set(uptime.map((u) => String(u.epoch)))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const accounts = [...new Set(uptime.map((u) => String(u.account)))];
  const of = new Map(uptime.map((u) => [`${u.epoch}:${u.account}`, String(u.uptimeBps)]));
  return lineChart(id, {
    labels: epochs.map((e) => {
      const chain = windows.get(e)?.chainEpoch;
      return chain != null ? `epoch ${chain}` : `coord. ${e}`;
    }),
    series: accounts.map((a) => ({
      label: accounts.length > 1 ? short(a) : "uptime",
      values: epochs.map((e) => {
        const bps = of.get(`${e}:${a}`);
        return bps === undefined ? null : decimal(bps, { shift: -2 });
      }),
    })),
    format: (v) => `${v} %`,
    title: (i) => epochText(/** @type {string} */ (epochs[i])),
    yMax: 100,
    empty: "no computed epoch yet",
  });
}
