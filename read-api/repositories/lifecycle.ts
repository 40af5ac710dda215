/**
 * The read side's one reader of the oracle's `epoch_state` (db/migrations/0010_oracle.sql): takes
 * payout accounts or chain epochs and hands on where the lifecycle stands (finalized, committed,
 * computed), the finalized root, a chain epoch's dataset hash, and the `epoch_state` join and
 * predicates the other read modules put in their SQL. The oracle is the only writer.
 *
 * Epoch numbers: `epoch` is the coordinator's (clock-based) epoch, `chainEpoch` the contract's
 * consecutive number the oracle assigned at the first computation.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

/** `LEFT JOIN` of the oracle's state of the epoch `epochColumn`, as `s` (absent before the oracle's first step). */
export const EPOCH_STATE_JOIN = (epochColumn: string) => `LEFT JOIN epoch_state s ON s.epoch = ${epochColumn}`;

/** Whether the oracle has computed the epoch `epochColumn` (its state has a computation time). */
export const EPOCH_COMPUTED = (epochColumn: string) =>
  `EXISTS (SELECT 1 FROM epoch_state st WHERE st.epoch = ${epochColumn} AND st.computed_at IS NOT NULL)`;

/**
 * The dataset hash to serve for a contract epoch: the oracle's current computation of it, or
 * (when this database's oracle did not compute it) the one in its latest on-chain proposal.
 */
export async function datasetHashOfChainEpoch(
  q: Queryable,
  chainEpoch: bigint,
): Promise<{ datasetHash: Hex; epoch: bigint | null } | undefined> {
  const { rows } = await q.query<{ dataset_hash: Uint8Array | null; epoch: bigint | null }>(
    `SELECT dataset_hash, epoch FROM (
       SELECT s.dataset_hash, s.epoch, 0 AS priority FROM epoch_state s
        WHERE s.chain_epoch = $1 AND s.dataset_hash IS NOT NULL
       UNION ALL
       SELECT * FROM (SELECT p.dataset_hash, NULL::int8, 1 FROM chain_root_proposals p WHERE p.epoch = $1
                       ORDER BY p.block_number DESC, p.log_index DESC LIMIT 1) c
     ) t ORDER BY priority LIMIT 1`,
    [chainEpoch.toString()],
  );
  const r = rows[0];
  return r?.dataset_hash ? { datasetHash: bytesToHex(r.dataset_hash), epoch: r.epoch } : undefined;
}

// --- lifecycle -----------------------------------------------------------------------------------

/** Per chain epoch its current proposal, and the finalized / committed / computed epochs (no account). */
const LIFECYCLE_FACTS_CTES = `latest AS (
       SELECT DISTINCT ON (epoch) * FROM chain_root_proposals ORDER BY epoch, block_number DESC, log_index DESC
     ), chain AS (
       SELECT p.epoch AS chain_epoch, p.root, p.valid_at,
              EXISTS (SELECT 1 FROM chain_root_finalizations f WHERE f.epoch = p.epoch) AS finalized,
              EXISTS (SELECT 1 FROM chain_root_vetoes v WHERE v.epoch = p.epoch
                        AND (v.block_number, v.log_index) > (p.block_number, p.log_index)) AS vetoed
         FROM latest p
     ), fin AS (
       SELECT c.chain_epoch, s.epoch FROM chain c JOIN epoch_state s ON s.chain_epoch = c.chain_epoch AND s.root = c.root
        WHERE c.finalized ORDER BY c.chain_epoch DESC LIMIT 1
     ), com AS (
       SELECT c.chain_epoch, c.valid_at, s.epoch FROM chain c
         JOIN epoch_state s ON s.chain_epoch = c.chain_epoch AND s.root = c.root
        WHERE NOT c.finalized AND NOT c.vetoed AND c.chain_epoch > COALESCE((SELECT chain_epoch FROM fin), 0)
        ORDER BY c.chain_epoch DESC LIMIT 1
     ), cmp AS (
       SELECT s.epoch FROM epoch_state s JOIN epochs e ON e.number = s.epoch
        WHERE s.computed_at IS NOT NULL AND e.status IN ('COMPUTED', 'SIGNED', 'POSTED', 'FINALIZED')
        ORDER BY s.epoch DESC LIMIT 1
     )`;

/**
 * Where the lifecycle stands, for payout accounts: each account's cumulative entitlement in
 * (a) the latest finalized on-chain root, (b) the latest proposed, not vetoed, on-chain root
 * newer than (a) — disputable until its `validAt`, (c) the oracle's newest computation, and
 * (d) what it has claimed (indexed `Claimed` events). Leaves of a chain epoch are the oracle's
 * rows of the computation whose root is the one on-chain (matched by root, so a vetoed and
 * recomputed attempt is never mistaken for the posted one).
 */
