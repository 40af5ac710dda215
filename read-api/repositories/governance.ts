/**
 * Read queries over the governance rows (db/migrations/0026_governance.sql) for the GraphQL API:
 * who holds which role now, the distributor's timelock, its operations with their status, and
 * the claims the circuit breaker limited. Current holders and statuses are derived from the
 * immutable event rows here, so a reorg's rewind never leaves a stale one behind.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type RoleHolderRow = {
  contract: Hex;
  role: Hex;
  account: Hex;
  grantedAt: bigint;
  grantedBy: Hex;
  transactionHash: Hex;
};

/** Accounts whose latest role event on `contracts` is a grant, by contract, role and grant time. */
export async function roleHolders(q: Queryable, contracts: readonly Hex[]): Promise<RoleHolderRow[]> {
  const { rows } = await q.query<{
    contract: Uint8Array;
    role: Uint8Array;
    account: Uint8Array;
    granted: boolean;
    block_timestamp: bigint;
    sender: Uint8Array;
    transaction_hash: Uint8Array;
  }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (contract, role, account) contract, role, account, granted, block_timestamp, sender,
              transaction_hash, block_number, log_index
         FROM chain_role_events WHERE contract = ANY($1::bytea[])
        ORDER BY contract, role, account, block_number DESC, log_index DESC) latest
      WHERE granted ORDER BY contract, role, block_number, log_index`,
    [contracts.map(hexToBuffer)],
  );
  return rows.map((r) => ({
    contract: bytesToHex(r.contract),
    role: bytesToHex(r.role),
    account: bytesToHex(r.account),
    grantedAt: r.block_timestamp,
    grantedBy: bytesToHex(r.sender),
    transactionHash: bytesToHex(r.transaction_hash),
  }));
}

export type GovernanceHead = {
  distributor: Hex;
  /** Timestamp of the indexer's checkpoint block: the chain's clock as far as it has been read. */
  chainTime: bigint | null;
  timelock: Hex | null;
  minDelaySeconds: bigint | null;
  timelockReadAtBlock: bigint | null;
};

/** The indexed distributor, the chain time at the checkpoint, and its timelock; undefined before any range. */
export async function governanceHead(q: Queryable): Promise<GovernanceHead | undefined> {
  const { rows } = await q.query<{
    contract: Uint8Array;
    chain_time: bigint | null;
    timelock: Uint8Array | null;
    min_delay_seconds: bigint | null;
    block_number: bigint | null;
  }>(
    `SELECT c.contract, b.timestamp AS chain_time, t.timelock, t.min_delay_seconds, t.block_number
       FROM chain_checkpoint c
       LEFT JOIN chain_blocks b ON b.chain_id = c.chain_id AND b.block_number = c.block_number
       LEFT JOIN chain_timelocks t ON t.chain_id = c.chain_id AND t.contract = c.contract
      ORDER BY c.updated_at DESC LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    distributor: bytesToHex(r.contract),
    chainTime: r.chain_time,
    timelock: r.timelock ? bytesToHex(r.timelock) : null,
    minDelaySeconds: r.min_delay_seconds,
    timelockReadAtBlock: r.block_number,
  };
}

export type TimelockOperationStatus = "PENDING" | "READY" | "DONE" | "CANCELLED";
export const TIMELOCK_OPERATION_STATUSES: readonly TimelockOperationStatus[] = [
  "PENDING",
  "READY",
  "DONE",
  "CANCELLED",
];

export type TimelockCallRow = { index: bigint; target: Hex; value: bigint; data: Hex };

export type TimelockOperationRow = {
  timelock: Hex;
  id: Hex;
  status: TimelockOperationStatus;
  predecessor: Hex;
  salt: Hex | null;
  delaySeconds: bigint;
  readyAt: bigint;
  scheduledAt: bigint;
  scheduledBlock: bigint;
  scheduledTransactionHash: Hex;
  executedAt: bigint | null;
  executedTransactionHash: Hex | null;
  cancelledAt: bigint | null;
  cancelledTransactionHash: Hex | null;
  calls: TimelockCallRow[];
};

/**
 * One row per schedule (a batch's calls share it; an id cancelled and scheduled again is two
 * schedules). Its status: DONE or CANCELLED by the first execution or cancellation of the id after
 * it; otherwise READY once `readyAt` ≤ `chainTime` (the timelock's own `block.timestamp ≥` rule,
 * on the indexed chain's clock), else PENDING.
 */
const OPERATIONS = `
  WITH sched AS (
    SELECT timelock, operation_id, transaction_hash, block_number, min(log_index) AS log_index,
           min(block_timestamp) AS scheduled_at, max(ready_at) AS ready_at, max(delay_seconds) AS delay_seconds,
           predecessor
      FROM chain_timelock_calls WHERE timelock = $1
     GROUP BY timelock, operation_id, transaction_hash, block_number, predecessor
  ), ops AS (
    SELECT s.*, e.block_timestamp AS executed_at, e.transaction_hash AS executed_tx,
           c.block_timestamp AS cancelled_at, c.transaction_hash AS cancelled_tx,
           (SELECT salt FROM chain_timelock_salts x WHERE x.timelock = s.timelock AND x.operation_id = s.operation_id
               AND x.transaction_hash = s.transaction_hash LIMIT 1) AS salt,
           CASE WHEN e.transaction_hash IS NOT NULL THEN 'DONE'
                WHEN c.transaction_hash IS NOT NULL THEN 'CANCELLED'
                WHEN s.ready_at <= $2::numeric THEN 'READY'
                ELSE 'PENDING' END AS status
      FROM sched s
      LEFT JOIN LATERAL (
        SELECT block_timestamp, transaction_hash FROM chain_timelock_executions x
         WHERE x.timelock = s.timelock AND x.operation_id = s.operation_id
           AND (x.block_number, x.log_index) > (s.block_number, s.log_index)
         ORDER BY block_number, log_index LIMIT 1) e ON true
      LEFT JOIN LATERAL (
        SELECT block_timestamp, transaction_hash FROM chain_timelock_cancellations x
         WHERE x.timelock = s.timelock AND x.operation_id = s.operation_id
           AND (x.block_number, x.log_index) > (s.block_number, s.log_index)
         ORDER BY block_number, log_index LIMIT 1) c ON true
  )
  SELECT * FROM ops WHERE ($3::text[] IS NULL OR status = ANY($3::text[]))
   ORDER BY block_number DESC, log_index DESC LIMIT $4 OFFSET $5`;

