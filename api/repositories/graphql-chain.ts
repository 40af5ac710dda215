/**
 * Read queries over the indexer's event rows (db/migrations/0020_indexer.sql) for the GraphQL
 * API. Aggregates (epoch status, account totals, reconciliation) are derived here from the
 * immutable rows. Every function takes batches or pages, never one row per call in a loop.
 */
import type { ChainEpochStatus } from "../../core/epoch-lifecycle.ts";
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

/** The on-chain status of an epoch with a proposed root, as the indexer derives it from the events. */
export type ProposedEpochStatus = Exclude<ChainEpochStatus, "None">;

export type EpochRow = {
  epoch: bigint;
  status: ProposedEpochStatus;
  root: Hex;
  cumulativeTotalMicroUsd: bigint;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
  validAt: bigint;
  signers: Hex[];
  proposedAt: bigint;
  proposedTransactionHash: Hex;
  finalizedAt: bigint | null;
  vetoedAt: bigint | null;
  vetoReason: string | null;
  proposalCount: number;
  /** The current proposal's attempt (1 first, one more after each veto; 0 if indexed before attempts existed). */
  attempt: number;
};

type RawEpoch = {
  epoch: bigint;
  status: ProposedEpochStatus;
  root: Uint8Array;
  cumulative_total: bigint;
  receipts_root: Uint8Array;
  dataset_hash: Uint8Array;
  rate_card_hash: Uint8Array;
  valid_at: bigint;
  signers: Uint8Array[];
  proposed_at: bigint;
  proposed_tx: Uint8Array;
  finalized_at: bigint | null;
  vetoed_at: bigint | null;
  veto_reason: string | null;
  proposal_count: bigint;
  attempt: bigint;
};

const EPOCH_SELECT = `
  WITH latest AS (
    SELECT DISTINCT ON (epoch) * FROM chain_root_proposals ORDER BY epoch, block_number DESC, log_index DESC
  )
  SELECT p.epoch, p.root, p.cumulative_total, p.receipts_root, p.dataset_hash, p.rate_card_hash, p.valid_at,
         p.signers, p.attempt, p.block_timestamp AS proposed_at, p.transaction_hash AS proposed_tx,
         (SELECT count(*) FROM chain_root_proposals x WHERE x.epoch = p.epoch) AS proposal_count,
         f.block_timestamp AS finalized_at, v.block_timestamp AS vetoed_at, v.reason AS veto_reason,
         CASE WHEN f.id IS NOT NULL THEN 'Finalized'
              WHEN v.id IS NOT NULL AND (v.block_number, v.log_index) > (p.block_number, p.log_index) THEN 'Vetoed'
              ELSE 'Pending' END AS status
    FROM latest p
    LEFT JOIN chain_root_finalizations f ON f.epoch = p.epoch
    LEFT JOIN LATERAL (
      SELECT * FROM chain_root_vetoes v WHERE v.epoch = p.epoch ORDER BY block_number DESC, log_index DESC LIMIT 1
    ) v ON true`;

const toEpoch = (r: RawEpoch): EpochRow => ({
  epoch: r.epoch,
  status: r.status,
  root: bytesToHex(r.root),
  cumulativeTotalMicroUsd: r.cumulative_total,
  receiptsRoot: bytesToHex(r.receipts_root),
  datasetHash: bytesToHex(r.dataset_hash),
  rateCardHash: bytesToHex(r.rate_card_hash),
  validAt: r.valid_at,
  signers: r.signers.map(bytesToHex),
  proposedAt: r.proposed_at,
  proposedTransactionHash: bytesToHex(r.proposed_tx),
  finalizedAt: r.finalized_at,
  vetoedAt: r.vetoed_at,
  vetoReason: r.veto_reason,
  proposalCount: Number(r.proposal_count),
  attempt: Number(r.attempt),
});

/** Epochs by number, for a DataLoader. */
export async function epochsByNumber(q: Queryable, numbers: readonly bigint[]): Promise<EpochRow[]> {
  const { rows } = await q.query<RawEpoch>(`${EPOCH_SELECT} WHERE p.epoch = ANY($1::int8[])`, [numbers.map(String)]);
  return rows.map(toEpoch);
}

