import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { forbidden, unauthorized, ApiError } from "../lib/api-error.ts";
import { hashApiKey, hasScope, type Scope } from "../lib/api-keys.ts";
import { findActiveApiKeyByHash } from "../repositories/api-keys.ts";
import { definePlugin } from "./define.ts";
import { apiKeyFromHeaders } from "./security.ts";

export type AuthenticatedKey = { id: string; scopes: string[] };

declare module "fastify" {
  interface FastifyInstance {
    /** An `onRequest` hook: 401 without a valid key, 403 without `scope`; sets `request.apiKey`. */
    requireScope(scope: Scope): onRequestAsyncHookHandler;
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
 */
export default definePlugin(
  "auth",
  async (app: FastifyInstance, options: AuthOptions) => {
    app.decorateRequest("apiKey", null);
    const windows = new Map<string, { start: number; count: number }>();

    app.decorate("requireScope", (scope: Scope): onRequestAsyncHookHandler => {
      return async (request: FastifyRequest) => {
        const key = apiKeyFromHeaders(request.headers);
        if (!key || key.length > 256) throw unauthorized();
        const row = await findActiveApiKeyByHash(app.db, hashApiKey(key));
        if (!row) throw unauthorized("Unknown or revoked API key.");
        if (!hasScope(row.scopes, scope)) throw forbidden(scope);
        const now = Date.now();
        const w = windows.get(row.id);
        if (!w || now - w.start >= 60_000) windows.set(row.id, { start: now, count: 1 });
        else if (++w.count > options.perKeyPerMinute)
          throw new ApiError(
            429,
            "RATE_LIMITED",
            `API key ${row.id} exceeded ${options.perKeyPerMinute} requests per minute.`,
          );
        request.apiKey = { id: row.id, scopes: row.scopes };
        request.log.debug({ apiKeyId: row.id }, "authenticated");
      };
    });
  },
  [],
);
