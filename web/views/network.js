// The network's supporter vs CDN bytes per epoch (the Auditor view's Network card): takes in the
// oracle's epochs with their `NetworkMetrics` from GraphQL and hands on a chart and, under it, where
// the CDN figure comes from.
import { barChart, chartBox } from "../chart.js";
import { bytes, html, percent, raw, time } from "../format.js";
import { gql } from "../gql.js";
import { asList } from "../ui.js";

/** How many coordinator epochs the chart shows (the newest). */
export const NETWORK_EPOCHS = 20;

export const NETWORK_QUERY = `{ oracleEpochs(first: ${NETWORK_EPOCHS}) { edges { node { epoch chainEpoch status
  metrics { supporterCountedBytes supporterSubmittedBytes cdnBytes offloadBps
    cdnReports { provider servedBytes reportedAt } } } } } }`;

/** The card's markup (the chart is mounted by `mountNetwork` once it is in the page). */
export function networkCard() {
  return html`<section class="card" id="network-card">
    <h3>Network: supporter vs CDN bytes per epoch</h3>
    ${raw(chartBox("network-chart", "Bytes served per epoch by supporters and by the CDN"))}
    <div id="network-source"></div>
  </section>`;
}

/**
 * Bytes in GB (10⁹) as a decimal string, exact: the chart plots GB, its tooltips show `bytes()`.
 * @param {string} n
 */
function gb(n) {
  const v = BigInt(n);
  const whole = v / 1_000_000_000n;
  const frac = (v % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/**
 * The inverse of `gb`, exact: "35.195001" → 35195001000n.
 * @param {string} s
 */
function bytesOfGb(s) {
  const [whole, frac = ""] = s.split(".");
  return BigInt(whole ?? "0") * 1_000_000_000n + BigInt(frac.padEnd(9, "0") || "0");
}

/** Loads the newest epochs' metrics and draws the chart and its source line. */
export async function mountNetwork() {
  const d = await gql(NETWORK_QUERY);
  const rows = asList(d.oracleEpochs)
    .filter((/** @type {any} */ o) => o.metrics)
    .reverse();
  const label = (/** @type {any} */ o) => (o.chainEpoch != null ? `epoch ${o.chainEpoch}` : `coord. ${o.epoch}`);
  /** supporter bytes: counted once computed, else what the receipts claimed so far */
  const supporter = (/** @type {any} */ o) => o.metrics.supporterCountedBytes ?? o.metrics.supporterSubmittedBytes;
  barChart("network-chart", {
    labels: rows.map(label),
    series: [
      { label: "supporters", values: rows.map((o) => gb(supporter(o))) },
      { label: "CDN", values: rows.map((o) => gb(o.metrics.cdnBytes)) },
    ],
    format: (v) => bytes(bytesOfGb(v)),
    tick: (v) => `${Number(v.toFixed(3))} GB`,
    title: (i) => {
      const o = rows[i];
      const exact = `supporters ${bytes(supporter(o))}${o.metrics.supporterCountedBytes == null ? " (claimed, not computed yet)" : " counted"}, CDN ${bytes(o.metrics.cdnBytes)}`;
      return `${label(o)} (coordinator epoch ${o.epoch}): ${exact}${o.metrics.offloadBps != null ? `, offload ${percent(o.metrics.offloadBps)}` : ""}`;
    },
    empty: "no epoch yet",
  });
  const reports = rows.flatMap((/** @type {any} */ o) =>
    o.metrics.cdnReports.map((/** @type {any} */ r) => ({ ...r, epoch: o.epoch, label: label(o) })),
  );
  const providers = [...new Set(reports.map((r) => r.provider))].sort();
  const newest = reports.reduce((m, r) => (m && m.reportedAt > r.reportedAt ? m : r), null);
  const el = document.getElementById("network-source");
  if (!el) return;
  el.innerHTML = html`<p class="muted small" id="cdn-source">
    <strong>Source of the CDN figure:</strong> entered by an admin (<code>POST /v1/admin/cdn-usage</code>, each report
    audited as <code>cdn_usage.report</code>); the ledger does not measure CDN traffic itself.
    ${
      reports.length
        ? html`Reports for ${new Set(reports.map((r) => r.epoch)).size} of these ${rows.length} epochs, from
          ${providers.length === 1 ? "provider" : "providers"} ${providers.join(", ")}; the newest entered
          ${time(newest?.reportedAt)} for ${newest?.label}. An epoch without a report shows 0 CDN bytes.`
        : html`No CDN usage has been reported for these epochs, so the CDN bars are 0.`
    }
    Supporter bytes are the bytes the epoch counted once computed, before that what the receipts claimed.
  </p>`.html;
}
