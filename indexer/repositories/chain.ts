/**
 * The chain indexer's SQL (tables of db/migrations/0020_indexer.sql and 0026_governance.sql):
 * checkpoint, seen blocks, immutable event rows of the distributor and of its timelock, and the
 * rewind a reorg needs. The indexer is these tables' only writer.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";
import type { IndexedLog } from "../../events/indexer-step.ts";

export type Checkpoint = { blockNumber: bigint; blockHash: Hex };
export type SeenBlock = { blockNumber: bigint; blockHash: Hex; parentHash: Hex; timestamp: bigint };

const buf = (h: string) => hexToBuffer(h);

export async function getCheckpoint(q: Queryable, chainId: number, contract: Hex): Promise<Checkpoint | undefined> {
  const { rows } = await q.query<{ block_number: bigint; block_hash: Uint8Array }>(
    "SELECT block_number, block_hash FROM chain_checkpoint WHERE chain_id = $1 AND contract = $2",
    [chainId, buf(contract)],
  );
  const r = rows[0];
  return r ? { blockNumber: r.block_number, blockHash: bytesToHex(r.block_hash) } : undefined;
}

export async function setCheckpoint(q: Queryable, chainId: number, contract: Hex, cp: Checkpoint): Promise<void> {
  await q.query(
    `INSERT INTO chain_checkpoint (chain_id, contract, block_number, block_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (chain_id, contract) DO UPDATE
       SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, updated_at = now()`,
    [chainId, buf(contract), cp.blockNumber.toString(), buf(cp.blockHash)],
  );
}

export async function deleteCheckpoint(q: Queryable, chainId: number, contract: Hex): Promise<void> {
  await q.query("DELETE FROM chain_checkpoint WHERE chain_id = $1 AND contract = $2", [chainId, buf(contract)]);
}

/** Seen blocks at or below `atOrBelow`, newest first. */
export async function seenBlocksDesc(q: Queryable, chainId: number, atOrBelow: bigint): Promise<SeenBlock[]> {
  const { rows } = await q.query<{
    block_number: bigint;
    block_hash: Uint8Array;
    parent_hash: Uint8Array;
    timestamp: bigint;
  }>(
    `SELECT block_number, block_hash, parent_hash, timestamp FROM chain_blocks
      WHERE chain_id = $1 AND block_number <= $2 ORDER BY block_number DESC`,
    [chainId, atOrBelow.toString()],
  );
  return rows.map((r) => ({
    blockNumber: r.block_number,
    blockHash: bytesToHex(r.block_hash),
    parentHash: bytesToHex(r.parent_hash),
    timestamp: r.timestamp,
  }));
}

export async function insertSeenBlocks(q: Queryable, chainId: number, blocks: SeenBlock[]): Promise<void> {
  if (blocks.length === 0) return;
  await q.query(
    `INSERT INTO chain_blocks (chain_id, block_number, block_hash, parent_hash, timestamp)
     SELECT $1, n, h, p, t FROM unnest($2::int8[], $3::bytea[], $4::bytea[], $5::int8[]) AS x(n, h, p, t)
     ON CONFLICT (chain_id, block_number) DO UPDATE
       SET block_hash = EXCLUDED.block_hash, parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp`,
    [
      chainId,
      blocks.map((b) => b.blockNumber.toString()),
      blocks.map((b) => buf(b.blockHash)),
      blocks.map((b) => buf(b.parentHash)),
      blocks.map((b) => b.timestamp.toString()),
    ],
  );
}

/**
 * Forgets seen blocks a reorg can no longer reach: those below `boundary`, except the newest of
 * them, which stays as the anchor a rewind falls back to (and whose change proves a reorg
 * deeper than finality).
 */
export async function pruneSeenBlocks(q: Queryable, chainId: number, boundary: bigint): Promise<void> {
  await q.query(
    `DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number < (
       SELECT max(block_number) FROM chain_blocks WHERE chain_id = $1 AND block_number <= $2)`,
    [chainId, boundary.toString()],
  );
}

