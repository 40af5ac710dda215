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
import { parseStatement, type StatementFiguresRow, type StatementRow } from "./statements.ts";

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
 * when asked, the payout accounts' newest statements (as `statementsOfAccounts` without a cursor):
 * full statements, or with `figuresOnly` (and facts) their figures from the read projection
 * `statement_figures` (migration 0032), with each epoch's status and chain epoch from the facts.
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
  /**
   * The newest `statementsLimit` statements of the payout accounts (epoch desc, account), when
   * asked; null too when figures were read but the facts are not this snapshot's (or lack an epoch).
   */
  statements: StatementRow[] | StatementFiguresRow[] | null;
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
  receipts: bigint | null;
  claimed_bytes: bigint | null;
  counted_bytes: bigint | null;
  earned_micro_usd: bigint | null;
  payout_micro_usd: bigint | null;
  previous_cumulative_micro_usd: bigint | null;
  cumulative_micro_usd: bigint | null;
};

const NONE = `NULL::bool, NULL::timestamptz, NULL::int8, NULL::int8, NULL::int8`;
const NO_AMOUNTS = `NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric`;
const NO_STATEMENT = `NULL::int8, NULL::int8, NULL::text, NULL::jsonb`;
const FIGURES = `receipts, claimed_bytes, counted_bytes, earned_micro_usd, payout_micro_usd,
  previous_cumulative_micro_usd, cumulative_micro_usd`;
const NO_FIGURES = `NULL::int8, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric`;
const PAYOUT_ACCOUNTS = `(SELECT $1::bytea UNION SELECT payout_address FROM payout_addresses WHERE node_address = $1)`;

/** The statements branch: full statements (with their epoch's status), or the projection's figures. */
const STATEMENTS_BRANCH = {
  full: `SELECT st.account, ${NONE}, ${NO_AMOUNTS}, st.epoch, s.chain_epoch, e.status, st.statement, ${NO_FIGURES}
           FROM epoch_statements st JOIN epochs e ON e.number = st.epoch ${EPOCH_STATE_JOIN("st.epoch")}
          WHERE st.account IN ${PAYOUT_ACCOUNTS}
          ORDER BY st.epoch DESC, st.account LIMIT $6`,
  figures: `SELECT f.account, ${NONE}, ${NO_AMOUNTS}, f.epoch, NULL::int8, NULL::text, NULL::jsonb, ${FIGURES}
              FROM statement_figures f WHERE f.account IN ${PAYOUT_ACCOUNTS}
             ORDER BY f.epoch DESC, f.account LIMIT $6`,
};

const snapshotSql = (statements: keyof typeof STATEMENTS_BRANCH) =>
  // UNION, not OR, for the nodes: each branch is an index lookup (migration 0012).
  `SELECT 'v' AS kind, NULL::bytea AS address, NULL::bool AS founder, NULL::timestamptz AS registered_at,
          version, NULL::int8 AS effective_epoch, NULL::int8 AS submitted_epoch,
          NULL::numeric AS fin_amount, NULL::numeric AS com_amount, NULL::numeric AS cmp_amount, NULL::numeric AS claimed,
          NULL::int8 AS epoch, NULL::int8 AS chain_epoch, NULL::text AS status, NULL::jsonb AS statement,
          NULL::int8 AS receipts, NULL::numeric AS claimed_bytes, NULL::numeric AS counted_bytes,
          NULL::numeric AS earned_micro_usd, NULL::numeric AS payout_micro_usd,
          NULL::numeric AS previous_cumulative_micro_usd, NULL::numeric AS cumulative_micro_usd
     FROM lifecycle_version
   UNION ALL
   SELECT 'n', address, founder, registered_at, NULL, NULL, NULL, ${NO_AMOUNTS}, ${NO_STATEMENT}, ${NO_FIGURES} FROM (
     SELECT address, founder, registered_at FROM nodes WHERE address = $1
     UNION
     SELECT n.address, n.founder, n.registered_at
       FROM payout_addresses p JOIN nodes n ON n.address = p.node_address WHERE p.payout_address = $1) n
   UNION ALL
   SELECT 'p', payout_address, NULL, NULL, NULL, effective_epoch, submitted_epoch, ${NO_AMOUNTS}, ${NO_STATEMENT}, ${NO_FIGURES}
     FROM payout_addresses WHERE node_address = $1
   UNION ALL
   SELECT 'l', acc.account, ${NONE}, ${LIFECYCLE_AMOUNTS_AT("acc.account")}, ${NO_STATEMENT}, ${NO_FIGURES}
     FROM ${PAYOUT_ACCOUNTS} acc(account)
    WHERE $5::bool OR acc.account = $1
   UNION ALL
   SELECT 's', * FROM (${STATEMENTS_BRANCH[statements]}) s
   ORDER BY kind, registered_at, effective_epoch, epoch DESC, address`;

