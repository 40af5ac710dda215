import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import helmet from "helmet";
import { hashApiKey } from "../api-keys.ts";
import { findActiveApiKeyByHash } from "../repositories/api-keys.ts";
import { definePlugin } from "./define.ts";

export type SecurityOptions = {
  /** Requests per minute per API key (when one is sent) or per client IP. */
  rateLimitPerMinute: number;
  /** Allowed CORS origins; empty: no cross-origin access. */
  corsOrigins: string[];
  /** Origins the dashboard may call besides its own (the chain's public RPC, `WebOptions.chainRpcUrl`). */
  connectOrigins?: string[] | undefined;
};

/**
 * External plugins guarding every route: helmet's headers (the CSP allows the `/docs` UI's
 * inline scripts and styles), CORS to the configured origins, and a rate limit keyed by a
 * VERIFIED API key (an active key's id) or else the client IP: a made-up or revoked key counts
 * against its sender's IP, so inventing keys buys no fresh budget. `/healthz`, `/readyz` and
 * `/metrics` are not rate limited.
 *
 * Helmet is applied as its own connect-style middleware, built once: `@fastify/helmet` builds a
 * new one per request (parsing the CSP directives each time), which cost ≈ 4 % of a GraphQL
 * request's CPU and more of a cached one; no route here needs per-route helmet options.
 */
export default definePlugin("security", async (app: FastifyInstance, options: SecurityOptions) => {
  const applyHelmet = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "validator.swagger.io"],
        connectSrc: ["'self'", ...(options.connectOrigins ?? [])],
      },
    },
  });
  app.addHook("onRequest", (request, reply, done) =>
    applyHelmet(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)),
  );
  await app.register(cors, { origin: options.corsOrigins.length > 0 ? options.corsOrigins : false });
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    allowList: (request) => ["/healthz", "/readyz", "/metrics"].includes(request.url.split("?")[0]!),
    keyGenerator: async (request) => {
      const key = apiKeyFromHeaders(request.headers);
      if (key && key.length <= 256) {
        // A lookup that fails (database down) counts against the IP; auth answers the request.
        const row = await findActiveApiKeyByHash(app.db, hashApiKey(key)).catch(() => undefined);
        if (row) return `key:${row.id}`;
      }
      return `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: context.statusCode,
      code: "RATE_LIMITED",
      message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`,
    }),
  });
});

/** The API key a request carries: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function apiKeyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string" && /^Bearer\s+\S+$/i.test(auth)) return auth.replace(/^Bearer\s+/i, "");
  const x = headers["x-api-key"];
  return typeof x === "string" && x.length > 0 ? x : undefined;
}
