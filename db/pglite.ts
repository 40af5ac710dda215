import { PGlite } from "@electric-sql/pglite";
import { autocommitObserved, commitObserved } from "./commits.ts";
import type { Db, QueryResult, Queryable } from "./types.ts";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export type PGliteDbOptions = {
  /** A directory to persist to; in memory when omitted. */
  dataDir?: string | undefined;
  /** A data directory dump (`PGlite.dumpDataDir`) to start from, e.g. a migrated template. */
  loadDataDir?: Blob | File | undefined;
};

/**
 * A `Db` on embedded PGlite: real PostgreSQL in WebAssembly, one connection per instance.
 * Queries are serialized by PGlite itself; a transaction holds the connection exclusively.
 */
export async function createPGliteDb(options: PGliteDbOptions = {}): Promise<Db> {
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
    parsers: {
      [INT8_OID]: (value: string) => BigInt(value),
      [NUMERIC_OID]: (value: string) => BigInt(value),
    },
  });
  return wrapPGlite(pglite);
}

/** Wraps an open PGlite instance; `close()` closes it. */
export function wrapPGlite(pglite: PGlite): Db & { readonly pglite: PGlite } {
  const run = async <Row>(
    target: Pick<PGlite, "query">,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> => {
    const res = await target.query<Row>(sql, params as unknown[] | undefined);
    // PGlite reports affectedRows 0 for SELECT; pg reports the rows returned. Match pg.
    const rowCount = res.fields.length > 0 ? res.rows.length : (res.affectedRows ?? 0);
    return { rows: res.rows, rowCount };
  };

  return {
    kind: "pglite",
    pglite,
    query: (sql, params) => autocommitObserved(sql, () => run(pglite, sql, params)),
    exec: async (sql) => {
      await autocommitObserved(sql, () => pglite.exec(sql));
    },
    transaction: async (fn) => {
      let ended!: () => void;
      const committed = new Promise<void>((r) => (ended = r));
      try {
        return await pglite.transaction(async (t) => {
          const tx: Queryable = {
            query: (sql, params) => run(t, sql, params),
            exec: async (sql) => {
              await t.exec(sql);
            },
          };
          const result = await fn(tx);
          // PGlite commits when this callback resolves: the commit starts now.
          void commitObserved(committed);
          return result;
        });
      } finally {
        ended();
      }
    },
    async listen(channel, onPayload) {
      // One session: notifications are delivered while the committing query resolves; the
      // session is never lost short of `close()`.
      const unlisten = await pglite.listen(channel, onPayload);
      return {
        notify: async (payload) => {
          await pglite.query("SELECT pg_notify($1, $2)", [channel, payload]);
        },
        close: () => unlisten(),
      };
    },
    close: () => pglite.close(),
  };
}
