/**
 * The indexed chain's epochs (db/migrations/0020_indexer.sql: root proposals, vetoes,
 * finalizations): takes epoch numbers or a page and hands on each epoch's current proposal and
 * status, its transactions and vetoes, and the indexer's checkpoint. Status is derived here from
 * the immutable event rows. Every function takes batches or pages, never one row per call in a loop.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, type Hex } from "../../core/hex.ts";

export type EpochStatus = "Pending" | "Finalized" | "Vetoed";

export type EpochRow = {
  epoch: bigint;
  status: EpochStatus;
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
  status: EpochStatus;
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
