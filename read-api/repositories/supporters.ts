/**
 * Supporters from the coordinator's tables (db/migrations/0002_coordinator.sql): takes an address
 * (or node addresses) and hands on its nodes, their payout address history, their newest heartbeat, and the one-round-trip
 * snapshot `supporterSnapshot` (below).
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";
import {
  EPOCH_STATE_JOIN,
  LIFECYCLE_AMOUNTS_AT,
  lifecycleParams,
  lifecycleRowAt,
  type LifecycleFacts,
  type LifecycleRow,
} from "./lifecycle.ts";
import { parseStatement, type StatementRow } from "./statements.ts";

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

export type NodeHeartbeatRow = { nodeAddress: Hex; lastHeartbeatAt: bigint; lastHeartbeatEpoch: bigint };

/** The newest stored heartbeat (signed timestamp, its epoch) of each of these nodes that has one, for a DataLoader. */
export async function lastHeartbeatsOfNodes(q: Queryable, nodes: readonly Hex[]): Promise<NodeHeartbeatRow[]> {
  const { rows } = await q.query<{ node_address: Uint8Array; timestamp: bigint; epoch: bigint }>(
    `SELECT DISTINCT ON (node_address) node_address, timestamp, epoch FROM heartbeats
      WHERE node_address = ANY($1::bytea[]) ORDER BY node_address, timestamp DESC`,
    [nodes.map(hexToBuffer)],
  );
  return rows.map((r) => ({
    nodeAddress: bytesToHex(r.node_address),
    lastHeartbeatAt: BigInt(r.timestamp),
    lastHeartbeatEpoch: BigInt(r.epoch),
  }));
}

// --- the supporter snapshot ------------------------------------------------------------------------

/**
 * The `supporter(address)` GraphQL query's first read, in one round trip: the supporter's nodes
 * (the address itself and nodes paying to it), the address's own payout address history, whether
 * it has claimed, and — at the cached lifecycle facts — the lifecycle amounts of every payout
 * account (the address and its payout addresses), with the snapshot's `lifecycle_version`; and,
 * when asked, the payout accounts' newest statements (as `statementsOfAccounts` without a cursor).
 */
export type SupporterSnapshot = {
  nodes: SupporterNodeRow[];
  /** The address's payout address history as a node, oldest first (empty unless it is a node). */
  payoutHistory: PayoutAddressRow[];
  /** Whether the address has at least one indexed claim (it has an on-chain `Account`). */
  hasClaims: boolean;
  /** The snapshot's `lifecycle_version`. */
  version: bigint;
  /** The payout accounts' lifecycle rows, when `facts` were given and are those of this snapshot. */
  lifecycle: LifecycleRow[] | null;
  /** The newest `statementsLimit` statements of the payout accounts (epoch desc, account), when asked. */
  statements: StatementRow[] | null;
};

type Raw = {
  kind: "v" | "n" | "p" | "l" | "s";
  address: Uint8Array | null;
  founder: boolean | null;
  registered_at: Date | null;
  version: bigint | null;
  effective_epoch: bigint | null;
  submitted_epoch: bigint | null;
  fin_amount: bigint | null;
  com_amount: bigint | null;
  cmp_amount: bigint | null;
  claimed: bigint | null;
  epoch: bigint | null;
  chain_epoch: bigint | null;
  status: string | null;
  statement: Record<string, unknown> | null;
};

const NONE = `NULL::bool, NULL::timestamptz, NULL::int8, NULL::int8, NULL::int8`;
const NO_AMOUNTS = `NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric`;
const NO_STATEMENT = `NULL::int8, NULL::int8, NULL::text, NULL::jsonb`;

/**
 * `facts`: the cached lifecycle facts (null: none cached; the lifecycle is then not read).
 * `statementsLimit`: how many statements to read (0: none).
 */
