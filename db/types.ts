/**
 * The one database interface shared by `api/` and `oracle/`. Two backends implement it:
 * PostgreSQL through `pg.Pool`, and embedded PGlite (PostgreSQL compiled to WebAssembly).
 * Both run the same SQL and return values the same way:
 *
 * - `int8` and `numeric` come back as `bigint` (the schema keeps `numeric` for integer
 *   amounts only, `numeric(78,0)`, so no precision is ever lost or rounded);
 * - `int4`/`int2` as `number`, `timestamptz` as `Date`, `jsonb` parsed, `bytea` as `Uint8Array`.
 */

/** Which engine answers the queries. */
export type DbKind = "postgres" | "pglite";

export type QueryResult<Row> = {
  rows: Row[];
  /** Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT. */
  rowCount: number;
};

/** Something that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: DbKind;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Everything `fn` does must go through the `tx` it is given.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`: `onPayload` gets the payload of every NOTIFY committed on it, in commit
   * order, from any session or process. PostgreSQL: on a dedicated connection, and `onLost` when
   * that connection fails (notifications may then have been missed; call `listen` again). PGlite:
   * on its one session, delivered before the committing query resolves.
   */
  listen(channel: string, onPayload: (payload: string) => void, onLost: (err: Error) => void): Promise<DbListener>;
  close(): Promise<void>;
}

/** A LISTEN session (`Db.listen`). */
export interface DbListener {
  /** NOTIFY on the listened channel from this session (it receives it after every earlier commit's). */
  notify(payload: string): Promise<void>;
  close(): Promise<void>;
}
