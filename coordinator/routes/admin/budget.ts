/**
 * `PUT /v1/admin/budget`: the funded budget of every epoch from `fromEpoch` on, through
 * services/admin.ts `recordBudget` (an EpochBudget signed by the policy key).
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "../../../http/api-error.ts";
import { MAX_BUDGET_MICRO_USD, recordBudget } from "../../services/admin.ts";
import { address, epochNumber, errorResponses, uint256String } from "../../../http/schemas.ts";
import { policyFields, security } from "./schemas.ts";
import { actorOf } from "./scope.ts";

export default async function budgetRoutes(app: FastifyInstance): Promise<void> {
  app.put<{ Body: { fromEpoch: number; budgetMicroUsd: string; policySignature?: string; issuedAt?: number } }>(
    "/v1/admin/budget",
    {
      config: { scope: "admin:rate-cards" },
      schema: {
        tags: ["admin"],
        summary:
          "Set the funded budget of every epoch from fromEpoch on (an EpochBudget signed by the policy key); the oracle closes no epoch without one",
        security,
        body: {
          type: "object",
          required: ["fromEpoch", "budgetMicroUsd"],
          additionalProperties: false,
          properties: { fromEpoch: epochNumber, budgetMicroUsd: uint256String, ...policyFields },
        },
        response: {
          200: {
            type: "object",
            properties: { fromEpoch: { type: "string" }, budgetMicroUsd: { type: "string" }, signer: address },
          },
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const budget = BigInt(b.budgetMicroUsd);
      if (budget > MAX_BUDGET_MICRO_USD)
        throw new ApiError(400, "VALIDATION_FAILED", `budgetMicroUsd must be at most ${MAX_BUDGET_MICRO_USD} µUSD.`);
      const r = await recordBudget(app.db, actorOf(request), app.policyKey, { ...b, budgetMicroUsd: budget });
      return { fromEpoch: r.fromEpoch.toString(), budgetMicroUsd: r.budgetMicroUsd.toString(), signer: r.signer };
    },
  );
}
