/**
 * The open epoch as ingest has stored it so far, for the live accrual (read-api/accrual/): every
 * node's accepted bytes and heartbeat slots with its payout address and founder status in force,
 * the rate cards and the budget in force, and — for one supporter's nodes only — the receipts the
 * rules that run at close could still flag or clip. Read-only.
 */
import type { AccrualSession, AtRiskBytes, OpenEpochNode } from "../../core/accrual.ts";
import type { Address } from "../../core/eip712/domain.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";
import type { RateCard } from "../../core/ratecard.ts";
import { RATE_CARD_COLUMNS, rateCardOfColumns, type RateCardColumns } from "../../db/rows/rate-cards.ts";
import type { Queryable } from "../../db/types.ts";

const hex = (b: Uint8Array) => bytesToHex(b);

/** The coordinator's status of epoch `epoch` (null before any item of it was stored). */
export async function epochStatus(q: Queryable, epoch: bigint): Promise<string | null> {
  const { rows } = await q.query<{ status: string }>(`SELECT status FROM epochs WHERE number = $1`, [epoch.toString()]);
  return rows[0]?.status ?? null;
}

/**
 * Every node with accepted bytes or heartbeats in `epoch` (one scan of the epoch's receipt
 * partition and one of its heartbeats), with the payout address and founder status in force.
 * Nodes without a registration in force are left out (they earn nothing at close).
 */
export async function openEpochNodes(
  q: Queryable,
  p: { epoch: bigint; epochStart: bigint; epochEnd: bigint; slotSeconds: bigint },
): Promise<OpenEpochNode[]> {
  const { rows } = await q.query<{
    node: Uint8Array;
    payout: Uint8Array | null;
    founder: boolean | null;
    bytes: string;
    receipts: string;
    slots_up: string;
  }>(
    `WITH bytes AS (
       SELECT supporter AS node, sum(delta_bytes) AS bytes, count(*) FILTER (WHERE delta_bytes > 0) AS receipts
         FROM receipts WHERE epoch = $1 AND verdict = 'accepted' GROUP BY supporter),
     beats AS (
       SELECT node_address AS node, count(DISTINCT (timestamp - $2) / $4) AS slots_up
         FROM heartbeats WHERE epoch = $1 AND timestamp >= $2 AND timestamp < $3 GROUP BY node_address),
     active AS (SELECT node FROM bytes UNION SELECT node FROM beats)
     SELECT a.node,
            (SELECT p.payout_address FROM payout_addresses p
              WHERE p.node_address = a.node AND p.effective_epoch <= $1
              ORDER BY p.effective_epoch DESC LIMIT 1) AS payout,
            (SELECT f.founder FROM founder_statuses f
              WHERE f.node_address = a.node AND f.effective_epoch <= $1
              ORDER BY f.effective_epoch DESC, f.issued_at DESC, f.id DESC LIMIT 1) AS founder,
            coalesce(b.bytes, 0)::text AS bytes, coalesce(b.receipts, 0)::text AS receipts,
            coalesce(h.slots_up, 0)::text AS slots_up
       FROM active a LEFT JOIN bytes b USING (node) LEFT JOIN beats h USING (node)`,
    [p.epoch.toString(), p.epochStart.toString(), p.epochEnd.toString(), p.slotSeconds.toString()],
  );
  return rows.flatMap((r) =>
    r.payout === null
      ? []
      : [
          {
            node: hex(r.node),
            payout: hex(r.payout),
            founder: r.founder === true,
            acceptedBytes: BigInt(r.bytes),
            receipts: Number(r.receipts),
            slotsUp: BigInt(r.slots_up),
          },
        ],
  );
}

/** Every stored rate card version. */
export async function allRateCards(q: Queryable): Promise<RateCard[]> {
  const { rows } = await q.query<RateCardColumns>(`SELECT ${RATE_CARD_COLUMNS} FROM rate_cards ORDER BY version`);
  return rows.map(rateCardOfColumns);
}

/** The signed budget in force at `epoch` (as the oracle reads it), or null. */
export async function budgetInForceAt(q: Queryable, epoch: bigint): Promise<bigint | null> {
  const { rows } = await q.query<{ budget: string }>(
    `SELECT budget_micro_usd::text AS budget FROM epoch_budgets WHERE from_epoch <= $1
      ORDER BY from_epoch DESC, issued_at DESC, id DESC LIMIT 1`,
    [epoch.toString()],
  );
  return rows[0] ? BigInt(rows[0].budget) : null;
}

