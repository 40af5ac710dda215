import type { FastifyInstance } from "fastify";
import { Dependencies, rpcProbe } from "../dependencies.ts";
import { pingDatabase } from "../repositories/health.ts";
import { definePlugin } from "./define.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The API's dependencies and their state (http/dependencies.ts). */
    dependencies: Dependencies;
  }
}

export type DependenciesOptions = {
  /** The chain's JSON-RPC URL, when the API reads the chain (the dashboard's proxy). */
  rpcUrl?: string | undefined;
};

/**
 * Declares the database (always) and the chain (with `rpcUrl`) as dependencies; the GraphQL
 * plugin adds Redis when subscriptions go through it.
 */
export default definePlugin("dependencies", async (app: FastifyInstance, options: DependenciesOptions) => {
  const dependencies = new Dependencies(app.log);
  dependencies.register("database", async () => {
    await pingDatabase(app.db);
    return true;
  });
  if (options.rpcUrl) dependencies.register("chain", rpcProbe(options.rpcUrl));
  app.decorate("dependencies", dependencies);
});
