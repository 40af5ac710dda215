/**
 * The feature-flag routes: set, list and delete under `admin:feature-flags` / `admin:read`
 * (writes through services/admin-settings.ts), and the public per-supporter check.
 */
import type { FastifyInstance } from "fastify";
import type { Address } from "../../../core/eip712/domain.ts";
import {
  isFeatureEnabled,
  listFeatureFlags,
  type FeatureFlag,
  type FlagTarget,
} from "../../repositories/feature-flags.ts";
import { removeFeatureFlag, setFeatureFlag } from "../../services/admin-settings.ts";
import { address, errorResponse, errorResponses } from "../../../http/schemas.ts";
import { flagKey, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

const flagSchema = {
  type: "object",
  properties: {
    key: { type: "string" },
    description: { type: "string" },
    enabled: { type: "boolean" },
    target: { enum: ["all", "founders", "listed"] },
    supporters: { type: "array", items: address },
    updatedAt: { type: "string", format: "date-time" },
  },
} as const;

const flagOut = (f: FeatureFlag) => f;

export default async function featureFlagRoutes(app: FastifyInstance): Promise<void> {
  app.put<{
    Params: { key: string };
    Body: { description?: string; enabled: boolean; target: FlagTarget; supporters?: Address[] };
  }>(
    "/v1/admin/feature-flags/:key",
    {
      config: { scope: "admin:feature-flags" },
      schema: {
        tags: ["admin"],
        summary: "Create or update a feature flag, targeted to all, founders, or listed supporters",
        security,
        params: textParams({ key: flagKey }),
        body: {
          type: "object",
          required: ["enabled", "target"],
          additionalProperties: false,
          properties: {
            description: { type: "string", maxLength: 2000 },
            enabled: { type: "boolean" },
            target: { enum: ["all", "founders", "listed"] },
            supporters: { type: "array", maxItems: 10_000, items: address },
          },
        },
        response: { 200: flagSchema, ...errorResponses(true) },
      },
    },
    async (request) =>
      flagOut(await setFeatureFlag(app.db, actorOf(request), { ...request.body, key: request.params.key })),
  );

  app.get(
    "/v1/admin/feature-flags",
    {
      config: { scope: "admin:read" },
      schema: {
        tags: ["admin"],
        summary: "Every feature flag",
        security,
        response: { 200: { type: "array", items: flagSchema }, ...errorResponses(true) },
      },
    },
    async () => (await listFeatureFlags(app.db)).map(flagOut),
  );

  app.delete<{ Params: { key: string } }>(
    "/v1/admin/feature-flags/:key",
    {
      config: { scope: "admin:feature-flags" },
      schema: {
        tags: ["admin"],
        summary: "Delete a feature flag",
        security,
        params: textParams({ key: flagKey }),
        response: { 204: { type: "null" }, 404: errorResponse, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      await removeFeatureFlag(app.db, actorOf(request), request.params.key);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { key: string; address: Address } }>(
    "/v1/feature-flags/:key/supporters/:address",
    {
      schema: {
        tags: ["ingest"],
        summary: "Whether a feature flag is on for a supporter",
        params: textParams({ key: flagKey, address }),
        response: {
          200: {
            type: "object",
            properties: { key: { type: "string" }, supporter: address, enabled: { type: "boolean" } },
          },
        },
      },
    },
    async (request) => ({
      key: request.params.key,
      supporter: request.params.address.toLowerCase(),
      enabled: await isFeatureEnabled(app.db, request.params.key, request.params.address.toLowerCase() as Address),
    }),
  );
}
