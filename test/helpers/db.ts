import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { loadMigrations, migrate } from "../../db/migrate.ts";
import { createPGliteDb } from "../../db/pglite.ts";
import { createPostgresDb } from "../../db/postgres.ts";
import type { Db, DbKind } from "../../db/types.ts";

/** A database backend tests run on; `open()` gives a fresh, migrated, private database. */
export type TestBackend = { name: DbKind; open(): Promise<Db> };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "ledger-test");

/**
 * PGlite always; PostgreSQL too when `TEST_DATABASE_URL` is set (`.ci/run` sets it).
 * Each `open()` returns a database no other test file sees: a cloned PGlite instance, or a
 * new PostgreSQL database that is dropped on `close()`.
 */
export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [{ name: "pglite", open: openPGlite }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) backends.push({ name: "postgres", open: () => openPostgres(url) });
  return backends;
}

/** The migrated template, built once per set of migrations and cached on disk (initdb costs seconds). */
async function pgliteTemplate(): Promise<Blob> {
  const migrations = loadMigrations();
  const { version: pgliteVersion } = JSON.parse(
    readFileSync(path.join(ROOT, "node_modules/@electric-sql/pglite/package.json"), "utf8"),
  ) as { version: string };
  const key = createHash("sha256")
    .update(pgliteVersion)
    .update(migrations.map((m) => m.checksum).join(","))
    .digest("hex")
    .slice(0, 16);
  const file = path.join(CACHE_DIR, `pglite-template-${key}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const db = await createPGliteDb();
  try {
    await migrate(db, migrations);
    const dump = await (db as Db & { pglite: { dumpDataDir(c: "none"): Promise<Blob> } }).pglite.dumpDataDir("none");
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: concurrent test files never read a half-written template
    return dump;
  } finally {
    await db.close();
  }
}

async function openPGlite(): Promise<Db> {
  return createPGliteDb({ loadDataDir: await pgliteTemplate() });
}

async function openPostgres(url: string): Promise<Db> {
  const name = `ledger_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = createPostgresDb({ connectionString: u.toString(), max: 5 });
  await migrate(db);
  return {
    ...db,
    async close() {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