const EVENT_TABLES = [
  "chain_events",
  "chain_root_proposals",
  "chain_root_vetoes",
  "chain_root_finalizations",
  "chain_claims",
  "chain_fundings",
  "chain_withdrawals",
  "chain_claim_limits",
  "chain_role_events",
  "chain_timelock_calls",
  "chain_timelock_salts",
  "chain_timelock_executions",
  "chain_timelock_cancellations",
  "chain_timelock_delay_changes",
] as const;

/** Deletes every row a reorg undid: events and seen blocks above `blockNumber`. Returns the events removed. */
export async function rewindAbove(q: Queryable, chainId: number, blockNumber: bigint): Promise<number> {
  let removed = 0;
  for (const table of EVENT_TABLES) {
    const { rowCount } = await q.query(`DELETE FROM ${table} WHERE block_number > $1`, [blockNumber.toString()]);
    if (table === "chain_events") removed = rowCount;
  }
  await q.query("DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number > $2", [
    chainId,
    blockNumber.toString(),
  ]);
  return removed;
}

const str = (v: unknown) => String(v);
const hex = (v: unknown) => buf(v as string);

/**
 * Stores logs (already ordered by block and log index) as immutable rows: the generic
 * `chain_events` row and, for the events the ledger reads, a typed row. Re-storing the same
 * log is a no-op (ids are unique), so a crashed range can be replayed.
 */
