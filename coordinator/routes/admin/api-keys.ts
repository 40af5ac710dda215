/**
 * The API-key routes: create (the secret returned once), list (never the secrets) and revoke,
 * all under `admin:api-keys`; the writes go through services/admin-settings.ts.
 */
import type { FastifyInstance } from "fastify";
import { SCOPES } from "../../../http/api-keys.ts";
import { listApiKeys, type ApiKeyRow } from "../../../http/repositories/api-keys.ts";
import { createApiKey, revokeApiKeyById } from "../../services/admin-settings.ts";
import { errorResponse, errorResponses } from "../../../http/schemas.ts";
import { apiKeyId, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

const apiKeySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    scopes: { type: "array", items: { type: "string" } },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    revokedAt: { type: ["string", "null"], format: "date-time" },
  },
} as const;

const apiKeyOut = (k: ApiKeyRow) => k;

export default async function apiKeyRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { name: string; scopes: string[] } }>(
    "/v1/admin/api-keys",
    {
      config: { scope: "admin:api-keys" },
      schema: {
        tags: ["admin"],
        summary: "Create an API key (the secret is returned once, only its hash is stored)",
        security,
        body: {
          type: "object",
          required: ["name", "scopes"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            scopes: { type: "array", minItems: 1, uniqueItems: true, items: { enum: [...SCOPES] } },
          },
        },
        response: {
          201: { type: "object", properties: { ...apiKeySchema.properties, key: { type: "string" } } },
          ...errorResponses(true),
        },
      },
    },
    async (request, reply) => {
      const { key, ...row } = await createApiKey(app.db, actorOf(request), {
        name: request.body.name,
        scopes: request.body.scopes,
        heldScopes: request.apiKey!.scopes,
      });
      return reply.status(201).send({ ...apiKeyOut(row), key });
    },
  );

  app.get(
    "/v1/admin/api-keys",
    {
      config: { scope: "admin:api-keys" },
      schema: {
        tags: ["admin"],
        summary: "Every API key (never the secrets)",
        security,
        response: { 200: { type: "array", items: apiKeySchema }, ...errorResponses(true) },
      },
    },
    async () => (await listApiKeys(app.db)).map(apiKeyOut),
  );

  app.delete<{ Params: { id: string } }>(
    "/v1/admin/api-keys/:id",
    {
      config: { scope: "admin:api-keys" },
      schema: {
        tags: ["admin"],
        summary: "Revoke an API key (effective on the next request)",
        security,
        params: textParams({ id: apiKeyId }),
        response: { 200: apiKeySchema, 404: errorResponse, ...errorResponses(true) },
      },
    },
    async (request) => apiKeyOut(await revokeApiKeyById(app.db, actorOf(request), request.params.id)),
  );
}
