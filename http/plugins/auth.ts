import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { forbidden, unauthorized, ApiError } from "../api-error.ts";
import { hashApiKey, hasScope, type Scope } from "../api-keys.ts";
import { findActiveApiKeyByHash } from "../repositories/api-keys.ts";
import { definePlugin } from "./define.ts";
import { apiKeyFromHeaders } from "./security.ts";

export type AuthenticatedKey = { id: string; scopes: string[] };

/** Where a request came from, for the refusal log line (REST route or GraphQL field). */
export type AuthTarget = { log: FastifyBaseLogger; via: string; requestId: string };

declare module "fastify" {
  interface FastifyInstance {
    /** An `onRequest` hook: 401 without a valid key, 403 without `scope`; sets `request.apiKey`. */
    requireScope(scope: Scope): onRequestAsyncHookHandler;
    /**
     * The API-key check behind `requireScope`, for callers that are not route hooks (GraphQL
     * mutations): the key in `headers` must be active and hold `scope`. Throws the same
     * ApiErrors (401 UNAUTHORIZED, 403 FORBIDDEN, 429 RATE_LIMITED) and logs every refusal.
     */
    authenticateApiKey(headers: FastifyRequest["headers"], scope: Scope, target: AuthTarget): Promise<AuthenticatedKey>;
  }
  interface FastifyRequest {
    apiKey: AuthenticatedKey | null;
  }
}

export type AuthOptions = { perKeyPerMinute: number };

/**
 * API-key authentication with scopes. Keys are looked up by SHA-256 (only hashes are stored);
 * revocation takes effect on the next request. Each key also gets its own per-minute budget
 * (on top of the per-IP/per-key rate limit), so one platform key cannot starve the others.
 * Every refusal is logged at `warn` with its code, the scope, the key id (when known) and
 * where it was asked for, and counted in `ledger_auth_refusals_total{code,scope}` — the same
 * for REST routes and GraphQL admin fields.
 */
export default definePlugin(
  "auth",
  async (app: FastifyInstance, options: AuthOptions) => {
    app.decorateRequest("apiKey", null);
    const windows = new Map<string, { start: number; count: number }>();

    const refuse = (target: AuthTarget, err: ApiError, scope: Scope, apiKeyId: string | null): ApiError => {
      app.metrics.authRefusals.inc({ code: err.code, scope });
      target.log.warn({ code: err.code, scope, apiKeyId, via: target.via, reqId: target.requestId }, "api key refused");
      return err;
    };

    async function authenticateApiKey(
      headers: FastifyRequest["headers"],
      scope: Scope,
      target: AuthTarget,
    ): Promise<AuthenticatedKey> {
      const key = apiKeyFromHeaders(headers);
      if (!key || key.length > 256) throw refuse(target, unauthorized(), scope, null);
      const row = await findActiveApiKeyByHash(app.db, hashApiKey(key));
      if (!row) throw refuse(target, unauthorized("Unknown or revoked API key."), scope, null);
      if (!hasScope(row.scopes, scope)) throw refuse(target, forbidden(scope), scope, row.id);
      const now = Date.now();
      const w = windows.get(row.id);
      if (!w || now - w.start >= 60_000) windows.set(row.id, { start: now, count: 1 });
      else if (++w.count > options.perKeyPerMinute)
        throw refuse(
          target,
          new ApiError(
            429,
            "RATE_LIMITED",
            `API key ${row.id} exceeded ${options.perKeyPerMinute} requests per minute.`,
          ),
          scope,
          row.id,
        );
      return { id: row.id, scopes: row.scopes };
    }
    app.decorate("authenticateApiKey", authenticateApiKey);

    app.decorate("requireScope", (scope: Scope): onRequestAsyncHookHandler => {
      return async (request: FastifyRequest) => {
        request.apiKey = await authenticateApiKey(request.headers, scope, {
          log: request.log,
          via: `${request.method} ${request.routeOptions.url ?? request.url}`,
          requestId: request.id,
        });
        request.log.debug({ apiKeyId: request.apiKey.id }, "authenticated");
      };
    });
  },
  ["metrics"],
);
