import { createHash } from "node:crypto";
import pg from "pg";
import { autocommitObserved, commitObserved } from "./commits.ts";
import type { Db, DbListener, QueryResult, Queryable } from "./types.ts";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** `pg` type parsers for this connection only (never the process-wide `pg.types`). */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

const names = new Map<string, string>();
/** A short stable name for a statement's text (cached: hashing is per distinct text, not per call). */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `s_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    if (names.size < 10_000) names.set(sql, name);
  }
  return name;
}

export type PostgresDbOptions = {
  connectionString: string;
  /** Pool size; defaults to 10. */
  max?: number;
};

/** A `Db` backed by a `pg.Pool` against a PostgreSQL server. */
export function createPostgresDb(options: PostgresDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});

  const run = async <Row>(
    client: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> => {
    // Named (prepared) statements: each connection parses and plans a statement once and
    // reuses the plan, which matters for the API's hot read queries (planning can cost more
    // than executing). The name is derived from the text, so it never clashes.
    const res = await client.query({ name: statementName(sql), text: sql, values: params as unknown[] | undefined });
    return { rows: res.rows as Row[], rowCount: res.rowCount ?? res.rows.length };
  };

  return {
    kind: "postgres",
    query: (sql, params) => autocommitObserved(sql, () => run(pool, sql, params)),
    exec: async (sql) => {
      await autocommitObserved(sql, () => pool.query(sql));
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client is not covered by the pool's 'error' listener: a server that
      // terminates the connection mid-transaction would otherwise throw an unhandled 'error'
      // event and end the process. The error is kept, the transaction's query rejects, and the
      // broken client is destroyed on release instead of going back to the pool.
      let lost: Error | undefined;
      const onLost = (err: Error) => {
        lost = err;
      };
      client.on("error", onLost);
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => {
          await client.query(sql);
        },
      };
      try {
        await client.query("BEGIN");
        const result = await fn(tx);
        await commitObserved(client.query("COMMIT"));
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
          lost ??= rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        throw err;
      } finally {
        client.off("error", onLost);
        client.release(lost);
      }
    },
    async listen(channel, onPayload, onLost) {
      const client = new pg.Client({
        connectionString: options.connectionString,
        types,
        application_name: `ledger listen ${channel}`,
      });
      let open = true;
      const lost = (err: Error) => {
        if (!open) return;
        open = false;
        client.removeAllListeners("notification");
        void client.end().catch(() => {});
        onLost(err);
      };
      client.on("error", lost);
      client.on("end", () => lost(new Error(`LISTEN ${channel}: connection closed`)));
      client.on("notification", (n) => {
        if (n.channel === channel) onPayload(n.payload ?? "");
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (err) {
        open = false;
        await client.end().catch(() => {});
        throw err;
      }
      const listener: DbListener = {
        notify: async (payload) => {
          await client.query("SELECT pg_notify($1, $2)", [channel, payload]);
        },
        close: async () => {
          if (!open) return;
          open = false;
          await client.end().catch(() => {});
        },
      };
      return listener;
    },
    close: () => pool.end(),
  };
}