export async function supporterSnapshot(
  q: Queryable,
  address: Hex,
  facts: LifecycleFacts | null,
  statementsLimit: number,
): Promise<SupporterSnapshot> {
  const { rows } = await q.query<Raw>(
    // UNION, not OR, for the nodes: each branch is an index lookup (migration 0012).
    `SELECT 'v' AS kind, NULL::bytea AS address, NULL::bool AS founder, NULL::timestamptz AS registered_at,
            version, NULL::int8 AS effective_epoch, NULL::int8 AS submitted_epoch,
            NULL::numeric AS fin_amount, NULL::numeric AS com_amount, NULL::numeric AS cmp_amount, NULL::numeric AS claimed,
            NULL::int8 AS epoch, NULL::int8 AS chain_epoch, NULL::text AS status, NULL::jsonb AS statement
       FROM lifecycle_version
     UNION ALL
     SELECT 'n', address, founder, registered_at, NULL, NULL, NULL, ${NO_AMOUNTS}, ${NO_STATEMENT} FROM (
       SELECT address, founder, registered_at FROM nodes WHERE address = $1
       UNION
       SELECT n.address, n.founder, n.registered_at
         FROM payout_addresses p JOIN nodes n ON n.address = p.node_address WHERE p.payout_address = $1) n
     UNION ALL
     SELECT 'p', payout_address, NULL, NULL, NULL, effective_epoch, submitted_epoch, ${NO_AMOUNTS}, ${NO_STATEMENT}
       FROM payout_addresses WHERE node_address = $1
     UNION ALL
     SELECT 'l', acc.account, ${NONE}, ${LIFECYCLE_AMOUNTS_AT("acc.account")}, ${NO_STATEMENT}
       FROM (SELECT $1::bytea AS account UNION SELECT payout_address FROM payout_addresses WHERE node_address = $1) acc
      WHERE $5::bool OR acc.account = $1
     UNION ALL
     SELECT 's', * FROM (
       SELECT st.account, ${NONE}, ${NO_AMOUNTS}, st.epoch, s.chain_epoch, e.status, st.statement
         FROM epoch_statements st JOIN epochs e ON e.number = st.epoch ${EPOCH_STATE_JOIN("st.epoch")}
        WHERE st.account IN (SELECT $1::bytea UNION SELECT payout_address FROM payout_addresses WHERE node_address = $1)
        ORDER BY st.epoch DESC, st.account LIMIT $6) s
     ORDER BY kind, registered_at, effective_epoch, epoch DESC, address`,
    [hexToBuffer(address), ...lifecycleParams(facts), facts !== null, statementsLimit],
  );
  let version = 0n;
  let hasClaims = false;
  const nodes: SupporterNodeRow[] = [];
  const payoutHistory: PayoutAddressRow[] = [];
  const lifecycle: LifecycleRow[] = [];
  const statements: StatementRow[] = [];
  for (const r of rows) {
    if (r.kind === "v") version = r.version!;
    else if (r.kind === "n")
      nodes.push({ address: bytesToHex(r.address!), founder: r.founder!, registeredAt: r.registered_at! });
    else if (r.kind === "p")
      payoutHistory.push({
        nodeAddress: address,
        payoutAddress: bytesToHex(r.address!),
        effectiveEpoch: r.effective_epoch!,
        submittedEpoch: r.submitted_epoch!,
      });
    else if (r.kind === "s")
      statements.push({
        epoch: r.epoch!,
        chainEpoch: r.chain_epoch,
        epochStatus: r.status!,
        account: bytesToHex(r.address!),
        statement: parseStatement(r.statement!),
      });
    else {
      const account = bytesToHex(r.address!);
      if (account === address) hasClaims = r.claimed !== null;
      if (facts) lifecycle.push(lifecycleRowAt(account, facts, r));
    }
  }
  return {
    nodes,
    payoutHistory,
    hasClaims,
    version,
    lifecycle: facts && facts.version === version ? lifecycle : null,
    statements: statementsLimit > 0 ? statements : null,
  };
}
