import type { FastifyInstance } from "fastify";
import { ApiMetrics } from "../lib/metrics.ts";
import { definePlugin } from "./define.ts";

declare module "fastify" {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

/** Request counters and latency histograms for every route; `/metrics` in Prometheus text format. */
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
    async (_request, reply) => reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render()),
  );
});
