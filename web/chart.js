// A bar chart as inline SVG (earnings or bytes per epoch). One chart type, ~50 lines, no library to
// serve, and the bar heights are computed from BigInt ratios (amounts stay exact; only the
// pixel height becomes a number).
import { esc, usd } from "./format.js";

/**
 * @param {{ label: string, value: bigint, title?: string }[]} points
 * @param {{ width?: number, height?: number, caption?: string, empty?: string, format?: (v: bigint) => string }} [o]
 * @returns {string} SVG markup
 */
export function barChart(points, o = {}) {
  const width = o.width ?? 640;
  const height = o.height ?? 220;
  const fmt = o.format ?? usd;
  const pad = { top: 16, right: 12, bottom: 32, left: 76 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const max = points.reduce((m, p) => (p.value > m ? p.value : m), 0n);
  const slot = points.length > 0 ? w / points.length : w;
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  const px = (/** @type {bigint} */ v) => (max === 0n ? 0 : Number((v * 10_000n) / max) / 10_000) * h;
  const bars = points
    .map((p, i) => {
      const bh = px(p.value);
      const x = pad.left + i * slot + (slot - barW) / 2;
      const y = pad.top + h - bh;
      return `<g class="bar"><title>${esc(p.title ?? `${p.label}: ${fmt(p.value)}`)}</title>
        <rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(bh, 0.5).toFixed(1)}" rx="2"></rect>
        <text class="x" x="${(x + barW / 2).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${esc(p.label)}</text></g>`;
    })
    .join("");
  const ticks = [0n, max / 2n, max]
    .map((v) => {
      const y = pad.top + h - px(v);
      return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"></line>
        <text class="y" x="${pad.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(fmt(v))}</text>`;
    })
    .join("");
  const empty =
    points.length === 0
      ? `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="y">${esc(o.empty ?? "no epochs yet")}</text>`
      : "";
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.caption ?? "bar chart")}">${ticks}${bars}${empty}</svg>`;
}
