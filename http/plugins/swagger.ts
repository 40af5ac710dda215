import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { definePlugin } from "./define.ts";

/** OpenAPI 3 document of every route (from its JSON schemas) at `/docs/json`, a UI at `/docs`. */
export default definePlugin("swagger", async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "StreamrP2P rewards ledger — coordinator API",
        description:
          "Supporter registration, session grants, signed receipt and heartbeat ingestion, and administration. " +
          "Amounts and byte counts are decimal strings (bigint base units); errors carry a stable `code`.",
        version: "1.0.0",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "An API key: `Authorization: Bearer <key>`." },
        },
      },
      tags: [
        {
          name: "ingest",
          description: "Signed messages from supporters' nodes (no API key: signatures authenticate).",
        },
        { name: "platform", description: "Called by the streaming platform with an API key." },
        { name: "admin", description: "Administration (API key with admin scopes; every action audited)." },
        { name: "ops", description: "Health, readiness, metrics." },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
});
