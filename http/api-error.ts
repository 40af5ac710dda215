import { BaseError } from "../core/errors.ts";

/**
 * A 4xx answer with a stable `code` and a message a person can act on. Thrown by routes and
 * services; the one error handler (plugins/error-handler.ts) renders it.
 */
export class ApiError extends BaseError {
  override name = "ApiError";
  readonly statusCode: number;
  readonly code: string;
  /** For a 503: the `Retry-After` header, seconds. */
  readonly retryAfterSeconds: number | undefined;
  constructor(statusCode: number, code: string, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const unauthorized = (message = "Missing or unknown API key: send `Authorization: Bearer <key>`.") =>
  new ApiError(401, "UNAUTHORIZED", message);
export const forbidden = (scope: string) =>
  new ApiError(403, "FORBIDDEN", `This API key lacks the scope "${scope}" this route needs.`);
export const notFound = (what: string) => new ApiError(404, "NOT_FOUND", `${what} not found.`);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);

/** What a client is told while the database is unreachable (REST and GraphQL alike). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "The ledger's database is unreachable right now; nothing was stored. Retry in a few seconds.";
/** The `Retry-After` of a 503 `DATABASE_UNAVAILABLE` answer. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** What a client is told while the chain's RPC is unreachable (REST and GraphQL alike). */
export const CHAIN_UNAVAILABLE_MESSAGE = "The chain's RPC is unreachable right now. Retry in a few seconds.";
/** The `Retry-After` of a 503 `CHAIN_UNAVAILABLE` answer. */
export const CHAIN_RETRY_AFTER_SECONDS = 5;
export const chainUnavailable = () =>
  new ApiError(503, "CHAIN_UNAVAILABLE", CHAIN_UNAVAILABLE_MESSAGE, { retryAfterSeconds: CHAIN_RETRY_AFTER_SECONDS });
