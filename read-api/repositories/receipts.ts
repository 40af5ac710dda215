/**
 * Receipts as the read side sees them: takes node addresses (and a keyset page) and hands on
 * their stored receipts with verdicts, per-session impact summaries (`Supporter.sessions`) and
 * the bytes not priced yet. Over the coordinator's receipts and grants and the oracle's stream
 * checkpoints and statements.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";
import { COMPUTED_STATUSES } from "./epochs.ts";
import { RECEIPT_COLUMNS, receiptOfColumns, type ReceiptColumns } from "../../db/rows/receipts.ts";

export type ReceiptRow = {
  epoch: bigint;
  sessionId: Hex;
  supporter: Hex;
  viewer: Hex;
  seq: bigint;
  cumulativeBytes: bigint;
  deltaBytes: bigint;
  timestamp: bigint;
  verdict: string;
  reason: string | null;
};
/** A position in the receipts' order (epoch, session, supporter, seq: the primary key), exclusive. */
export type ReceiptCursor = { epoch: bigint; sessionId: Hex; supporter: Hex; seq: bigint };

/**
 * The page of rows keyed like receipts (epoch, session_id, supporter, seq), newest first: `$1`
 * the nodes, `$2` the limit, `$3` one epoch (or NULL), `$4`..`$7` the cursor (`receiptKeysetParams`).
 */
export const RECEIPT_KEYSET = `WHERE supporter = ANY($1::bytea[]) AND ($3::int8 IS NULL OR epoch = $3)
        AND ($4::int8 IS NULL OR (epoch, session_id, supporter, seq) < ($4::int8, $5::bytea, $6::bytea, $7::int8))
      ORDER BY epoch DESC, session_id DESC, supporter DESC, seq DESC LIMIT $2`;

/** The parameters `$1`..`$7` of `RECEIPT_KEYSET`. */
export function receiptKeysetParams(
  nodes: readonly Hex[],
  page: { limit: number; epoch?: bigint | undefined; after?: ReceiptCursor | undefined },
): unknown[] {
  const a = page.after;
  return [
    nodes.map(hexToBuffer),
    page.limit,
    page.epoch?.toString() ?? null,
    a?.epoch.toString() ?? null,
    a ? hexToBuffer(a.sessionId) : null,
    a ? hexToBuffer(a.supporter) : null,
    a?.seq.toString() ?? null,
  ];
}

/** Receipts of these supporters (node addresses), newest epoch first, keyset-paged. */
export async function receiptsOfSupporters(
  q: Queryable,
  supporters: readonly Hex[],
  page: { limit: number; epoch?: bigint | undefined; after?: ReceiptCursor | undefined },
): Promise<ReceiptRow[]> {
  if (supporters.length === 0) return [];
  const { rows } = await q.query<ReceiptColumns>(
    `SELECT ${RECEIPT_COLUMNS}
       FROM receipts
      ${RECEIPT_KEYSET}`,
    receiptKeysetParams(supporters, page),
  );
  return rows.map(receiptOfColumns);
}

export type SessionImpactRow = {
  sessionId: Hex;
  streamId: Hex | null;
  /** The viewer key the session's grant names. */
  viewer: Hex | null;
  /** Distinct viewer keys in the supporter's receipts of this session. */
  viewersServed: number;
  /** The supporter's nodes that served the session. */
  nodes: Hex[];
  receipts: number;
  firstReceiptAt: bigint;
  lastReceiptAt: bigint;
  firstEpoch: bigint;
  lastEpoch: bigint;
  claimedBytes: bigint;
  pendingBytes: bigint;
  countedBytes: bigint;
  earningsMicroUsd: bigint;
  /** Every epoch of the session's receipts is computed. */
  complete: boolean;
};

/** A position in the sessions' order (last receipt time, session id; both descending), exclusive. */
export type SessionCursor = { lastReceiptAt: bigint; sessionId: Hex };

/**
 * Per session the supporter's nodes served, newest last receipt first, keyset-paged:
 *
 * - `claimedBytes`: Σ of the stored receipts' increases (`delta_bytes`: what the viewer's
 *   cumulative signatures claim over the previous receipt of the stream), every epoch;
 * - `pendingBytes`: the part of it in epochs the oracle has not computed yet;
 * - `countedBytes`: per (session, node), the counted bytes of the stream's latest checkpoint in
 *   a computed epoch (core's `StreamCheckpoint.countedBytes`, cumulative over epochs);
 * - `earningsMicroUsd`: per computed epoch e and node n, ⌊payout(e, account) × counted(e, n) /
 *   countedBytes(e, account)⌋ where account is n's payout address in e, payout and
 *   countedBytes are that account's statement's, and counted(e, n) is the stream's counted
 *   bytes in e (the checkpoint's increase over the previous computed one); summed.
 */
