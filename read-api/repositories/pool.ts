/**
 * The reward pool's books from the indexed chain: takes a page and hands on fundings and excess
 * withdrawals, and the reconciliation of funded, withdrawn, claimed and committed amounts.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, type Hex } from "../../core/hex.ts";

export type TransferRow = {
  id: Hex;
  counterparty: Hex;
  amountMicroUsd: bigint;
  netFundedMicroUsd: bigint;
  blockNumber: bigint;
  blockTimestamp: bigint;
  transactionHash: Hex;
  logIndex: number;
};

/** Fundings (`Funded.from` as counterparty) or withdrawals (`ExcessWithdrawn.to`), newest first. */
export async function listTransfers(
  q: Queryable,
  kind: "funding" | "withdrawal",
  page: { limit: number; offset: number },
): Promise<TransferRow[]> {
  const sql =
    kind === "funding"
      ? "SELECT *, funder AS counterparty FROM chain_fundings"
      : "SELECT *, recipient AS counterparty FROM chain_withdrawals";
  const { rows } = await q.query<{
    id: Uint8Array;
    counterparty: Uint8Array;
    amount: bigint;
    net_funded: bigint;
    block_number: bigint;
    block_timestamp: bigint;
    transaction_hash: Uint8Array;
    log_index: number;
  }>(`${sql} ORDER BY block_number DESC, log_index DESC LIMIT $1 OFFSET $2`, [page.limit, page.offset]);
  return rows.map((r) => ({
    id: bytesToHex(r.id),
    counterparty: bytesToHex(r.counterparty),
    amountMicroUsd: r.amount,
    netFundedMicroUsd: r.net_funded,
    blockNumber: r.block_number,
    blockTimestamp: r.block_timestamp,
    transactionHash: bytesToHex(r.transaction_hash),
    logIndex: r.log_index,
  }));
}

export type ReconciliationRow = {
  fundedMicroUsd: bigint;
  withdrawnMicroUsd: bigint;
  claimedMicroUsd: bigint;
  committedMicroUsd: bigint;
  contractBalanceMicroUsd: bigint | null;
  balanceBlock: bigint | null;
};

/**
 * The pool's books. `committed` is the cumulative total of the latest proposed, not vetoed,
 * root (the contract's `committedTotal`): the newest epoch whose latest proposal is not vetoed.
 */
export async function reconciliation(q: Queryable): Promise<ReconciliationRow> {
  const { rows } = await q.query<{
    funded: bigint;
    withdrawn: bigint;
    claimed: bigint;
    committed: bigint | null;
    balance: bigint | null;
    balance_block: bigint | null;
  }>(
    `WITH latest AS (
       SELECT DISTINCT ON (epoch) * FROM chain_root_proposals ORDER BY epoch, block_number DESC, log_index DESC
     )
     SELECT (SELECT COALESCE(sum(amount), 0) FROM chain_fundings) AS funded,
            (SELECT COALESCE(sum(amount), 0) FROM chain_withdrawals) AS withdrawn,
            (SELECT COALESCE(sum(amount), 0) FROM chain_claims) AS claimed,
            (SELECT p.cumulative_total FROM latest p
              WHERE NOT EXISTS (SELECT 1 FROM chain_root_vetoes v WHERE v.epoch = p.epoch
                                  AND (v.block_number, v.log_index) > (p.block_number, p.log_index))
              ORDER BY p.epoch DESC LIMIT 1) AS committed,
            (SELECT balance FROM chain_balances LIMIT 1) AS balance,
            (SELECT block_number FROM chain_balances LIMIT 1) AS balance_block`,
  );
  const r = rows[0]!;
  return {
    fundedMicroUsd: r.funded,
    withdrawnMicroUsd: r.withdrawn,
    claimedMicroUsd: r.claimed,
    committedMicroUsd: r.committed ?? 0n,
    contractBalanceMicroUsd: r.balance,
    balanceBlock: r.balance_block,
  };
}
