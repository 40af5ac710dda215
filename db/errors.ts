import { BaseError } from "../core/errors.ts";

/** `DATABASE_URL` is neither `postgres://…`, `postgresql://…` nor `pglite:…`. */
export class InvalidDatabaseUrlError extends BaseError {
  override name = "InvalidDatabaseUrlError";
  constructor(url: string) {
    super(`Unsupported DATABASE_URL scheme in "${redactUrl(url)}".`, {
      details: "Use postgres://user@host:port/db, pglite:memory, or pglite:/path/to/dir.",
    });
  }
}

/** A migration file is misnamed or two files share a number. */
export class InvalidMigrationError extends BaseError {
  override name = "InvalidMigrationError";
  constructor(file: string, reason: string) {
    super(`Invalid migration "${file}": ${reason}.`);
  }
}

/** The database has a migration this code does not know: code older than the schema. */
export class UnknownAppliedMigrationError extends BaseError {
  override name = "UnknownAppliedMigrationError";
  constructor(version: number) {
    super(`The database has migration ${version} applied, which this code does not have.`, {
      details: "Run a newer version of the ledger against this database.",
    });
  }
}

/** Strips the password from a connection URL so it can be logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/** Node socket error codes that mean "the server is not there right now". */
const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);
/** SQLSTATEs of a server that is going away or not accepting connections yet. */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Whether `err` (or an error it wraps) says the database could not be reached or dropped the
 * connection — a fault that passes, not a bug: the caller retries, or answers 503.
 *
 * @example isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })) // true
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code))) return true;
    if (typeof code === "string" && code.startsWith("08")) return true; // connection exception class
    if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message))
      return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
