import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidMigrationError, UnknownAppliedMigrationError } from "./errors.ts";
import { MIGRATION_LOCK_KEY } from "./locks.ts";
import type { Db } from "./types.ts";

/** The project's migrations: `db/migrations/NNNN_name.sql`, applied in order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

export type Migration = { version: number; name: string; sql: string; checksum: string };

/** Reads and orders the migration files of a directory. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new InvalidMigrationError(file, "expected NNNN_snake_case_name.sql");
      const sql = readFileSync(path.join(dir, file), "utf8");
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]!.version === m.version)
      throw new InvalidMigrationError(`${m.version}`, "two files share this number");
  });
  return migrations;
}

export type MigrateResult = { applied: number[]; alreadyApplied: number[] };

/**
 * Applies every pending migration in one transaction, holding an advisory lock so that two
 * processes starting at once apply each migration exactly once. Safe to run any number of
 * times. A migration that was applied and has since changed is reported, not re-run.
 */
export async function migrate(db: Db, migrations: Migration[] = loadMigrations()): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    int4 PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      "SELECT version, checksum FROM schema_migrations ORDER BY version",
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const m = known.get(row.version);
      if (!m) throw new UnknownAppliedMigrationError(row.version);
      if (m.checksum !== row.checksum)
        throw new InvalidMigrationError(
          `${m.version}_${m.name}.sql`,
          "changed after it was applied; add a new migration instead",
        );
    }
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        m.checksum,
      ]);
      applied.push(m.version);
    }
    return { applied, alreadyApplied: [...done] };
  });
}

/** Whether every known migration is applied (for `/readyz`). */
export async function pendingMigrations(db: Db, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return migrations.map((m) => m.version);
  const { rows } = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
  const done = new Set(rows.map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.version);
}
