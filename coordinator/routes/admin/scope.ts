/**
 * The admin routes' one scope check: an `onRequest` hook for every route registered in the
 * admin context, reading the scope each route names in `config.scope` (none: a public route),
 * and the admin actor (API key + request id) it hands to the audited services.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Scope } from "../../../http/api-keys.ts";
import type { AdminActor } from "../../services/audited.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The API-key scope an admin route needs (`requireScope`); unset: the route is public. */
    scope?: Scope;
  }
}

/**
 * Adds the scope check to `app`'s context: 401 without a valid key, 403 without the route's
 * scope (the same check, log line and metric as `requireScope`); sets `request.apiKey`.
 */
export function checkRouteScopes(app: FastifyInstance): void {
  app.addHook("onRequest", async function (request, reply) {
    const scope = request.routeOptions.config.scope;
    if (scope !== undefined) await app.requireScope(scope).call(this, request, reply);
  });
}

/** The admin actor of an authenticated request (the scope hook ran first). */
export function actorOf(request: FastifyRequest): AdminActor {
  return { apiKeyId: request.apiKey?.id ?? "unknown", requestId: request.id };
}
