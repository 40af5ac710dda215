/**
 * Read queries for receipts' inclusion proofs and per-session impact summaries (the GraphQL
 * API's `Receipt.inclusion` and `Supporter.sessions`), over the coordinator's receipts and
 * grants and the oracle's epoch state, stream checkpoints and statements.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

/** Epoch statuses whose computation is current: its statements, checkpoints and roots stand. */
export const COMPUTED_STATUSES = ["COMPUTED", "SIGNED", "POSTED", "FINALIZED"] as const;

export type EpochCommitmentRow = {
  epoch: bigint;
  status: string;
  chainEpoch: bigint | null;
  receiptsRoot: Hex | null;
  datasetHash: Hex | null;
};

/** The oracle's commitments of these coordinator epochs (absent: no such epoch). */
export async function epochCommitments(q: Queryable, epochs: readonly bigint[]): Promise<EpochCommitmentRow[]> {
  const { rows } = await q.query<{
    number: bigint;
    status: string;
    chain_epoch: bigint | null;
    receipts_root: Uint8Array | null;
    dataset_hash: Uint8Array | null;
  }>(
    `SELECT e.number, e.status, s.chain_epoch, s.receipts_root, s.dataset_hash
       FROM epochs e LEFT JOIN epoch_state s ON s.epoch = e.number
      WHERE e.number = ANY($1::int8[])`,
    [epochs.map((e) => e.toString())],
  );
  return rows.map((r) => ({
    epoch: r.number,
    status: r.status,
    chainEpoch: r.chain_epoch,
    receiptsRoot: r.receipts_root ? bytesToHex(r.receipts_root) : null,
    datasetHash: r.dataset_hash ? bytesToHex(r.dataset_hash) : null,
  }));
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