/** A page of epochs; `before`: only epochs below that number (cursor pagination). */
export async function listEpochs(
  q: Queryable,
  page: { limit: number; offset?: number; direction?: "asc" | "desc"; before?: bigint },
): Promise<EpochRow[]> {
  const dir = page.direction === "asc" ? "ASC" : "DESC";
  const params: unknown[] = [page.limit, page.offset ?? 0];
  let where = "";
  if (page.before !== undefined) {
    params.push(page.before.toString());
    where = "WHERE p.epoch < $3";
  }
  const { rows } = await q.query<RawEpoch>(
    `${EPOCH_SELECT} ${where} ORDER BY p.epoch ${dir} LIMIT $1 OFFSET $2`,
    params,
  );
  return rows.map(toEpoch);
}

export type EpochTransactionRow = {
  epoch: bigint;
  kind: "Proposed" | "Vetoed" | "Finalized";
  transactionHash: Hex;
  blockNumber: bigint;
  blockTimestamp: bigint;
};

/** Every proposal, veto and finalization of these epochs, in chain order. */
export async function epochTransactions(q: Queryable, numbers: readonly bigint[]): Promise<EpochTransactionRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    kind: EpochTransactionRow["kind"];
    transaction_hash: Uint8Array;
    block_number: bigint;
    block_timestamp: bigint;
  }>(
    `SELECT epoch, kind, transaction_hash, block_number, block_timestamp FROM (
       SELECT epoch, 'Proposed' AS kind, transaction_hash, block_number, log_index, block_timestamp FROM chain_root_proposals
       UNION ALL SELECT epoch, 'Vetoed', transaction_hash, block_number, log_index, block_timestamp FROM chain_root_vetoes
       UNION ALL SELECT epoch, 'Finalized', transaction_hash, block_number, log_index, block_timestamp FROM chain_root_finalizations
     ) t WHERE epoch = ANY($1::int8[]) ORDER BY block_number, log_index`,
    [numbers.map(String)],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    kind: r.kind,
    transactionHash: bytesToHex(r.transaction_hash),
    blockNumber: r.block_number,
    blockTimestamp: r.block_timestamp,
  }));
}

export type VetoRow = {
  id: Hex;
  epoch: bigint;
  guardian: Hex;
  reason: string;
  blockNumber: bigint;
  blockTimestamp: bigint;
  transactionHash: Hex;
  logIndex: number;
};
type RawVeto = {
  id: Uint8Array;
  epoch: bigint;
  guardian: Uint8Array;
  reason: string;
  block_number: bigint;
  block_timestamp: bigint;
  transaction_hash: Uint8Array;
  log_index: number;
};
const toVeto = (r: RawVeto): VetoRow => ({
  id: bytesToHex(r.id),
  epoch: r.epoch,
  guardian: bytesToHex(r.guardian),
  reason: r.reason,
  blockNumber: r.block_number,
  blockTimestamp: r.block_timestamp,
  transactionHash: bytesToHex(r.transaction_hash),
  logIndex: r.log_index,
});

/** Vetoes, newest first; of some epochs only when `epochs` is given. */
export async function listVetoes(
  q: Queryable,
  page: { limit: number; offset: number; epochs?: readonly bigint[] },
): Promise<VetoRow[]> {
  const { rows } = await q.query<RawVeto>(
    `SELECT * FROM chain_root_vetoes WHERE ($3::int8[] IS NULL OR epoch = ANY($3::int8[]))
      ORDER BY block_number DESC, log_index DESC LIMIT $1 OFFSET $2`,
    [page.limit, page.offset, page.epochs ? page.epochs.map(String) : null],
  );
  return rows.map(toVeto);
}

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

export type IndexerStatusRow = { chainId: bigint; contract: Hex; blockNumber: bigint; blockHash: Hex };

export async function indexerStatus(q: Queryable): Promise<IndexerStatusRow | undefined> {
  const { rows } = await q.query<{
    chain_id: bigint;
    contract: Uint8Array;
    block_number: bigint;
    block_hash: Uint8Array;
  }>("SELECT chain_id, contract, block_number, block_hash FROM chain_checkpoint ORDER BY updated_at DESC LIMIT 1");
  const r = rows[0];
  return r
    ? {
        chainId: r.chain_id,
        contract: bytesToHex(r.contract),
        blockNumber: r.block_number,
        blockHash: bytesToHex(r.block_hash),
      }
    : undefined;
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
