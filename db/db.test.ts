import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { testBackends } from "../test/helpers/db.ts";
import { connectDb } from "./connect.ts";
import {
  InvalidDatabaseUrlError,
  InvalidMigrationError,
  UnknownAppliedMigrationError,
  isDatabaseUnavailable,
  redactUrl,
} from "./errors.ts";
import { loadMigrations, migrate, pendingMigrations, type Migration } from "./migrate.ts";
import type { Db } from "./types.ts";

const fixture = (version: number, sql: string): Migration => ({
  version,
  name: `fixture_${version}`,
  sql,
  checksum: `checksum-of-${sql}`,
});

for (const backend of testBackends()) {
  describe(`db (${backend.name})`, () => {
    let db: Db;
    before(async () => {
      db = await backend.open();
    });
    after(() => db.close());

    it("default: reports its kind and has every migration applied", async () => {
      expect(db.kind).to.equal(backend.name);
      expect(await pendingMigrations(db)).to.deep.equal([]);
    });

    it("behavior: int8 and numeric(78,0) round-trip as bigint, without loss", async () => {
      const max = 2n ** 256n - 1n;
      await db.exec("CREATE TABLE roundtrip (n int8 NOT NULL, amount numeric(78,0) NOT NULL, note text)");
      await db.query("INSERT INTO roundtrip VALUES ($1, $2, $3), ($4, $5, $6)", [
        9_223_372_036_854_775_807n,
        max,
        "max",
        -1n,
        0n,
        null,
      ]);
      const { rows, rowCount } = await db.query<{ n: bigint; amount: bigint; note: string | null }>(
        "SELECT n, amount, note FROM roundtrip ORDER BY n DESC",
      );
      expect(rowCount).to.equal(2);
      expect(rows).to.deep.equal([
        { n: 9_223_372_036_854_775_807n, amount: max, note: "max" },
        { n: -1n, amount: 0n, note: null },
      ]);
      const agg = await db.query<{ count: bigint; total: bigint }>(
        "SELECT count(*) AS count, sum(amount) AS total FROM roundtrip",
      );
      expect(agg.rows[0]).to.deep.equal({ count: 2n, total: max });
    });

    it("behavior: a transaction commits when its function resolves", async () => {
      await db.exec("CREATE TABLE tx_ok (v int4)");
      const out = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_ok VALUES (1), (2)");
        return "done";
      });
      expect(out).to.equal("done");
      expect((await db.query("SELECT * FROM tx_ok")).rowCount).to.equal(2);
    });

    it("behavior: a transaction that throws leaves nothing behind", async () => {
      await db.exec("CREATE TABLE tx_fail (v int4)");
      const boom = new Error("boom");
      let caught: unknown;
      try {
        await db.transaction(async (tx) => {
          await tx.query("INSERT INTO tx_fail VALUES (1)");
          throw boom;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.equal(boom);
      expect((await db.query("SELECT * FROM tx_fail")).rowCount).to.equal(0);
    });

    it(
      "behavior: a server that terminates a connection mid-transaction rejects that transaction, and the process and the next query live on",
      { skip: backend.name !== "postgres" && "pg_terminate_backend needs a server" },
      async () => {
        await db.exec("CREATE TABLE tx_killed (v int4)");
        let caught: unknown;
        try {
          await db.transaction(async (tx) => {
            await tx.query("INSERT INTO tx_killed VALUES (1)");
            const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
            // Another connection ends this one, as a restarting or failing server would.
            await db.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
            await new Promise((r) => setTimeout(r, 200));
            await tx.query("INSERT INTO tx_killed VALUES (2)");
          });
        } catch (err) {
          caught = err;
        }
        expect(caught, "the transaction must reject").to.be.instanceOf(Error);
        expect(isDatabaseUnavailable(caught), String(caught)).to.equal(true);
        expect((await db.query("SELECT * FROM tx_killed")).rowCount).to.equal(0);
      },
    );

    it("behavior: migrating twice, even concurrently, applies each migration once", async () => {
      const migrations = [...loadMigrations(), fixture(9001, "CREATE TABLE fixture_once (id int4 PRIMARY KEY)")];
      const results = await Promise.all([migrate(db, migrations), migrate(db, migrations)]);
      expect(results.map((r) => r.applied).flat()).to.deep.equal([9001]);
      expect((await migrate(db, migrations)).applied).to.deep.equal([]);
      const { rows } = await db.query<{ n: bigint }>(
        "SELECT count(*) AS n FROM schema_migrations WHERE version = 9001",
      );
      expect(rows[0]!.n).to.equal(1n);
    });

    it("error: a failing migration rolls back entirely", async () => {
      const migrations = [
        ...loadMigrations(),
        fixture(9001, "CREATE TABLE fixture_once (id int4 PRIMARY KEY)"),
        fixture(9002, "CREATE TABLE fixture_half (id int4); SELECT * FROM no_such_table;"),
      ];
      let caught: unknown;
      try {
        await migrate(db, migrations);
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/no_such_table/);
      const t = await db.query<{ t: string | null }>("SELECT to_regclass('fixture_half')::text AS t");
      expect(t.rows[0]!.t).to.equal(null);
    });

    it("error: an applied migration that changed, or one this code lacks, is refused", async () => {
      const changed = [...loadMigrations(), { ...fixture(9001, "x"), checksum: "different" }];
      await expectRejection(() => migrate(db, changed), InvalidMigrationError);
      await expectRejection(() => migrate(db, loadMigrations()), UnknownAppliedMigrationError);
    });
  });
}

describe("isDatabaseUnavailable", () => {
  it("default: refused, reset and terminated connections and a shutting-down server are outages", () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "08006"])
      expect(isDatabaseUnavailable(coded(code)), code).to.equal(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).to.equal(true);
    expect(isDatabaseUnavailable(new Error("outer", { cause: coded("ECONNREFUSED") }))).to.equal(true);
    expect(isDatabaseUnavailable(new AggregateError([coded("ECONNREFUSED")]))).to.equal(true);
  });

  it("error: a SQL error, a constraint violation or a bug is not an outage", () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["23505", "42P01", "22003"]) expect(isDatabaseUnavailable(coded(code)), code).to.equal(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).to.equal(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).to.equal(false);
  });
});

describe("connectDb", () => {
  it("default: pglite:memory opens an embedded database", async () => {
    const db = await connectDb({ url: "pglite:memory" });
    try {
      expect(db.kind).to.equal("pglite");
      expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).to.deep.equal([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it("error: an unknown scheme is refused with a message that hides the password", async () => {
    const err = await expectRejection(() => connectDb({ url: "mysql://root:hunter2@db/x" }), InvalidDatabaseUrlError);
    expect(err.message).to.not.include("hunter2");
    expect(redactUrl("postgres://u:secret@h:5432/d")).to.equal("postgres://u:***@h:5432/d");
  });
});

async function expectRejection<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}
