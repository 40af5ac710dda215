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
