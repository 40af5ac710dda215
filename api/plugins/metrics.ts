import type { FastifyInstance } from "fastify";
import { ApiMetrics, renderGauge } from "../lib/metrics.ts";
import { epochHealth } from "../repositories/oracle-health.ts";
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
export default definePlugin("metrics", async (app: FastifyInstance) => {
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
        request.log.warn({ err }, "metrics: database unavailable");
        epochGauges = renderGauge(
          "ledger_database_up",
          "1 when the database answered this scrape.",
          [],
          [{ labels: [], value: 0 }],
        );
      }
      return reply.type("text/plain; version=0.0.4; charset=utf-8").send(`${metrics.render()}${epochGauges}\n`);
    },
  );
});
