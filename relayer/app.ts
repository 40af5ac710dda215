/**
 * The relayer's HTTP service: `POST /v1/claims` takes a supporter's signed `ClaimAuthorization`
 * with its proof and hands on `{ transactionHash, feeMicroUsd }` once `claimWithSig` is mined;
 * `GET /healthz` reports the relayer's address, fee cap and balance. Every refusal is a 4xx (or 503)
 * with a stable `code` and one sentence. Any origin may call it (CORS `*`, no credentials): the
 * dashboard's "Claim without gas" posts from the browser, and a signed authorization needs no cookie.
 */
import cors from "@fastify/cors";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { submitClaim, type RelayerContext } from "./claims.ts";
import { RelayerError } from "./errors.ts";
import { claimBodySchema, type ClaimBody } from "./schema.ts";

export type RelayerAppOptions = RelayerContext & { logger?: boolean | { level: string } };

/** Bodies are one authorization and a proof of ≤ 64 hashes: 16 KiB is ample. */
const BODY_LIMIT_BYTES = 16_384;
// eslint-disable-next-line no-control-regex -- a raw NUL is exactly what this looks for
const NUL = /\u0000|\\u0000/;

export function createRelayerApp(options: RelayerAppOptions): FastifyInstance {
  const { logger = false, ...ctx } = options;
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // unknown fields are refused, not dropped; a number is never coerced into a decimal string
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  void app.register(cors, { origin: "*", methods: ["GET", "POST"], maxAge: 600 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text: string, done) => {
    if (NUL.test(text))
      return done(new RelayerError(400, "VALIDATION_FAILED", "The body holds a NUL character; remove it."));
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new RelayerError(400, "MALFORMED_JSON", "The body is not JSON; send one JSON object."));
    }
  });
  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    if (err instanceof RelayerError) {
      if (err.statusCode === 429 || err.statusCode === 503) reply.header("retry-after", "5");
      return reply.status(err.statusCode).send({ code: err.code, message: err.message });
    }
    const status = err.statusCode ?? 500;
    if (err.validation) {
      const unknown = err.validation.find((e) => e.keyword === "additionalProperties");
      const field = (unknown?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const message = field
        ? `The body has the unknown field "${field}"; remove it.`
        : `The body ${err.validationContext ?? ""}${err.validation[0]?.instancePath ?? ""} ${err.validation[0]?.message ?? "is invalid"}; bigints are decimal strings, hex is 0x-prefixed.`;
      return reply.status(400).send({ code: "VALIDATION_FAILED", message });
    }
    if (status === 413) return reply.status(413).send({ code: "BODY_TOO_LARGE", message: "The body is over 16 KiB." });
    if (status === 415)
      return reply.status(415).send({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as application/json." });
    if (status >= 400 && status < 500) return reply.status(status).send({ code: "BAD_REQUEST", message: err.message });
    request.log.error({ err }, "request failed");
    return reply.status(500).send({ code: "INTERNAL", message: "Internal error; see the relayer's log." });
  });
  app.setNotFoundHandler(async (_req, reply) =>
    reply.status(404).send({ code: "NOT_FOUND", message: "No such route." }),
  );

  app.post<{ Body: ClaimBody }>("/v1/claims", { schema: { body: claimBodySchema } }, async (request) =>
    submitClaim(ctx, request.body),
  );
  app.get("/healthz", async (_request, reply) => {
    const relayer = ctx.wallet.account.address;
    try {
      const balanceWei = await ctx.publicClient.getBalance({ address: relayer });
      return {
        ok: true,
        relayer,
        chainId: ctx.chainId,
        distributor: ctx.distributor,
        maxFeeMicroUsd: ctx.maxFeeMicroUsd.toString(),
        balanceWei: balanceWei.toString(),
      };
    } catch {
      return reply
        .status(503)
        .send({ ok: false, code: "CHAIN_UNAVAILABLE", message: "The chain's RPC is unreachable." });
    }
  });
  return app;
}
