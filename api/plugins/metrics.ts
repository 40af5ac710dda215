import type { FastifyInstance } from "fastify";
import { ApiMetrics, renderCounter, renderGauge } from "../lib/metrics.ts";
import { epochHealth } from "../repositories/read/epochs.ts";
import { definePlugin } from "./define.ts";

declare module "fastify" {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

/**
 * Request counters and latency histograms for every route; `/metrics` in Prometheus text format.
 * The epoch gauges are read from the database at scrape time, so an alert the oracle (another
 * process) recorded — an epoch waiting in SIGNED on an under-funded distributor — is visible here.
 */
export default definePlugin(
  "metrics",
  async (app: FastifyInstance) => {
    const metrics = new ApiMetrics();
    app.decorate("metrics", metrics);
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    app.get(
      "/metrics",
      {
        schema: {
          tags: ["ops"],
          summary: "Prometheus metrics",
          response: { 200: { type: "string" } },
        },
      },
      async (request, reply) => {
        let epochGauges: string;
        let databaseUp = true;
        try {
          const rows = await epochHealth(app.db);
          epochGauges = [
            renderGauge(
              "ledger_database_up",
              "1 when the database answered this scrape.",
              [],
              [{ labels: [], value: 1 }],
            ),
            renderGauge(
              "ledger_epochs",
              "Epochs by status.",
              ["status"],
              rows.map((r) => ({ labels: [r.status], value: r.epochs })),
            ),
            renderGauge(
              "ledger_epochs_alerting",
              "Epochs with an oracle alert (e.g. insufficient funding: waiting in SIGNED), by status.",
              ["status"],
              rows.map((r) => ({ labels: [r.status], value: r.alerting })),
            ),
          ].join("\n");
        } catch (err) {
          request.log.debug({ err }, "metrics: database unavailable");
          databaseUp = false;
          epochGauges = renderGauge(
            "ledger_database_up",
            "1 when the database answered this scrape.",
            [],
            [{ labels: [], value: 0 }],
          );
        }
        app.dependencies.report("database", databaseUp ? "up" : "down");
        const others = app.dependencies.names().filter((n) => n !== "database");
        const states = await Promise.all(others.map((n) => app.dependencies.check(n)));
        const dependencyGauge = renderGauge(
          "ledger_dependency_up",
          "1 when the dependency (database; chain, redis where configured) answered at this scrape.",
          ["dependency"],
          [
            { labels: ["database"], value: databaseUp ? 1 : 0 },
            ...others.map((n, i) => ({ labels: [n], value: states[i] === "up" ? 1 : 0 })),
          ],
        );
        return reply
          .type("text/plain; version=0.0.4; charset=utf-8")
          .send(`${metrics.render()}${epochGauges}\n${dependencyGauge}\n${responseCacheMetrics(app)}`);
      },
    );
  },
  ["dependencies"],
);

/** The GraphQL response cache's state and tallies (api/graphql/response-cache.ts), when it is on. */
function responseCacheMetrics(app: FastifyInstance): string {
  const cache = (app as Partial<Pick<FastifyInstance, "graphqlResponseCache">>).graphqlResponseCache;
  if (!cache) return "";
  const s = cache.stats();
  const g = (name: string, help: string, value: number) => renderGauge(name, help, [], [{ labels: [], value }]);
  return `${[
    g(
      "ledger_graphql_cache_up",
      "1 while the response cache is on (its change feed connected and in sync).",
      s.usable ? 1 : 0,
    ),
    g("ledger_graphql_cache_entries", "Cached GraphQL responses.", s.entries),
    g("ledger_graphql_cache_bytes", "Bytes the cached responses take (budget: LEDGER_GRAPHQL_CACHE_MIB).", s.bytes),
    renderCounter("ledger_graphql_cache_hits_total", "GraphQL requests answered from the response cache.", s.hits),
    renderCounter(
      "ledger_graphql_cache_misses_total",
      "JSON GraphQL queries looked up in the response cache and not found (queries that are never cached included).",
      s.misses,
    ),
    renderCounter(
      "ledger_graphql_cache_invalidations_total",
      "Changes that dropped cached responses.",
      s.invalidations,
    ),
    renderCounter("ledger_graphql_cache_evictions_total", "Responses evicted for space.", s.evictions),
  ].join("\n")}\n`;
}