export type LifecycleRow = {
  account: Hex;
  finalizedEpoch: bigint | null;
  finalizedMicroUsd: bigint;
  committedEpoch: bigint | null;
  committedValidAt: bigint | null;
  committedMicroUsd: bigint;
  computedEpoch: bigint | null;
  computedMicroUsd: bigint;
  claimedMicroUsd: bigint;
};

export async function lifecycleOfAccounts(q: Queryable, accounts: readonly Hex[]): Promise<LifecycleRow[]> {
  if (accounts.length === 0) return [];
  const { rows } = await q.query<{
    account: Uint8Array;
    fin_epoch: bigint | null;
    fin_amount: bigint | null;
    com_epoch: bigint | null;
    com_valid_at: bigint | null;
    com_amount: bigint | null;
    cmp_epoch: bigint | null;
    cmp_amount: bigint | null;
    claimed: bigint | null;
  }>(
    `WITH ${LIFECYCLE_FACTS_CTES}, acc AS (SELECT unnest($1::bytea[]) AS account)
     SELECT acc.account,
            (SELECT chain_epoch FROM fin) AS fin_epoch,
            (SELECT l.cumulative_micro_usd FROM epoch_leaves l, fin WHERE l.epoch = fin.epoch AND l.account = acc.account) AS fin_amount,
            (SELECT chain_epoch FROM com) AS com_epoch,
            (SELECT valid_at FROM com) AS com_valid_at,
            (SELECT l.cumulative_micro_usd FROM epoch_leaves l, com WHERE l.epoch = com.epoch AND l.account = acc.account) AS com_amount,
            (SELECT epoch FROM cmp) AS cmp_epoch,
            (SELECT l.cumulative_micro_usd FROM epoch_leaves l, cmp WHERE l.epoch = cmp.epoch AND l.account = acc.account) AS cmp_amount,
            (SELECT max(cumulative_claimed) FROM chain_claims c WHERE c.account = acc.account) AS claimed
       FROM acc`,
    [accounts.map(hexToBuffer)],
  );
  return rows.map((r) => ({
    account: bytesToHex(r.account),
    finalizedEpoch: r.fin_epoch,
    finalizedMicroUsd: r.fin_amount ?? 0n,
    committedEpoch: r.com_epoch,
    committedValidAt: r.com_valid_at,
    committedMicroUsd: r.com_amount ?? r.fin_amount ?? 0n,
    computedEpoch: r.cmp_epoch,
    computedMicroUsd: r.cmp_amount ?? 0n,
    claimedMicroUsd: r.claimed ?? 0n,
  }));
}

/**
 * The account-independent half of `lifecycleOfAccounts`: which chain epoch is finalized,
 * committed (and until when disputable) and computed, and which oracle epoch holds each one's
 * leaves; with the `lifecycle_version` of the snapshot they were read from (migrations
 * 0021/0022: every transaction that writes a table they are read from increments it at commit).
 */
export type LifecycleFacts = {
  version: bigint;
  finalized: { chainEpoch: bigint; epoch: bigint } | null;
  committed: { chainEpoch: bigint; validAt: bigint; epoch: bigint } | null;
  computedEpoch: bigint | null;
  /**
   * The status and chain epoch of the newest `FACTS_EPOCHS` epochs (the columns a statement
   * joins from `epochs` and `epoch_state`, which bump `lifecycle_version` too), by epoch number.
   */
  epochs: ReadonlyMap<bigint, { status: string; chainEpoch: bigint | null }>;
};

/** How many of the newest epochs the lifecycle facts carry the status of. */
export const FACTS_EPOCHS = 1000;

export async function lifecycleFacts(q: Queryable): Promise<LifecycleFacts> {
  const { rows } = await q.query<{
    version: bigint;
    fin_chain: bigint | null;
    fin_epoch: bigint | null;
    com_chain: bigint | null;
    com_valid_at: bigint | null;
    com_epoch: bigint | null;
    cmp_epoch: bigint | null;
    epochs: string[];
    statuses: string[];
    chain_epochs: (string | null)[];
  }>(
    `WITH ${LIFECYCLE_FACTS_CTES}, recent AS (
       SELECT e.number, e.status, s.chain_epoch FROM epochs e ${EPOCH_STATE_JOIN("e.number")}
        ORDER BY e.number DESC LIMIT ${FACTS_EPOCHS}
     )
     SELECT (SELECT version FROM lifecycle_version) AS version,
            (SELECT chain_epoch FROM fin) AS fin_chain, (SELECT epoch FROM fin) AS fin_epoch,
            (SELECT chain_epoch FROM com) AS com_chain, (SELECT valid_at FROM com) AS com_valid_at,
            (SELECT epoch FROM com) AS com_epoch, (SELECT epoch FROM cmp) AS cmp_epoch,
            ARRAY(SELECT number::text FROM recent) AS epochs, ARRAY(SELECT status FROM recent) AS statuses,
            ARRAY(SELECT chain_epoch::text FROM recent) AS chain_epochs`,
  );
  const r = rows[0]!;
  const epochs = new Map<bigint, { status: string; chainEpoch: bigint | null }>();
  r.epochs.forEach((n, i) => {
    const chainEpoch = r.chain_epochs[i];
    epochs.set(BigInt(n), { status: r.statuses[i]!, chainEpoch: chainEpoch == null ? null : BigInt(chainEpoch) });
  });
  return {
    version: r.version,
    finalized: r.fin_chain !== null && r.fin_epoch !== null ? { chainEpoch: r.fin_chain, epoch: r.fin_epoch } : null,
    committed:
      r.com_chain !== null && r.com_valid_at !== null && r.com_epoch !== null
        ? { chainEpoch: r.com_chain, validAt: r.com_valid_at, epoch: r.com_epoch }
        : null,
    computedEpoch: r.cmp_epoch,
    epochs,
  };
}

