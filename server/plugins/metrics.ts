import type { FastifyInstance } from "fastify";
import { ApiMetrics } from "../../http/metrics.ts";
import { epochHealth } from "../../read-api/repositories/epochs.ts";
import { definePlugin } from "../../http/plugins/define.ts";

/**
 * Request counters and latency histograms for every route; `/metrics` in Prometheus text format,
 * with Node's process, GC and event-loop metrics (prom-client's defaults).
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
        let epochs: Parameters<ApiMetrics["setScrapeReadings"]>[0];
        try {
          const rows = await epochHealth(app.db);
          epochs = {
            byStatus: rows.map((r) => ({ labels: [r.status], value: r.epochs })),
            alerting: rows.map((r) => ({ labels: [r.status], value: r.alerting })),
          };
        } catch (err) {
          request.log.debug({ err }, "metrics: database unavailable");
          epochs = undefined;
        }
        const databaseUp = epochs !== undefined;
        app.dependencies.report("database", databaseUp ? "up" : "down");
        const others = app.dependencies.names().filter((n) => n !== "database");
        const states = await Promise.all(others.map((n) => app.dependencies.check(n)));
        metrics.setScrapeReadings(epochs, [
          { name: "database", up: databaseUp },
          ...others.map((name, i) => ({ name, up: states[i] === "up" })),
        ]);
        // The GraphQL response cache's state and tallies (read-api/graphql/response-cache.ts), when it is on.
        const cache = (app as Partial<Pick<FastifyInstance, "graphqlResponseCache">>).graphqlResponseCache;
        if (cache) metrics.setResponseCache(cache.stats());
        return reply.type(metrics.contentType).send(await metrics.render());
      },
    );
  },
  ["dependencies"],
);
