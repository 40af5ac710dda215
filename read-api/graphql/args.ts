/**
 * Arguments and cursors the resolvers share: takes a field's raw argument or a decoded cursor
 * part and hands on a checked address, int8 or hex (or a `BAD_USER_INPUT` / `INVALID_CURSOR`
 * error), and the shapes of a supporter and of a cursor page.
 */
import type { Hex } from "../../core/hex.ts";
import { isInt8Decimal } from "../../http/wire.ts";
import type { StatementFiguresRow, StatementRow } from "../repositories/statements.ts";
import type { SupporterNodeRow } from "../repositories/supporters.ts";
import { userError } from "../../http/graphql/errors.ts";
import { encodeCursor } from "../../http/graphql/pagination.ts";

/** A `Supporter`: the address and its nodes (itself if a node, and nodes paying to it). */
export type Supporter = { address: Hex; nodes: SupporterNodeRow[] };
export type Cursor = { first?: number | null; after?: string | null };

const HEX_RE = /^0x(?:[0-9a-f]{2})*$/;
const ADDRESS_RE = /^0x[0-9a-f]{40}$/;

export const badCursor = () =>
  userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
/** A cursor's int8 part. */
export const uint = (v: unknown): bigint => {
  if (!isInt8Decimal(v)) throw badCursor();
  return BigInt(v);
};
/** A cursor's lowercase hex part. */
export const hexOf = (v: unknown): Hex => {
  if (typeof v !== "string" || !HEX_RE.test(v)) throw badCursor();
  return v as Hex;
};
export function address(value: Hex, argument: string): Hex {
  if (!ADDRESS_RE.test(value))
    throw userError("BAD_USER_INPUT", `\`${argument}\` must be a 20-byte address.`, { argument });
  return value;
}

export const statementCursor = (r: StatementRow | StatementFiguresRow) =>
  encodeCursor("statement", [r.epoch.toString(), r.account]);
