import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isChainUnavailable } from "../../core/chain-unavailable.ts";
import { isDatabaseUnavailable } from "../../db/errors.ts";
import {
  ApiError,
  chainUnavailable,
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_MESSAGE,
} from "../api-error.ts";

/** A database outage is logged when it starts; requests failing within this interval of the last are not. */
const OUTAGE_LOG_INTERVAL_MS = 30_000;

/** Fastify's own error codes, renamed to the API's stable codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
};

/**
 * How much of an over-limit body is read (and dropped) before the 413 is sent. Answering while
 * the client is still sending makes the server close a socket with unread data — a TCP reset
 * the client sees instead of the 413; reading the rest first lets it read the answer. A body
 * larger than this is cut off (the connection closes).
 */
const DRAIN_LIMIT_BYTES = 64 * 1_048_576;
const DRAIN_TIMEOUT_MS = 15_000;

/** Reads the rest of the request body and drops it; whether it ended within the bounds. */
function drain(request: FastifyRequest): Promise<boolean> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed) return Promise.resolve(raw.readableEnded);
  return new Promise((resolve) => {
    let received = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      raw.off("data", onData);
      raw.off("end", onEnd);
      raw.off("error", onError);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > DRAIN_LIMIT_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), DRAIN_TIMEOUT_MS);
    raw.on("data", onData);
    raw.on("end", onEnd);
    raw.on("error", onError);
    raw.resume();
  });
}

/**
 * A plainer message for the validation failures Ajv words obscurely: an unknown field (named),
 * a uint64 (`anyOf` integer or decimal string: Ajv lists both branches), an int8 or epoch format.
 */
function validationMessage(err: FastifyError): string | undefined {
  const errors = err.validation ?? [];
  const at = (path: string) => `${err.validationContext ?? "body"}${path}`;
  const unknown = errors.find((e) => e.keyword === "additionalProperties");
  if (unknown) {
    const field = String((unknown.params as { additionalProperty?: unknown }).additionalProperty);
    return `${at(unknown.instancePath)} has the unknown field "${field}"; remove it (the schema allows no other fields).`;
  }
  const anyOf = errors.find((e) => e.keyword === "anyOf");
  if (anyOf)
    return (
      `${at(anyOf.instancePath)} must be a non-negative integer: a JSON number up to 9007199254740991 or a ` +
      "decimal string up to 9223372036854775807 (plain digits: no hex, sign, exponent or leading zero)."
    );
  const format = errors.find((e) => e.keyword === "format");
  const name = (format?.params as { format?: string } | undefined)?.format;
  if (format && name === "int8")
    return `${at(format.instancePath)} must be a decimal integer of 0 … 9223372036854775807.`;
  if (format && name === "epoch") return `${at(format.instancePath)} must be an epoch number of 0 … 1099511627776.`;
  return undefined;
}

/** GraphQL clients get a GraphQL-shaped answer for transport errors (body, limits). */
function send(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  if (request.url.split("?")[0] === "/graphql")
    return reply.status(status).send({
      errors: [
        {
          message,
          extensions: { code: code === "VALIDATION_FAILED" ? "BAD_USER_INPUT" : code, requestId: request.id },
        },
      ],
    });
  return reply.status(status).send({ code, message, requestId: request.id });
}

/**
 * The one error handler: 4xx answers carry a stable `code` and a message a person can act
 * on; 5xx answers never leak internals (the details go to the log with the request id).
 * Every 404 is `NOT_FOUND` (one code family; the message says what was not found).
 */
export default async function errorHandler(app: FastifyInstance): Promise<void> {
  let lastOutageLogMs = 0;
  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500 && isDatabaseUnavailable(err)) {
      // An outage, not a bug: one warning per outage (not per request), and an honest 503.
      const nowMs = Date.now();
      if (nowMs - lastOutageLogMs > OUTAGE_LOG_INTERVAL_MS) request.log.warn({ err }, "database unreachable");
      lastOutageLogMs = nowMs;
      reply.header("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
      return send(request, reply, 503, "DATABASE_UNAVAILABLE", DATABASE_UNAVAILABLE_MESSAGE);
    }
    // A dependency other than the database is away (the chain's RPC): 503 with its code and Retry-After.
    const unavailable =
      err instanceof ApiError && err.retryAfterSeconds !== undefined
        ? err
        : status >= 500 && isChainUnavailable(err)
          ? chainUnavailable()
          : undefined;
    if (unavailable) {
      if (unavailable.code === "CHAIN_UNAVAILABLE") app.dependencies.report("chain", "down");
      reply.header("retry-after", String(unavailable.retryAfterSeconds));
      return send(request, reply, unavailable.statusCode, unavailable.code, unavailable.message);
    }
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return send(request, reply, status, "INTERNAL", "Internal error; see the server log.");
    }
    let code = err.validation ? "VALIDATION_FAILED" : (err.code ?? "BAD_REQUEST");
    const renamed = FASTIFY_CODES[code];
    if (renamed) code = renamed;
    else if (err instanceof SyntaxError) code = "MALFORMED_JSON";
    else if (code.startsWith("FST_")) code = status === 429 ? "RATE_LIMITED" : "BAD_REQUEST";
    if (status === 404) code = "NOT_FOUND";
    let message = err.message;
    if (err.validation) message = validationMessage(err) ?? message;
    if (code === "BODY_TOO_LARGE") {
      message = "The body is larger than this route accepts; send a smaller one (split the batch).";
      if (await drain(request)) reply.removeHeader("connection");
      else reply.header("connection", "close");
    }
    return send(request, reply, status, code, message);
  });
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, "NOT_FOUND", `No route ${request.method} ${request.url}; see /docs for the routes.`),
  );
}
/**
 * Fastify's router errors, before any plugin runs (a path parameter over 100 characters, a URL
 * with a malformed %-escape): the same answer shape and stable code as every other refusal.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === "FST_ERR_MAX_PARAM_LENGTH";
  void reply.status(tooLong ? 414 : 400).send({
    code: "VALIDATION_FAILED",
    message: tooLong
      ? "A path segment is longer than 100 characters, longer than any parameter of this API; send a shorter one."
      : "The URL is not valid (a malformed %-escape?); fix its encoding.",
    requestId: request.id,
  });
}

(errorHandler as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
