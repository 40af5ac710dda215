/** `GET /v1/admin/audit-log`: the audit log newest first, filtered by action, paged by entry id (`admin:read`). */
import type { FastifyInstance } from "fastify";
import { listAudit } from "../../repositories/audit.ts";
import { errorResponses, int8String } from "../../../http/schemas.ts";
import { security, textParams } from "./schemas.ts";

export default async function auditLogRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { action?: string; limit?: string; before?: string } }>(
    "/v1/admin/audit-log",
    {
      config: { scope: "admin:read" },
      schema: {
        tags: ["admin"],
        summary: "Audit log, newest first",
        security,
        querystring: textParams(
          {
            action: { type: "string", minLength: 1, maxLength: 64 },
            limit: {
              type: "string",
              pattern: "^([1-9][0-9]?|[1-4][0-9]{2}|500)$",
              description: "1 … 500, default 100",
            },
            before: { ...int8String, pattern: "^[1-9][0-9]{0,18}$", description: "an audit entry id: older ones" },
          },
          [],
        ),
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              properties: {
                id: { type: "string" },
                at: { type: "string", format: "date-time" },
                actor: { type: "string" },
                action: { type: "string" },
                subject: { type: ["string", "null"] },
                details: { type: "object", additionalProperties: true },
              },
            },
          },
          ...errorResponses(true),
        },
      },
    },
    async (request) =>
      (
        await listAudit(app.db, {
          action: request.query.action,
          limit: request.query.limit === undefined ? 100 : Number(request.query.limit),
          beforeId: request.query.before ? BigInt(request.query.before) : undefined,
        })
      ).map((r) => ({ ...r, id: r.id.toString() })),
  );
}