export async function insertLogs(q: Queryable, logs: IndexedLog[]): Promise<void> {
  // ClaimAuthorizationUsed follows Claimed in the same transaction: attach relayer and fee.
  const relayed = new Map<string, { relayer: unknown; fee: unknown }>();
  for (const log of logs)
    if (log.eventName === "ClaimAuthorizationUsed")
      relayed.set(`${log.transactionHash}:${String(log.args.account).toLowerCase()}`, {
        relayer: log.args.relayer,
        fee: log.args.relayerFee,
      });

  for (const log of logs) {
    const common = [
      buf(log.id),
      log.blockNumber.toString(),
      log.logIndex,
      log.blockTimestamp.toString(),
      buf(log.transactionHash),
    ];
    await q.query(
      `INSERT INTO chain_events (id, block_number, log_index, block_timestamp, transaction_hash, block_hash, event_name, args, contract)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
      [
        ...common,
        buf(log.blockHash),
        log.eventName,
        JSON.stringify(log.args, (_k, v: unknown) => jsonSafe(v)),
        buf(log.contract),
      ],
    );
    const a = log.args;
    /** The typed row: the five common columns (`$1`..`$5`), then `columns` with `values`. */
    const typed = (table: string, columns: string, values: unknown[]) =>
      q.query(
        `INSERT INTO ${table} (id, block_number, log_index, block_timestamp, transaction_hash, ${columns})
           VALUES ($1, $2, $3, $4, $5, ${values.map((_, i) => `$${i + 6}`).join(", ")}) ON CONFLICT (id) DO NOTHING`,
        [...common, ...values],
      );
    /** A timelock call's values (CallScheduled, CallExecuted): timelock, operation id, index, target, value, data. */
    const call = () => [buf(log.contract), hex(a.id), str(a.index), hex(a.target), str(a.value), hex(a.data)];
    switch (log.eventName) {
      case "RootProposed":
        await typed(
          "chain_root_proposals",
          "epoch, root, cumulative_total, receipts_root, dataset_hash, rate_card_hash, valid_at, signers, attempt",
          [
            str(a.epoch),
            hex(a.root),
            str(a.cumulativeTotal),
            hex(a.receiptsRoot),
            hex(a.datasetHash),
            hex(a.rateCardHash),
            str(a.validAt),
            (a.signers as string[]).map(buf),
            str(a.attempt),
          ],
        );
        break;
      case "RootVetoed":
        await typed("chain_root_vetoes", "epoch, guardian, reason", [str(a.epoch), hex(a.guardian), String(a.reason)]);
        break;
      case "RootFinalized":
        await typed("chain_root_finalizations", "epoch, cumulative_total", [str(a.epoch), str(a.cumulativeTotal)]);
        break;
      case "Claimed": {
        const r = relayed.get(`${log.transactionHash}:${String(a.account).toLowerCase()}`);
        await typed("chain_claims", "account, recipient, amount, cumulative_claimed, epoch, relayer, relayer_fee", [
          hex(a.account),
          hex(a.recipient),
          str(a.amount),
          str(a.cumulativeClaimed),
          str(a.epoch),
          r ? hex(r.relayer) : null,
          r ? str(r.fee) : null,
        ]);
        break;
      }
      case "Funded":
        await typed("chain_fundings", "funder, amount, net_funded", [hex(a.from), str(a.amount), str(a.netFunded)]);
        break;
      case "ExcessWithdrawn":
        await typed("chain_withdrawals", "recipient, amount, net_funded", [hex(a.to), str(a.amount), str(a.netFunded)]);
        break;
      case "ClaimLimited":
        await typed("chain_claim_limits", "account, due, paid", [hex(a.account), str(a.due), str(a.paid)]);
        break;
      case "RoleGranted":
      case "RoleRevoked":
        await typed("chain_role_events", "contract, role, account, sender, granted", [
          buf(log.contract),
          hex(a.role),
          hex(a.account),
          hex(a.sender),
          log.eventName === "RoleGranted",
        ]);
        break;
      case "CallScheduled":
        await typed(
          "chain_timelock_calls",
          "timelock, operation_id, call_index, target, value, data, predecessor, delay_seconds, ready_at",
          [...call(), hex(a.predecessor), str(a.delay), (log.blockTimestamp + (a.delay as bigint)).toString()],
        );
        break;
      case "CallSalt":
        await typed("chain_timelock_salts", "timelock, operation_id, salt", [
          buf(log.contract),
          hex(a.id),
          hex(a.salt),
        ]);
        break;
      case "CallExecuted":
        await typed("chain_timelock_executions", "timelock, operation_id, call_index, target, value, data", call());
        break;
      case "Cancelled":
        await typed("chain_timelock_cancellations", "timelock, operation_id", [buf(log.contract), hex(a.id)]);
        break;
      case "MinDelayChange":
        await typed("chain_timelock_delay_changes", "timelock, old_delay_seconds, new_delay_seconds", [
          buf(log.contract),
          str(a.oldDuration),
          str(a.newDuration),
        ]);
        break;
      default:
        break; // other configuration events: kept in chain_events only
    }
  }
}

/** bigint → decimal string, addresses and hashes lowercased, for jsonb. */
function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string" && v.startsWith("0x")) return v.toLowerCase();
  return v;
}

/** Inserts or replaces `table`'s one row per (chain, contract): these columns and values. */
async function upsertPerContract(
  q: Queryable,
  table: string,
  chainId: number,
  contract: Hex,
  values: Record<string, unknown>,
): Promise<void> {
  const columns = Object.keys(values);
  await q.query(
    `INSERT INTO ${table} (chain_id, contract, ${columns.join(", ")})
     VALUES ($1, $2, ${columns.map((_, i) => `$${i + 3}`).join(", ")})
     ON CONFLICT (chain_id, contract) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`,
    [chainId, buf(contract), ...Object.values(values)],
  );
}

export async function setContractBalance(
  q: Queryable,
  chainId: number,
  contract: Hex,
  row: { blockNumber: bigint; token: Hex; balance: bigint },
): Promise<void> {
  await upsertPerContract(q, "chain_balances", chainId, contract, {
    block_number: row.blockNumber.toString(),
    token: buf(row.token),
    balance: row.balance.toString(),
  });
}

/** The distributor's timelock and its `getMinDelay()` as read at the range's last block. */
export async function setTimelockState(
  q: Queryable,
  chainId: number,
  contract: Hex,
  row: { blockNumber: bigint; timelock: Hex; minDelaySeconds: bigint },
): Promise<void> {
  await upsertPerContract(q, "chain_timelocks", chainId, contract, {
    timelock: buf(row.timelock),
    min_delay_seconds: row.minDelaySeconds.toString(),
    block_number: row.blockNumber.toString(),
  });
}

/** Event counts per name (tests and diagnostics). */
export async function eventCounts(q: Queryable): Promise<Record<string, number>> {
  const { rows } = await q.query<{ event_name: string; n: bigint }>(
    "SELECT event_name, count(*) AS n FROM chain_events GROUP BY event_name ORDER BY event_name",
  );
  return Object.fromEntries(rows.map((r) => [r.event_name, Number(r.n)]));
}
