import { mkdirSync } from "node:fs";
import path from "node:path";
import { InvalidDatabaseUrlError } from "./errors.ts";
import { createPGliteDb } from "./pglite.ts";
import { createPostgresDb } from "./postgres.ts";
import type { Db } from "./types.ts";

export type ConnectDbOptions = {
  /**
   * `postgres://…` or `postgresql://…` for a PostgreSQL server; `pglite:memory` for a
   * throw-away embedded database; `pglite:` or `pglite:/some/dir` for an embedded database
   * persisted to a directory. Unset: `pglite:` in `<dataDir>/pglite`.
   */
  url?: string | undefined;
  /** Where the default embedded database lives (default `./data`). */
  dataDir?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number | undefined;
};

/** Opens the database `DATABASE_URL` names: a PostgreSQL server or embedded PGlite. */
export async function connectDb(options: ConnectDbOptions = {}): Promise<Db> {
  const url = options.url?.trim() || "pglite:";
  if (/^postgres(ql)?:\/\//.test(url)) {
    return createPostgresDb({
      connectionString: url,
      ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    });
  }
  if (url.startsWith("pglite:")) {
    const target = url.slice("pglite:".length);
    if (target === "memory") return createPGliteDb();
    const dir = path.resolve(target === "" ? path.join(options.dataDir ?? "data", "pglite") : target);
    mkdirSync(dir, { recursive: true });
    return createPGliteDb({ dataDir: dir });
  }
  throw new InvalidDatabaseUrlError(url);
}
