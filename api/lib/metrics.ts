/**
 * The API's Prometheus metrics on prom-client: takes the counts and timings the routes record
 * and the values read at scrape time (database, dependencies, response cache), and hands on the
 * text exposition format 0.0.4 with Node's process, GC and event-loop metrics beside them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One sample of a gauge read at scrape time: its label values, in the gauge's label order. */
export type GaugeSample = { labels: string[]; value: number | bigint };

/** Replaces every sample of `gauge` by `samples` (a scrape-time reading: stale label sets go). */
function setGauge<T extends string>(gauge: Gauge<T>, labelNames: readonly T[], samples: readonly GaugeSample[]) {
  gauge.reset();
  for (const s of samples) {
    const labels = Object.fromEntries(labelNames.map((n, i) => [n, s.labels[i] ?? ""])) as Record<T, string>;
    gauge.set(labels, Number(s.value));
  }
}

/** The API's metrics, one registry per app instance (tests build many apps). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "ledger_http_requests_total",
    help: "HTTP requests by route and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "ledger_http_request_duration_seconds",
    help: "HTTP request latency by route.",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly ingested = new Counter({
    name: "ledger_ingest_items_total",
    help: "Ingested items by kind and verdict.",
    labelNames: ["kind", "verdict"] as const,
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: "ledger_ingest_rejections_total",
    help: "Rejected items by kind and reason code.",
    labelNames: ["kind", "reason"] as const,
    registers: [this.registry],
  });
  readonly ingestBatchDuration = new Histogram({
    name: "ledger_ingest_batch_duration_seconds",
    help: "Time to verify and durably store one batch, by kind and stage.",
    labelNames: ["kind", "stage"] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly authRefusals = new Counter({
    name: "ledger_auth_refusals_total",
    help: "API-key refusals (REST routes and GraphQL admin fields) by code and scope.",
    labelNames: ["code", "scope"] as const,
    registers: [this.registry],
  });
  private readonly databaseUp = new Gauge({
    name: "ledger_database_up",
    help: "1 when the database answered this scrape.",
    registers: [this.registry],
  });
  private readonly epochs = new Gauge({
    name: "ledger_epochs",
    help: "Epochs by status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  private readonly epochsAlerting = new Gauge({
    name: "ledger_epochs_alerting",
    help: "Epochs with an oracle alert (e.g. insufficient funding: waiting in SIGNED), by status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  private readonly dependencyUp = new Gauge({
    name: "ledger_dependency_up",
    help: "1 when the dependency (database; chain, redis where configured) answered at this scrape.",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });
  /** Registered only once a response cache reports (an API without one shows none of them). */
  private responseCache: ResponseCacheMetrics | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The scrape-time readings: the epoch gauges when the database answered (`undefined`: it did
   * not, and `ledger_database_up` is 0), and the state of each dependency.
   */
  setScrapeReadings(
    epochs: { byStatus: GaugeSample[]; alerting: GaugeSample[] } | undefined,
    dependencies: { name: string; up: boolean }[],
  ): void {
    this.databaseUp.set(epochs ? 1 : 0);
    setGauge(this.epochs, ["status"], epochs?.byStatus ?? []);
    setGauge(this.epochsAlerting, ["status"], epochs?.alerting ?? []);
    setGauge(
      this.dependencyUp,
      ["dependency"],
      dependencies.map((d) => ({ labels: [d.name], value: d.up ? 1 : 0 })),
    );
  }

  /** The GraphQL response cache's state and tallies (api/graphql/response-cache.ts), when it is on. */
  setResponseCache(stats: ResponseCacheStats): void {
    this.responseCache ??= new ResponseCacheMetrics(this.registry);
    this.responseCache.set(stats);
  }

  /** The content type of `render()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

export type ResponseCacheStats = {
  usable: boolean;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  invalidations: number;
  evictions: number;
};

/** The response cache's gauges, and its own tallies rendered as counters. */
class ResponseCacheMetrics {
  private readonly up: Gauge;
  private readonly entries: Gauge;
  private readonly bytes: Gauge;
  private readonly tallies: [Counter, keyof ResponseCacheStats][];

  constructor(registry: Registry) {
    const registers = [registry];
    this.up = new Gauge({
      name: "ledger_graphql_cache_up",
      help: "1 while the response cache is on (its change feed connected and in sync).",
      registers,
    });
    this.entries = new Gauge({ name: "ledger_graphql_cache_entries", help: "Cached GraphQL responses.", registers });
    this.bytes = new Gauge({
      name: "ledger_graphql_cache_bytes",
      help: "Bytes the cached responses take (budget: LEDGER_GRAPHQL_CACHE_MIB).",
      registers,
    });
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.tallies = [
      [counter("ledger_graphql_cache_hits_total", "GraphQL requests answered from the response cache."), "hits"],
      [
        counter(
          "ledger_graphql_cache_misses_total",
          "JSON GraphQL queries looked up in the response cache and not found (queries that are never cached included).",
        ),
        "misses",
      ],
      [counter("ledger_graphql_cache_invalidations_total", "Changes that dropped cached responses."), "invalidations"],
      [counter("ledger_graphql_cache_evictions_total", "Responses evicted for space."), "evictions"],
    ];
  }

  set(s: ResponseCacheStats): void {
    this.up.set(s.usable ? 1 : 0);
    this.entries.set(s.entries);
    this.bytes.set(s.bytes);
    for (const [c, key] of this.tallies) {
      // The cache keeps the tally; the counter shows it as it is now.
      c.reset();
      c.inc(Number(s[key]));
    }
  }
}
