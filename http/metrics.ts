/**
 * The API's Prometheus metrics on prom-client: takes the counts and timings the routes record
 * and the values read at scrape time (database, dependencies, response cache), and hands on the
 * text exposition format 0.0.4 with Node's process, GC and event-loop metrics beside them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

declare module "fastify" {
  interface FastifyInstance {
    /** The process's Prometheus metrics (server/plugins/metrics.ts registers them and `/metrics`). */
    metrics: ApiMetrics;
  }
}

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

const counter = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []) =>
  new Counter<L>({ name, help, labelNames, registers: [registry] });
const gauge = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []) =>
  new Gauge<L>({ name, help, labelNames, registers: [registry] });
const histogram = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) =>
  new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS_SECONDS, registers: [registry] });

/** The API's metrics, one registry per app instance (tests build many apps). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = counter(this.registry, "ledger_http_requests_total", "HTTP requests by route and status.", [
    "method",
    "route",
    "status",
  ]);
  readonly httpDuration = histogram(
    this.registry,
    "ledger_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route"],
  );
  readonly ingested = counter(this.registry, "ledger_ingest_items_total", "Ingested items by kind and verdict.", [
    "kind",
    "verdict",
  ]);
  readonly rejections = counter(
    this.registry,
    "ledger_ingest_rejections_total",
    "Rejected items by kind and reason code.",
    ["kind", "reason"],
  );
  readonly ingestBatchDuration = histogram(
    this.registry,
    "ledger_ingest_batch_duration_seconds",
    "Time to verify and durably store one batch, by kind and stage.",
    ["kind", "stage"],
  );
  readonly authRefusals = counter(
    this.registry,
    "ledger_auth_refusals_total",
    "API-key refusals (REST routes and GraphQL admin fields) by code and scope.",
    ["code", "scope"],
  );
  private readonly databaseUp = gauge(this.registry, "ledger_database_up", "1 when the database answered this scrape.");
  private readonly epochs = gauge(this.registry, "ledger_epochs", "Epochs by status.", ["status"]);
  private readonly epochsAlerting = gauge(
    this.registry,
    "ledger_epochs_alerting",
    "Epochs with an oracle alert (e.g. insufficient funding: waiting in SIGNED), by status.",
    ["status"],
  );
  private readonly dependencyUp = gauge(
    this.registry,
    "ledger_dependency_up",
    "1 when the dependency (database; chain, redis where configured) answered at this scrape.",
    ["dependency"],
  );
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

  /** The GraphQL response cache's state and tallies (read-api/graphql/response-cache.ts), when it is on. */
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
    this.up = gauge(
      registry,
      "ledger_graphql_cache_up",
      "1 while the response cache is on (its change feed connected and in sync).",
    );
    this.entries = gauge(registry, "ledger_graphql_cache_entries", "Cached GraphQL responses.");
    this.bytes = gauge(
      registry,
      "ledger_graphql_cache_bytes",
      "Bytes the cached responses take (budget: LEDGER_GRAPHQL_CACHE_MIB).",
    );
    const tally = (name: string, help: string) => counter(registry, name, help);
    this.tallies = [
      [tally("ledger_graphql_cache_hits_total", "GraphQL requests answered from the response cache."), "hits"],
      [
        tally(
          "ledger_graphql_cache_misses_total",
          "JSON GraphQL queries looked up in the response cache and not found (queries that are never cached included).",
        ),
        "misses",
      ],
      [tally("ledger_graphql_cache_invalidations_total", "Changes that dropped cached responses."), "invalidations"],
      [tally("ledger_graphql_cache_evictions_total", "Responses evicted for space."), "evictions"],
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
