/**
 * The fraud-flag override routes: `POST /v1/admin/flag-overrides` (through services/admin.ts
 * `createFlagOverride`, a FlagDecision signed by the policy key) and `GET` (an epoch's overrides).
 */
import type { FastifyInstance } from "fastify";
import type { Address } from "../../../core/eip712/domain.ts";
import type { Hex } from "../../../core/hex.ts";
import { listFlagOverrides, type FlagOverride } from "../../repositories/flag-overrides.ts";
import { createFlagOverride } from "../../services/admin.ts";
import { address, bytes32, epochNumber, epochText, errorResponses } from "../../../http/schemas.ts";
import { policyFields, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

const overrideSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    epoch: { type: "integer" },
    node: address,
    sessionId: { type: ["string", "null"] },
    reasonCode: { type: "string" },
    decision: { enum: ["include", "exclude"] },
    note: { type: "string" },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

const overrideOut = (o: FlagOverride) => ({ ...o, id: o.id.toString() });

export default async function flagOverrideRoutes(app: FastifyInstance): Promise<void> {
  app.post<{
    Body: {
      epoch: number;
      node: Address;
      sessionId?: Hex;
      reasonCode: string;
      decision: "include" | "exclude";
      note: string;
      policySignature?: string;
      issuedAt?: number;
    };
  }>(
    "/v1/admin/flag-overrides",
    {
      config: { scope: "admin:flags" },
      schema: {
        tags: ["admin"],
        summary: "Override a fraud flag of an epoch: include or exclude what a rule flagged",
        security,
        body: {
          type: "object",
          required: ["epoch", "node", "reasonCode", "decision", "note"],
          additionalProperties: false,
          properties: {
            epoch: epochNumber,
            node: address,
            sessionId: bytes32,
            reasonCode: { type: "string", pattern: "^[A-Z][A-Z0-9_]{1,63}$" },
            decision: { enum: ["include", "exclude"] },
            note: { type: "string", minLength: 1, maxLength: 2000 },
            ...policyFields,
          },
        },
        response: { 201: overrideSchema, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      const row = await createFlagOverride(app.db, actorOf(request), app.policyKey, request.body);
      return reply.status(201).send(overrideOut(row));
    },
  );

  app.get<{ Querystring: { epoch: string } }>(
    "/v1/admin/flag-overrides",
    {
      config: { scope: "admin:read" },
      schema: {
        tags: ["admin"],
        summary: "Flag overrides of an epoch",
        security,
        querystring: textParams({ epoch: epochText }),
        response: { 200: { type: "array", items: overrideSchema }, ...errorResponses(true) },
      },
    },
    async (request) => (await listFlagOverrides(app.db, Number(request.query.epoch))).map(overrideOut),
  );
}