export async function sessionImpacts(
  q: Queryable,
  nodes: readonly Hex[],
  page: { limit: number; after?: SessionCursor | undefined; sessionId?: Hex | undefined },
): Promise<SessionImpactRow[]> {
  if (nodes.length === 0) return [];
  const { rows } = await q.query<{
    session_id: Uint8Array;
    stream_id: Uint8Array | null;
    viewer: Uint8Array | null;
    viewers: bigint;
    nodes: Uint8Array[];
    receipts: bigint;
    first_ts: bigint;
    last_ts: bigint;
    first_epoch: bigint;
    last_epoch: bigint;
    claimed: bigint;
    pending: bigint;
    counted: bigint;
    earnings: bigint;
    complete: boolean;
  }>(
    `WITH page AS (
       SELECT r.session_id, count(DISTINCT r.viewer) AS viewers, array_agg(DISTINCT r.supporter) AS nodes,
              count(*) AS receipts, min(r.timestamp) AS first_ts, max(r.timestamp) AS last_ts,
              min(r.epoch) AS first_epoch, max(r.epoch) AS last_epoch, sum(r.delta_bytes) AS claimed,
              COALESCE(sum(r.delta_bytes) FILTER (WHERE e.status <> ALL($5::text[])), 0) AS pending,
              bool_and(e.status = ANY($5::text[])) AS complete
         FROM receipts r JOIN epochs e ON e.number = r.epoch
        WHERE r.supporter = ANY($1::bytea[]) AND ($6::bytea IS NULL OR r.session_id = $6::bytea)
        GROUP BY r.session_id
       HAVING $3::int8 IS NULL OR (max(r.timestamp), r.session_id) < ($3::int8, $4::bytea)
        ORDER BY last_ts DESC, r.session_id DESC
        LIMIT $2
     ), ck AS (
       SELECT c.session_id, c.supporter, c.epoch,
              c.counted_bytes - COALESCE(lag(c.counted_bytes) OVER (
                PARTITION BY c.session_id, c.supporter ORDER BY c.epoch), 0) AS counted
         FROM epoch_checkpoints c JOIN epochs e ON e.number = c.epoch AND e.status = ANY($5::text[])
        WHERE c.session_id IN (SELECT session_id FROM page) AND c.supporter = ANY($1::bytea[])
     ), earned AS (
       SELECT ck.session_id, sum(ck.counted) AS counted,
              sum(CASE WHEN st.counted_bytes > 0 THEN div(st.payout_micro_usd * ck.counted, st.counted_bytes) ELSE 0 END)
                AS earnings
         FROM ck
         LEFT JOIN LATERAL (
           SELECT p.payout_address FROM payout_addresses p
            WHERE p.node_address = ck.supporter AND p.effective_epoch <= ck.epoch
            ORDER BY p.effective_epoch DESC LIMIT 1) pa ON true
         LEFT JOIN epoch_statements st ON st.epoch = ck.epoch AND st.account = pa.payout_address
        GROUP BY ck.session_id
     )
     SELECT page.session_id, g.stream_id, g.viewer, page.viewers, page.nodes, page.receipts, page.first_ts,
            page.last_ts, page.first_epoch, page.last_epoch, page.claimed, page.pending,
            COALESCE(earned.counted, 0) AS counted, COALESCE(earned.earnings, 0) AS earnings, page.complete
       FROM page
       LEFT JOIN earned ON earned.session_id = page.session_id
       LEFT JOIN grants g ON g.session_id = page.session_id
      ORDER BY page.last_ts DESC, page.session_id DESC`,
    [
      nodes.map(hexToBuffer),
      page.limit,
      page.after?.lastReceiptAt.toString() ?? null,
      page.after ? hexToBuffer(page.after.sessionId) : null,
      [...COMPUTED_STATUSES],
      page.sessionId ? hexToBuffer(page.sessionId) : null,
    ],
  );
  return rows.map((r) => ({
    sessionId: bytesToHex(r.session_id),
    streamId: r.stream_id ? bytesToHex(r.stream_id) : null,
    viewer: r.viewer ? bytesToHex(r.viewer) : null,
    viewersServed: Number(r.viewers),
    nodes: r.nodes.map((n) => bytesToHex(n)).sort(),
    receipts: Number(r.receipts),
    firstReceiptAt: BigInt(r.first_ts),
    lastReceiptAt: BigInt(r.last_ts),
    firstEpoch: BigInt(r.first_epoch),
    lastEpoch: BigInt(r.last_epoch),
    claimedBytes: BigInt(r.claimed),
    pendingBytes: BigInt(r.pending),
    countedBytes: BigInt(r.counted),
    earningsMicroUsd: BigInt(r.earnings),
    complete: r.complete,
  }));
}

/** Bytes the nodes served in epochs the oracle has not computed yet (OPEN or CLOSED). */
export async function unpricedBytesOfNodes(q: Queryable, nodes: readonly Hex[]): Promise<bigint> {
  if (nodes.length === 0) return 0n;
  const { rows } = await q.query<{ b: bigint }>(
    `SELECT COALESCE(sum(r.delta_bytes), 0)::numeric(78,0) AS b FROM receipts r
      WHERE r.supporter = ANY($1::bytea[]) AND r.verdict = 'accepted'
        AND r.epoch IN (SELECT number FROM epochs WHERE status IN ('OPEN', 'CLOSED'))`,
    [nodes.map(hexToBuffer)],
  );
  return rows[0]?.b ?? 0n;
}