const SNAPSHOT_SQL = { full: snapshotSql("full"), figures: snapshotSql("figures") };

/** A figures row's statement row, with its epoch's status and chain epoch from `facts` (undefined: not there). */
function figuresRow(r: Raw, facts: LifecycleFacts): StatementFiguresRow | undefined {
  const epoch = facts.epochs.get(r.epoch!);
  if (!epoch) return undefined;
  return {
    epoch: r.epoch!,
    chainEpoch: epoch.chainEpoch,
    epochStatus: epoch.status,
    account: bytesToHex(r.address!),
    statement: {
      receipts: Number(r.receipts!),
      claimedBytes: r.claimed_bytes!,
      countedBytes: r.counted_bytes!,
      earnedMicroUsd: r.earned_micro_usd!,
      payoutMicroUsd: r.payout_micro_usd!,
      previousCumulativeMicroUsd: r.previous_cumulative_micro_usd!,
      cumulativeMicroUsd: r.cumulative_micro_usd!,
    },
  };
}

/**
 * `facts`: the cached lifecycle facts (null: none cached; the lifecycle is then not read).
 * `statementsLimit`: how many statements to read (0: none). `figuresOnly`: the caller needs only
 * `STATEMENT_FIGURE_FIELDS` of them (read from the projection when `facts` are given).
 */
export async function supporterSnapshot(
  q: Queryable,
  address: Hex,
  facts: LifecycleFacts | null,
  statementsLimit: number,
  figuresOnly = false,
): Promise<SupporterSnapshot> {
  const figures = figuresOnly && facts !== null && statementsLimit > 0;
  const { rows } = await q.query<Raw>(figures ? SNAPSHOT_SQL.figures : SNAPSHOT_SQL.full, [
    hexToBuffer(address),
    ...lifecycleParams(facts),
    facts !== null,
    statementsLimit,
  ]);
  let version = 0n;
  let hasClaims = false;
  const nodes: SupporterNodeRow[] = [];
  const payoutHistory: PayoutAddressRow[] = [];
  const lifecycle: LifecycleRow[] = [];
  const statements: StatementRow[] = [];
  const figureRows: StatementFiguresRow[] = [];
  let figuresComplete = true;
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
    else if (r.kind === "s") {
      if (figures) {
        const row = figuresRow(r, facts);
        if (row) figureRows.push(row);
        else figuresComplete = false;
      } else
        statements.push({
          epoch: r.epoch!,
          chainEpoch: r.chain_epoch,
          epochStatus: r.status!,
          account: bytesToHex(r.address!),
          statement: parseStatement(r.statement!),
        });
    } else {
      const account = bytesToHex(r.address!);
      if (account === address) hasClaims = r.claimed !== null;
      if (facts) lifecycle.push(lifecycleRowAt(account, facts, r));
    }
  }
  const current = facts !== null && facts.version === version;
  return {
    nodes,
    payoutHistory,
    hasClaims,
    version,
    lifecycle: current ? lifecycle : null,
    statements: statementsLimit === 0 ? null : !figures ? statements : current && figuresComplete ? figureRows : null,
  };
}
