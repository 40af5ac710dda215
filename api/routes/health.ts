import type { FastifyInstance } from "fastify";
import { pendingMigrations } from "../../db/migrate.ts";

/** `/healthz`: the process is up. `/readyz`: the database answers and is fully migrated. */
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

  app.get(
    "/readyz",
    {
      schema: {
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: {
              status: { type: "string" },
              pendingMigrations: { type: "array", items: { type: "integer" } },
            },
          },
          503: {
            type: "object",
            required: ["status"],
            properties: {
              status: { type: "string" },
              pendingMigrations: { type: "array", items: { type: "integer" } },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      try {
        const pending = await pendingMigrations(app.db);
        if (pending.length > 0)
          return reply.status(503).send({ status: "migrations_pending", pendingMigrations: pending });
        return { status: "ready", pendingMigrations: [] };
      } catch {
        return reply.status(503).send({ status: "db_unreachable" });
      }
    },
  );
}
