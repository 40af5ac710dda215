/** Page sizes and opaque cursors (base64url JSON) for lists and Relay connections. */
import { userError } from "./errors.ts";

/** The largest `first` any list or connection accepts. */
export const MAX_PAGE_SIZE = 100;

/** Validates `first` (1…MAX_PAGE_SIZE) and `skip` (0…10 000). */
export function pageArgs(first: number | null | undefined, skip?: number | null): { limit: number; offset: number } {
  const limit = first ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0)
    throw userError("BAD_USER_INPUT", "`first` must be a non-negative integer.", { argument: "first" });
  if (limit > MAX_PAGE_SIZE)
    throw userError("PAGE_TOO_LARGE", `\`first\` may be at most ${MAX_PAGE_SIZE}; got ${limit}.`, {
      argument: "first",
      max: MAX_PAGE_SIZE,
    });
  const offset = skip ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > 10_000)
    throw userError(
      "BAD_USER_INPUT",
      "`skip` must be an integer from 0 to 10 000; use a connection's cursor to page further.",
      {
        argument: "skip",
      },
    );
  return { limit, offset };
}

export function encodeCursor(kind: string, values: (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...values])).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor(kind, …)` with `arity` values; INVALID_CURSOR otherwise. */
export function decodeCursor(kind: string, cursor: string, arity: number): (string | number)[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(parsed) && parsed[0] === kind && parsed.length === arity + 1)
      return parsed.slice(1) as (string | number)[];
  } catch {
    // fall through
  }
  throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
}

export type Connection<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

/**
 * Builds a connection from `limit + 1` fetched rows. Cursors are encoded when read: a query that
 * selects no `cursor` or `endCursor` (the dashboard's, the earnings query's) encodes none.
 */
export function connectionOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({
    node,
    get cursor() {
      return cursorOf(node);
    },
  }));
  const last = page.at(-1);
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      get endCursor() {
        return last === undefined ? null : cursorOf(last);
      },
    },
  };
}
