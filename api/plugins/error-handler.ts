import type { FastifyError, FastifyInstance } from "fastify";

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
 * The one error handler: 4xx answers carry a stable `code` and a message a person can act
 * on; 5xx answers never leak internals (the details go to the log with the request id).
 */
export default async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return reply
        .status(status)
        .send({ code: "INTERNAL", message: "Internal error; see the server log.", requestId: request.id });
    }
    let code = err.validation ? "VALIDATION_FAILED" : (err.code ?? "BAD_REQUEST");
    const renamed = FASTIFY_CODES[code];
    if (renamed) code = renamed;
    else if (err instanceof SyntaxError) code = "MALFORMED_JSON";
    else if (code.startsWith("FST_")) code = status === 429 ? "RATE_LIMITED" : "BAD_REQUEST";
    return reply.status(status).send({ code, message: err.message, requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: "NOT_FOUND", message: `No route ${request.method} ${request.url}.`, requestId: request.id }),
  );
}
(errorHandler as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
