import type { FastifyInstance } from "fastify";
import { pendingMigrations } from "../db/migrate.ts";
import type { DependencyName, DependencyState } from "../http/dependencies.ts";

const STATE = { enum: ["up", "down"] } as const;
const READY_BODY = {
  type: "object",
  required: ["status", "dependencies"],
  properties: {
    status: { enum: ["ready", "degraded", "db_unreachable", "migrations_pending"] },
    pendingMigrations: { type: "array", items: { type: "integer" } },
    /** Each configured dependency: `up` or `down`. */
    dependencies: {
      type: "object",
      required: ["database"],
      properties: { database: STATE, chain: STATE, redis: STATE },
      additionalProperties: false,
    },
    /** The dependencies that are down, if any. */
    down: { type: "array", items: { enum: ["database", "chain", "redis"] } },
  },
} as const;

/**
 * `/healthz`: the process is up. `/readyz`: which dependency is up — the database (answers and
 * is fully migrated), the chain's RPC and Redis where configured. Without the database nothing
 * can be served: 503 (`db_unreachable`, `migrations_pending`). With the database up but the
 * chain or Redis down the API still serves everything else (ingest, REST, GraphQL): 200
 * `degraded`, naming what is down, so a load balancer keeps the replica while a person can see
 * the fault.
 */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/healthz",
    {
      schema: {
        response: {
          200: {
            type: "object",
            required: ["status", "db"],
            properties: { status: { const: "ok" }, db: { enum: ["pglite", "postgres"] } },
          },
        },
      },
    },
    async () => ({ status: "ok" as const, db: app.db.kind }),
  );

  app.get("/readyz", { schema: { response: { 200: READY_BODY, 503: READY_BODY } } }, async (_request, reply) => {
    const others = app.dependencies.names().filter((n) => n !== "database");
    const [pending, ...states] = await Promise.all([
      pendingMigrations(app.db).then(
        (p) => p,
        () => undefined,
      ),
      ...others.map((n) => app.dependencies.check(n)),
    ]);
    app.dependencies.report("database", pending ? "up" : "down");
    const dependencies: Partial<Record<DependencyName, DependencyState>> = {
      database: pending ? "up" : "down",
      ...Object.fromEntries(others.map((n, i) => [n, states[i]])),
    };
    const down = Object.entries(dependencies)
      .filter(([, s]) => s === "down")
      .map(([n]) => n);
    if (!pending) return reply.status(503).send({ status: "db_unreachable", dependencies, down });
    if (pending.length > 0)
      return reply.status(503).send({ status: "migrations_pending", pendingMigrations: pending, dependencies, down });
    return { status: down.length > 0 ? "degraded" : "ready", pendingMigrations: [], dependencies, down };
  });
}
