/**
 * The oracle's payout leaves (`epoch_leaves`): takes an epoch (and a keyset page) and hands on
 * each account's cumulative entitlement, the rows its payout tree is built from.
 */
import type { Queryable } from "../../db/types.ts";
import type { LeafColumns } from "../../db/rows/leaves.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type LeafRow = { account: Hex; cumulativeMicroUsd: bigint };
const leafOf = (r: LeafColumns): LeafRow => ({
  account: bytesToHex(r.account),
  cumulativeMicroUsd: r.cumulative_micro_usd,
});

/** Every leaf of an epoch, by account (to rebuild its tree). */
export async function leavesOfEpoch(q: Queryable, epoch: bigint): Promise<LeafRow[]> {
  const { rows } = await q.query<LeafColumns>(
    "SELECT account, cumulative_micro_usd FROM epoch_leaves WHERE epoch = $1 ORDER BY account",
    [epoch.toString()],
  );
  return rows.map(leafOf);
}

/** A page of an epoch's leaves, by account, keyset. */
export async function leavesPage(
  q: Queryable,
  epoch: bigint,
  page: { limit: number; after?: Hex | undefined },
): Promise<LeafRow[]> {
  const { rows } = await q.query<LeafColumns>(
    `SELECT account, cumulative_micro_usd FROM epoch_leaves WHERE epoch = $1 AND ($3::bytea IS NULL OR account > $3)
      ORDER BY account LIMIT $2`,
    [epoch.toString(), page.limit, page.after ? hexToBuffer(page.after) : null],
  );
  return rows.map(leafOf);
}