/** Registered nodes paying to any of `accounts` at any time (the self-dealing rule's siblings). */
export async function nodesPayingTo(q: Queryable, accounts: readonly Hex[]): Promise<Address[]> {
  const { rows } = await q.query<{ node: Uint8Array }>(
    `SELECT DISTINCT node_address AS node FROM payout_addresses WHERE payout_address = ANY($1::bytea[])`,
    [accounts.map(hexToBuffer)],
  );
  return rows.map((r) => hex(r.node));
}

/**
 * Of `nodes`' accepted receipts in `epoch`, the bytes the close would flag on what is stored now,
 * each receipt under its first reason: `SELF_DEALING` (the viewer key is the node, or one of
 * `own`: the payout accounts and their nodes), else `NODE_OFFLINE` (no heartbeat of the node in
 * the epoch within ±`toleranceSeconds`).
 */
export async function atRiskBytes(
  q: Queryable,
  p: { epoch: bigint; nodes: readonly Hex[]; own: readonly Hex[]; toleranceSeconds: bigint },
): Promise<AtRiskBytes[]> {
  if (p.nodes.length === 0) return [];
  const { rows } = await q.query<{ node: Uint8Array; reason: "SELF_DEALING" | "NODE_OFFLINE"; bytes: string }>(
    `SELECT node, reason, sum(delta_bytes)::text AS bytes FROM (
       SELECT r.supporter AS node, r.delta_bytes,
              CASE WHEN r.viewer = r.supporter OR r.viewer = ANY($3::bytea[]) THEN 'SELF_DEALING'
                   WHEN NOT EXISTS (SELECT 1 FROM heartbeats h
                                     WHERE h.node_address = r.supporter AND h.epoch = r.epoch
                                       AND h.timestamp BETWEEN r.timestamp - $4 AND r.timestamp + $4)
                   THEN 'NODE_OFFLINE' END AS reason
         FROM receipts r
        WHERE r.epoch = $1 AND r.supporter = ANY($2::bytea[]) AND r.verdict = 'accepted' AND r.delta_bytes > 0) t
      WHERE reason IS NOT NULL GROUP BY node, reason`,
    [p.epoch.toString(), p.nodes.map(hexToBuffer), p.own.map(hexToBuffer), p.toleranceSeconds.toString()],
  );
  return rows.map((r) => ({ node: hex(r.node), reason: r.reason, bytes: BigInt(r.bytes) }));
}

/**
 * The sessions `nodes` served in `epoch`, for the bitrate bound: the grant's bitrate and start,
 * the session's first receipt this epoch, its accepted bytes over every supporter and epoch so
 * far, and the nodes' own bytes in it this epoch.
 */
export async function sessionsOfNodes(
  q: Queryable,
  p: { epoch: bigint; nodes: readonly Hex[] },
): Promise<AccrualSession[]> {
  if (p.nodes.length === 0) return [];
  const { rows } = await q.query<{
    session_id: Uint8Array;
    node: Uint8Array;
    bytes: string;
    max_bits_per_second: bigint;
    not_before: bigint;
    first_ts: bigint;
    total: string;
  }>(
    `WITH mine AS (
       SELECT session_id, supporter AS node, sum(delta_bytes) AS bytes FROM receipts
        WHERE epoch = $1 AND supporter = ANY($2::bytea[]) AND verdict = 'accepted' AND delta_bytes > 0
        GROUP BY session_id, supporter),
     sessions AS (
       SELECT s.session_id,
              (SELECT min(r.timestamp) FROM receipts r
                WHERE r.epoch = $1 AND r.session_id = s.session_id AND r.verdict = 'accepted') AS first_ts,
              (SELECT sum(r.delta_bytes) FROM receipts r
                WHERE r.epoch <= $1 AND r.session_id = s.session_id AND r.verdict = 'accepted') AS total
         FROM (SELECT DISTINCT session_id FROM mine) s)
     SELECT m.session_id, m.node, m.bytes::text AS bytes, g.max_bits_per_second, g.not_before, s.first_ts,
            s.total::text AS total
       FROM mine m JOIN sessions s USING (session_id) JOIN grants g USING (session_id)
      ORDER BY m.session_id, m.node`,
    [p.epoch.toString(), p.nodes.map(hexToBuffer)],
  );
  const bySession = new Map<string, AccrualSession & { bytesByNode: Map<Address, bigint> }>();
  for (const r of rows) {
    const id = bytesToHex(r.session_id);
    let s = bySession.get(id);
    if (!s)
      bySession.set(
        id,
        (s = {
          maxBitsPerSecond: BigInt(r.max_bits_per_second),
          notBefore: BigInt(r.not_before),
          firstTimestamp: BigInt(r.first_ts),
          totalBytes: BigInt(r.total),
          bytesByNode: new Map(),
        }),
      );
    s.bytesByNode.set(hex(r.node), BigInt(r.bytes));
  }
  return [...bySession.values()];
}
