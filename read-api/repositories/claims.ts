/**
 * Indexed `Claimed` events (`chain_claims`): takes a filter and a page, ids, epochs or accounts and
 * hands on the claims and each claiming account's totals, aggregated here from the immutable rows.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type ClaimRow = {
  id: Hex;
  account: Hex;
  recipient: Hex;
  amountMicroUsd: bigint;
  cumulativeClaimedMicroUsd: bigint;
  epoch: bigint;
  relayer: Hex | null;
  relayerFeeMicroUsd: bigint | null;
  blockNumber: bigint;
  blockTimestamp: bigint;
  transactionHash: Hex;
  logIndex: number;
};
type RawClaim = {
  id: Uint8Array;
  account: Uint8Array;
  recipient: Uint8Array;
  amount: bigint;
  cumulative_claimed: bigint;
  epoch: bigint;
  relayer: Uint8Array | null;
  relayer_fee: bigint | null;
  block_number: bigint;
  block_timestamp: bigint;
  transaction_hash: Uint8Array;
  log_index: number;
};
const toClaim = (r: RawClaim): ClaimRow => ({
  id: bytesToHex(r.id),
  account: bytesToHex(r.account),
  recipient: bytesToHex(r.recipient),
  amountMicroUsd: r.amount,
  cumulativeClaimedMicroUsd: r.cumulative_claimed,
  epoch: r.epoch,
  relayer: r.relayer ? bytesToHex(r.relayer) : null,
  relayerFeeMicroUsd: r.relayer_fee,
  blockNumber: r.block_number,
  blockTimestamp: r.block_timestamp,
  transactionHash: bytesToHex(r.transaction_hash),
  logIndex: r.log_index,
});

export type ClaimFilter = { account?: Hex | undefined; epoch?: bigint | undefined };
/** A position in the claims' order (block number, log index), exclusive. */
export type ClaimCursor = { blockNumber: bigint; logIndex: number };

/** Claims newest first, filtered; keyset (`after`) or offset paging. */
export async function listClaims(
  q: Queryable,
  filter: ClaimFilter,
  page: { limit: number; offset?: number; after?: ClaimCursor | undefined },
): Promise<ClaimRow[]> {
  const { rows } = await q.query<RawClaim>(
    `SELECT * FROM chain_claims
      WHERE ($3::bytea IS NULL OR account = $3) AND ($4::int8 IS NULL OR epoch = $4)
        AND ($5::int8 IS NULL OR (block_number, log_index) < ($5::int8, $6::int4))
      ORDER BY block_number DESC, log_index DESC LIMIT $1 OFFSET $2`,
    [
      page.limit,
      page.offset ?? 0,
      filter.account ? hexToBuffer(filter.account) : null,
      filter.epoch?.toString() ?? null,
      page.after?.blockNumber.toString() ?? null,
      page.after?.logIndex ?? 0,
    ],
  );
  return rows.map(toClaim);
}

/** Claims by id, for a DataLoader. */
export async function claimsById(q: Queryable, ids: readonly Hex[]): Promise<ClaimRow[]> {
  const { rows } = await q.query<RawClaim>("SELECT * FROM chain_claims WHERE id = ANY($1::bytea[])", [
    ids.map(hexToBuffer),
  ]);
  return rows.map(toClaim);
}

/** Sum claimed against each epoch's root. */
export async function claimedByEpoch(q: Queryable, epochs: readonly bigint[]): Promise<Map<bigint, bigint>> {
  const { rows } = await q.query<{ epoch: bigint; total: bigint }>(
    "SELECT epoch, sum(amount) AS total FROM chain_claims WHERE epoch = ANY($1::int8[]) GROUP BY epoch",
    [epochs.map(String)],
  );
  return new Map(rows.map((r) => [r.epoch, r.total]));
}

export type AccountRow = {
  id: Hex;
  totalClaimedMicroUsd: bigint;
  claimCount: number;
  firstClaimAt: bigint;
  lastClaimAt: bigint;
};
type RawAccount = { account: Uint8Array; total: bigint; n: bigint; first_at: bigint; last_at: bigint };
const ACCOUNT_SELECT = `SELECT account, max(cumulative_claimed) AS total, count(*) AS n,
  min(block_timestamp) AS first_at, max(block_timestamp) AS last_at FROM chain_claims`;
const toAccount = (r: RawAccount): AccountRow => ({
  id: bytesToHex(r.account),
  totalClaimedMicroUsd: r.total,
  claimCount: Number(r.n),
  firstClaimAt: r.first_at,
  lastClaimAt: r.last_at,
});

export async function accountsByAddress(q: Queryable, addresses: readonly Hex[]): Promise<AccountRow[]> {
  const { rows } = await q.query<RawAccount>(`${ACCOUNT_SELECT} WHERE account = ANY($1::bytea[]) GROUP BY account`, [
    addresses.map(hexToBuffer),
  ]);
  return rows.map(toAccount);
}

export async function listAccounts(q: Queryable, page: { limit: number; offset: number }): Promise<AccountRow[]> {
  const { rows } = await q.query<RawAccount>(
    `${ACCOUNT_SELECT} GROUP BY account ORDER BY total DESC, account LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  );
  return rows.map(toAccount);
}

/**
 * The newest claims of each account (or of each epoch), `limit` per key after skipping
 * `offset`: one query for many parents (a window function), for a DataLoader.
 */
export async function claimsPerKey(
  q: Queryable,
  by: "account" | "epoch",
  keys: readonly (Hex | bigint)[],
  page: { limit: number; offset: number },
): Promise<ClaimRow[]> {
  const keyParam =
    by === "account" ? keys.map((k) => hexToBuffer(k as Hex)) : keys.map((k) => (k as bigint).toString());
  const { rows } = await q.query<RawClaim>(
    `SELECT * FROM (
       SELECT *, row_number() OVER (PARTITION BY ${by} ORDER BY block_number DESC, log_index DESC) AS rn
         FROM chain_claims WHERE ${by} = ANY($1::${by === "account" ? "bytea" : "int8"}[])
     ) t WHERE rn > $2 AND rn <= $2 + $3 ORDER BY ${by}, rn`,
    [keyParam, page.offset, page.limit],
  );
  return rows.map(toClaim);
}
