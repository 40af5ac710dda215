/**
 * A minimal Prometheus registry (text exposition format 0.0.4): counters and histograms with
 * labels. Enough for `/metrics`; no dependency.
 */

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelKey = (names: readonly string[], labels: Labels) => names.map((n) => labels[n] ?? "").join("\u0000");
const renderLabels = (names: readonly string[], values: string[], extra?: [string, string]) => {
  const parts = names.map((n, i) => `${n}="${escape(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

export class Counter {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  /** The current value (tests). */
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values)
      lines.push(`${this.name}${renderLabels(this.labelNames, key.split("\u0000"))} ${value}`);
    return lines.join("\n");
  }
}

export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const values = key.split("\u0000");
      this.buckets.forEach((b, i) =>
        lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", String(b)])} ${s.counts[i]}`),
      );
      lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", "+Inf"])} ${s.count}`);
      lines.push(`${this.name}_sum${renderLabels(this.labelNames, values)} ${s.sum}`);
      lines.push(`${this.name}_count${renderLabels(this.labelNames, values)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** A gauge read at scrape time (e.g. from the database): one sample per row of label values. */
export function renderGauge(
  name: string,
  help: string,
  labelNames: readonly string[],
  samples: readonly { labels: string[]; value: number | bigint }[],
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
  for (const s of samples) lines.push(`${name}${renderLabels(labelNames, s.labels)} ${s.value}`);
  return lines.join("\n");
}

/** A counter kept elsewhere (e.g. a cache's own tallies), rendered at scrape time. */
export function renderCounter(name: string, help: string, value: number): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`].join("\n");
}

export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The API's metrics, one registry per app instance (tests build many apps). */
export class ApiMetrics {
  readonly httpRequests = new Counter("ledger_http_requests_total", "HTTP requests by route and status.", [
    "method",
    "route",
    "status",
  ]);
  readonly httpDuration = new Histogram(
    "ledger_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route"],
    LATENCY_BUCKETS_SECONDS,
  );
  readonly ingested = new Counter("ledger_ingest_items_total", "Ingested items by kind and verdict.", [
    "kind",
    "verdict",
  ]);
  readonly rejections = new Counter("ledger_ingest_rejections_total", "Rejected items by kind and reason code.", [
    "kind",
    "reason",
  ]);
  readonly authRefusals = new Counter(
    "ledger_auth_refusals_total",
    "API-key refusals (REST routes and GraphQL admin fields) by code and scope.",
    ["code", "scope"],
  );
  readonly ingestBatchDuration = new Histogram(
    "ledger_ingest_batch_duration_seconds",
    "Time to verify and durably store one batch, by kind and stage.",
    ["kind", "stage"],
    LATENCY_BUCKETS_SECONDS,
  );

  render(): string {
    return `${[
      this.httpRequests,
      this.httpDuration,
      this.ingested,
      this.rejections,
      this.ingestBatchDuration,
      this.authRefusals,
    ]
      .map((m) => m.render())
      .join("\n")}\n`;
  }
}