/** A page of `timelock`'s operations, newest schedule first, with their calls in index order. */
export async function listTimelockOperations(
  q: Queryable,
  timelock: Hex,
  chainTime: bigint,
  filter: { statuses?: readonly TimelockOperationStatus[] },
  page: { limit: number; offset?: number },
): Promise<TimelockOperationRow[]> {
  const { rows } = await q.query<{
    timelock: Uint8Array;
    operation_id: Uint8Array;
    transaction_hash: Uint8Array;
    block_number: bigint;
    scheduled_at: bigint;
    ready_at: string | bigint;
    delay_seconds: string | bigint;
    predecessor: Uint8Array;
    salt: Uint8Array | null;
    status: TimelockOperationStatus;
    executed_at: bigint | null;
    executed_tx: Uint8Array | null;
    cancelled_at: bigint | null;
    cancelled_tx: Uint8Array | null;
  }>(OPERATIONS, [
    hexToBuffer(timelock),
    chainTime.toString(),
    filter.statuses ? [...filter.statuses] : null,
    page.limit,
    page.offset ?? 0,
  ]);
  if (rows.length === 0) return [];
  const calls = await q.query<{
    operation_id: Uint8Array;
    transaction_hash: Uint8Array;
    call_index: string | bigint;
    target: Uint8Array;
    value: string | bigint;
    data: Uint8Array;
  }>(
    `SELECT operation_id, transaction_hash, call_index, target, value, data FROM chain_timelock_calls
      WHERE timelock = $1 AND transaction_hash = ANY($2::bytea[]) ORDER BY call_index`,
    [hexToBuffer(timelock), rows.map((r) => r.transaction_hash)],
  );
  const byOperation = new Map<string, TimelockCallRow[]>();
  for (const c of calls.rows) {
    const key = `${bytesToHex(c.transaction_hash)}:${bytesToHex(c.operation_id)}`;
    const list = byOperation.get(key) ?? [];
    list.push({
      index: BigInt(c.call_index),
      target: bytesToHex(c.target),
      value: BigInt(c.value),
      data: bytesToHex(c.data),
    });
    byOperation.set(key, list);
  }
  return rows.map((r) => ({
    timelock: bytesToHex(r.timelock),
    id: bytesToHex(r.operation_id),
    status: r.status,
    predecessor: bytesToHex(r.predecessor),
    salt: r.salt ? bytesToHex(r.salt) : null,
    delaySeconds: BigInt(r.delay_seconds),
    readyAt: BigInt(r.ready_at),
    scheduledAt: r.scheduled_at,
    scheduledBlock: r.block_number,
    scheduledTransactionHash: bytesToHex(r.transaction_hash),
    executedAt: r.executed_at,
    executedTransactionHash: r.executed_tx ? bytesToHex(r.executed_tx) : null,
    cancelledAt: r.cancelled_at,
    cancelledTransactionHash: r.cancelled_tx ? bytesToHex(r.cancelled_tx) : null,
    calls: byOperation.get(`${bytesToHex(r.transaction_hash)}:${bytesToHex(r.operation_id)}`) ?? [],
  }));
}

export type ClaimLimitRow = {
  id: Hex;
  account: Hex;
  dueMicroUsd: bigint;
  paidMicroUsd: bigint;
  blockNumber: bigint;
  blockTimestamp: bigint;
  transactionHash: Hex;
  logIndex: number;
};

/** Claims the breaker limited, newest first; optionally one account's. */
export async function listClaimLimits(
  q: Queryable,
  filter: { account?: Hex },
  page: { limit: number; offset?: number },
): Promise<ClaimLimitRow[]> {
  const { rows } = await q.query<{
    id: Uint8Array;
    account: Uint8Array;
    due: string | bigint;
    paid: string | bigint;
    block_number: bigint;
    block_timestamp: bigint;
    transaction_hash: Uint8Array;
    log_index: number;
  }>(
    `SELECT id, account, due, paid, block_number, block_timestamp, transaction_hash, log_index FROM chain_claim_limits
      WHERE ($1::bytea IS NULL OR account = $1) ORDER BY block_number DESC, log_index DESC LIMIT $2 OFFSET $3`,
    [filter.account ? hexToBuffer(filter.account) : null, page.limit, page.offset ?? 0],
  );
  return rows.map((r) => ({
    id: bytesToHex(r.id),
    account: bytesToHex(r.account),
    dueMicroUsd: BigInt(r.due),
    paidMicroUsd: BigInt(r.paid),
    blockNumber: r.block_number,
    blockTimestamp: r.block_timestamp,
    transactionHash: bytesToHex(r.transaction_hash),
    logIndex: r.log_index,
  }));
}
