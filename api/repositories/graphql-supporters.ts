/**
 * Read queries over the coordinator's tables (db/migrations/0002_coordinator.sql) for the
 * GraphQL API's `supporter`: nodes, payout address history, receipts with their verdicts.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type SupporterNodeRow = { address: Hex; founder: boolean; registeredAt: Date };

/** Nodes that are `address` or have ever been paid to `address`. */
export async function nodesOfSupporter(q: Queryable, address: Hex): Promise<SupporterNodeRow[]> {
  const { rows } = await q.query<{ address: Uint8Array; founder: boolean; registered_at: Date }>(
    // UNION, not OR: each branch is an index lookup (an OR over a subquery scans every node).
    `SELECT address, founder, registered_at FROM nodes WHERE address = $1
     UNION
     SELECT n.address, n.founder, n.registered_at
       FROM payout_addresses p JOIN nodes n ON n.address = p.node_address WHERE p.payout_address = $1
     ORDER BY registered_at, address`,
    [hexToBuffer(address)],
  );
  return rows.map((r) => ({ address: bytesToHex(r.address), founder: r.founder, registeredAt: r.registered_at }));
}

export type PayoutAddressRow = { nodeAddress: Hex; payoutAddress: Hex; effectiveEpoch: bigint; submittedEpoch: bigint };

/** Payout address history of these nodes, oldest first, for a DataLoader. */
export async function payoutAddressesOfNodes(q: Queryable, nodes: readonly Hex[]): Promise<PayoutAddressRow[]> {
  const { rows } = await q.query<{
    node_address: Uint8Array;
    payout_address: Uint8Array;
    effective_epoch: bigint;
    submitted_epoch: bigint;
  }>(
    `SELECT node_address, payout_address, effective_epoch, submitted_epoch FROM payout_addresses
      WHERE node_address = ANY($1::bytea[]) ORDER BY node_address, effective_epoch`,
    [nodes.map(hexToBuffer)],
  );
  return rows.map((r) => ({
    nodeAddress: bytesToHex(r.node_address),
    payoutAddress: bytesToHex(r.payout_address),
    effectiveEpoch: r.effective_epoch,
    submittedEpoch: r.submitted_epoch,
  }));
}

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

/** Receipts of these supporters (node addresses), newest epoch first, keyset-paged. */
export async function receiptsOfSupporters(
  q: Queryable,
  supporters: readonly Hex[],
  page: { limit: number; epoch?: bigint | undefined; after?: ReceiptCursor | undefined },
): Promise<ReceiptRow[]> {
  if (supporters.length === 0) return [];
  const a = page.after;
  const { rows } = await q.query<{
    epoch: bigint;
    session_id: Uint8Array;
    supporter: Uint8Array;
    viewer: Uint8Array;
    seq: bigint;
    cumulative_bytes: bigint;
    delta_bytes: bigint;
    timestamp: bigint;
    verdict: string;
    reason: string | null;
  }>(
    `SELECT epoch, session_id, supporter, viewer, seq, cumulative_bytes, delta_bytes, timestamp, verdict, reason
       FROM receipts
      WHERE supporter = ANY($1::bytea[]) AND ($3::int8 IS NULL OR epoch = $3)
        AND ($4::int8 IS NULL OR (epoch, session_id, supporter, seq) < ($4::int8, $5::bytea, $6::bytea, $7::int8))
      ORDER BY epoch DESC, session_id DESC, supporter DESC, seq DESC LIMIT $2`,
    [
      supporters.map(hexToBuffer),
      page.limit,
      page.epoch?.toString() ?? null,
      a?.epoch.toString() ?? null,
      a ? hexToBuffer(a.sessionId) : null,
      a ? hexToBuffer(a.supporter) : null,
      a?.seq.toString() ?? null,
    ],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    sessionId: bytesToHex(r.session_id),
    supporter: bytesToHex(r.supporter),
    viewer: bytesToHex(r.viewer),
    seq: r.seq,
    cumulativeBytes: r.cumulative_bytes,
    deltaBytes: r.delta_bytes,
    timestamp: r.timestamp,
    verdict: r.verdict,
    reason: r.reason,
  }));
}