/** The columns of one account's lifecycle amounts at given facts (`$2` finalized, `$3` committed, `$4` computed epoch). */
export const LIFECYCLE_AMOUNTS_AT = (account: string) => `
  (SELECT l.cumulative_micro_usd FROM epoch_leaves l WHERE l.epoch = $2::int8 AND l.account = ${account}) AS fin_amount,
  (SELECT l.cumulative_micro_usd FROM epoch_leaves l WHERE l.epoch = $3::int8 AND l.account = ${account}) AS com_amount,
  (SELECT l.cumulative_micro_usd FROM epoch_leaves l WHERE l.epoch = $4::int8 AND l.account = ${account}) AS cmp_amount,
  (SELECT max(c.cumulative_claimed) FROM chain_claims c WHERE c.account = ${account}) AS claimed`;

/** The parameters `$2`..`$4` of `LIFECYCLE_AMOUNTS_AT`. */
export const lifecycleParams = (f: LifecycleFacts | null): (string | null)[] => [
  f?.finalized?.epoch.toString() ?? null,
  f?.committed?.epoch.toString() ?? null,
  f?.computedEpoch?.toString() ?? null,
];

/** A lifecycle row from the amounts of `LIFECYCLE_AMOUNTS_AT` and the facts they were read at. */
export function lifecycleRowAt(
  account: Hex,
  f: LifecycleFacts,
  a: { fin_amount: bigint | null; com_amount: bigint | null; cmp_amount: bigint | null; claimed: bigint | null },
): LifecycleRow {
  return {
    account,
    finalizedEpoch: f.finalized?.chainEpoch ?? null,
    finalizedMicroUsd: a.fin_amount ?? 0n,
    committedEpoch: f.committed?.chainEpoch ?? null,
    committedValidAt: f.committed?.validAt ?? null,
    committedMicroUsd: a.com_amount ?? a.fin_amount ?? 0n,
    computedEpoch: f.computedEpoch,
    computedMicroUsd: a.cmp_amount ?? 0n,
    claimedMicroUsd: a.claimed ?? 0n,
  };
}

/**
 * `lifecycleOfAccounts` at known facts: leaf and claim lookups only. `version` is the
 * snapshot's `lifecycle_version`: the rows are right only if it equals `facts.version`.
 */
export async function lifecycleOfAccountsAt(
  q: Queryable,
  accounts: readonly Hex[],
  facts: LifecycleFacts,
): Promise<{ version: bigint; rows: LifecycleRow[] }> {
  const { rows } = await q.query<{
    version: bigint;
    account: Uint8Array | null;
    fin_amount: bigint | null;
    com_amount: bigint | null;
    cmp_amount: bigint | null;
    claimed: bigint | null;
  }>(
    `SELECT v.version, acc.account, ${LIFECYCLE_AMOUNTS_AT("acc.account")}
       FROM lifecycle_version v LEFT JOIN unnest($1::bytea[]) AS acc(account) ON true`,
    [accounts.map(hexToBuffer), ...lifecycleParams(facts)],
  );
  return {
    version: rows[0]!.version,
    rows: rows.filter((r) => r.account !== null).map((r) => lifecycleRowAt(bytesToHex(r.account!), facts, r)),
  };
}

/** The latest finalized on-chain root and the oracle epoch whose leaves it commits to. */
export async function latestFinalizedRoot(
  q: Queryable,
): Promise<{ chainEpoch: bigint; epoch: bigint | null; root: Hex } | undefined> {
  const { rows } = await q.query<{ chain_epoch: bigint; epoch: bigint | null; root: Uint8Array }>(
    `WITH latest AS (
       SELECT DISTINCT ON (epoch) * FROM chain_root_proposals ORDER BY epoch, block_number DESC, log_index DESC
     )
     SELECT p.epoch AS chain_epoch, s.epoch, p.root FROM latest p
       JOIN chain_root_finalizations f ON f.epoch = p.epoch
       LEFT JOIN epoch_state s ON s.chain_epoch = p.epoch AND s.root = p.root
      ORDER BY p.epoch DESC LIMIT 1`,
  );
  const r = rows[0];
  return r ? { chainEpoch: r.chain_epoch, epoch: r.epoch, root: bytesToHex(r.root) } : undefined;
}
