// The dashboard's charts: takes in labelled series (the API's exact decimal strings) and hands on
// Chart.js charts (bundled at build time into /dashboard/vendor/chart.js, scripts/lib/build.ts).
// A view puts `chartBox(id, caption)` in its markup and, once it is in the page, calls
// `barChart(id, spec)` or `lineChart(id, spec)`. Values are plotted as numbers (only pixels need
// them); every figure a person reads — tooltips, axis ticks, the canvas's text alternative — is
// formatted from the exact strings.
import { Chart } from "./vendor/chart.js";
import { esc } from "./format.js";

/**
 * @typedef {{ label: string, values: (string | null)[], color?: string }} Series
 *   one line or set of bars; `values[i]` belongs to `labels[i]` (an exact decimal string, or null: no point)
 * @typedef {{
 *   labels: string[],
 *   series: Series[],
 *   format: (exact: string) => string,
 *   tick?: (value: number) => string,
 *   title?: (index: number) => string,
 *   empty?: string,
 *   yMax?: number,
 *   stacked?: boolean,
 * }} ChartSpec
 *   `format` renders one exact value (tooltip, text alternative); `tick` an axis value (default: `format`
 *   of the number's decimal digits); `title` the tooltip's heading for label `index` (default: the label)
 */

/** Colours of the series, in order (the page's accent first). */
const COLORS = ["#3056d3", "#d97706", "#117a43", "#b42318", "#6b21a8"];

/** The charts on the page by their box id: a re-render replaces (and frees) the old one. */
const charts = new Map();

/**
 * The markup a chart is mounted into: a fixed-height box the chart fills at any width.
 * @param {string} id
 * @param {string} caption what the chart shows (its accessible name)
 */
export function chartBox(id, caption) {
  return `<div class="chart-box" id="${esc(id)}" data-chart="${esc(id)}"><canvas role="img" aria-label="${esc(caption)}"></canvas></div>`;
}

/**
 * A decimal number (from the API's exact strings) as a JS number, for plotting only.
 * @param {string | null} v
 */
function plotted(v) {
  return v === null || v === undefined ? null : Number(v);
}

/**
 * An axis value as a short decimal string (no float noise, no exponent).
 * @param {number} v
 */
export function tickDigits(v) {
  const s = Math.abs(v) < 1e-6 ? "0" : v.toFixed(6).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

/**
 * @param {"bar" | "line"} type
 * @param {string} id the `chartBox` id
 * @param {ChartSpec} spec
 */
function mount(type, id, spec) {
  const box = document.getElementById(id);
  if (!box) throw new Error(`no chart box #${id}`);
  charts.get(id)?.destroy();
  const canvas = /** @type {HTMLCanvasElement} */ (box.querySelector("canvas"));
  // The text alternative (read by screen readers, shown where canvas is not drawn).
  canvas.textContent =
    spec.labels.length === 0
      ? (spec.empty ?? "no data yet")
      : spec.labels
          .map(
            (l, i) =>
              `${l}: ${spec.series.map((s) => `${s.label} ${s.values[i] == null ? "—" : spec.format(/** @type {string} */ (s.values[i]))}`).join(", ")}`,
          )
          .join("; ");
  box.dataset.empty = String(spec.labels.length === 0);
  box.dataset.emptyText = spec.empty ?? "no data yet";
  const tick = spec.tick ?? ((/** @type {number} */ v) => spec.format(tickDigits(v)));
  const chart = new Chart(canvas, {
    type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => {
        const color = s.color ?? COLORS[i % COLORS.length];
        return {
          label: s.label,
          data: s.values.map(plotted),
          backgroundColor: type === "bar" ? color : `${color}22`,
          borderColor: color,
          borderWidth: type === "bar" ? 0 : 2,
          borderRadius: 2,
          maxBarThickness: 40,
          pointRadius: 3,
          fill: type === "line" && spec.series.length === 1,
          spanGaps: false,
          clip: 6,
          tension: 0,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { top: 10, right: 14 } },
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: spec.stacked ?? false, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: {
          stacked: spec.stacked ?? false,
          beginAtZero: true,
          ...(spec.yMax !== undefined ? { max: spec.yMax } : {}),
          ticks: { maxTicksLimit: 5, callback: (v) => tick(Number(v)) },
        },
      },
      plugins: {
        legend: { display: spec.series.length > 1, position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? (spec.title?.(items[0].dataIndex) ?? spec.labels[items[0].dataIndex]) : ""),
            label: (item) => {
              const v = spec.series[item.datasetIndex]?.values[item.dataIndex];
              return `${spec.series[item.datasetIndex]?.label}: ${v == null ? "—" : spec.format(v)}`;
            },
          },
        },
      },
    },
  });
  charts.set(id, chart);
  return chart;
}

/**
 * Bars per label, one colour per series (grouped; `stacked: true` stacks them).
 * @param {string} id
 * @param {ChartSpec} spec
 */
export function barChart(id, spec) {
  return mount("bar", id, spec);
}

/**
 * A line per series over the labels (a single series is filled below its line).
 * @param {string} id
 * @param {ChartSpec} spec
 */
export function lineChart(id, spec) {
  return mount("line", id, spec);
}
