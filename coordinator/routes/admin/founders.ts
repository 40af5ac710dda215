/**
 * `PUT /v1/admin/supporters/:address/founder`: a node's founder status from the current epoch
 * on, through services/admin.ts `setFounderStatus` (a FounderStatus signed by the policy key).
 */
import type { FastifyInstance } from "fastify";
import type { Address } from "../../../core/eip712/domain.ts";
import { currentEpoch } from "../../../core/epoch-clock.ts";
import { setFounderStatus } from "../../services/admin.ts";
import { address, errorResponse, errorResponses } from "../../../http/schemas.ts";
import { policyFields, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

export default async function founderRoutes(app: FastifyInstance): Promise<void> {
  app.put<{
    Params: { address: Address };
    Body: { founder: boolean; reason?: string; policySignature?: string; issuedAt?: number };
  }>(
    "/v1/admin/supporters/:address/founder",
    {
      config: { scope: "admin:supporters" },
      schema: {
        tags: ["admin"],
        summary:
          "Set or clear a node's founder status from the current epoch on (a FounderStatus signed by the policy key; the multiplier follows the node)",
        security,
        params: textParams({ address }),
        body: {
          type: "object",
          required: ["founder"],
          additionalProperties: false,
          properties: {
            founder: { type: "boolean" },
            reason: { type: "string", maxLength: 2000 },
            ...policyFields,
          },
        },
        response: {
          200: { type: "object", properties: { node: address, founder: { type: "boolean" } } },
          404: errorResponse,
          ...errorResponses(true),
        },
      },
    },
    async (request) =>
      setFounderStatus(app.db, actorOf(request), app.policyKey, {
        ...request.body,
        node: request.params.address,
        currentEpoch: currentEpoch(app.coordinator.clock, app.coordinator.now()),
      }),
  );
}
