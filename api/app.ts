import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Db } from "../db/types.ts";
import errorHandler from "./plugins/error-handler.ts";
import healthRoutes from "./routes/health.ts";

export type BuildAppOptions = {
  db: Db;
  /** Fastify's logger option: `false` in tests, pino options in production. */
  logger?: FastifyServerOptions["logger"];
};

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
  }
}

/**
 * Builds the API (not listening): external plugins first, then app plugins, then routes
 * (fastify/demo's order). The caller owns `db` and closes it after `app.close()`.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    requestIdHeader: "x-request-id",
    bodyLimit: 1_048_576,
  });
  app.decorate("db", options.db);
  await app.register(errorHandler);
  await app.register(healthRoutes);
  return app;
}
