export { connectDb, type ConnectDbOptions } from "./connect.ts";
export { InvalidDatabaseUrlError, InvalidMigrationError, UnknownAppliedMigrationError, redactUrl } from "./errors.ts";
export {
  loadMigrations,
  migrate,
  pendingMigrations,
  MIGRATIONS_DIR,
  type Migration,
  type MigrateResult,
} from "./migrate.ts";
export type { Db, DbKind, Queryable, QueryResult } from "./types.ts";
