import type { FastifyError, FastifyInstance } from "fastify";

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
    const code = err.validation ? "VALIDATION_FAILED" : (err.code ?? "BAD_REQUEST");
    return reply.status(status).send({ code, message: err.message, requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: "NOT_FOUND", message: `No route ${request.method} ${request.url}.`, requestId: request.id }),
  );
}
(errorHandler as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
