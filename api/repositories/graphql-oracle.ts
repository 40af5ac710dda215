/**
 * Read-only queries over the oracle's tables (db/migrations/0010_oracle.sql: epoch state,
 * statements, leaves, verdicts, signatures, the double-entry ledger) for the GraphQL API and
 * the dataset route. The oracle is their only writer; the API never imports oracle/ code
 * (STYLE), so the SQL that reads them lives here. Every function takes batches or pages.
 *
 * Epoch numbers: `epoch` is the coordinator's (clock-based) epoch, `chainEpoch` the contract's
 * consecutive number the oracle assigned at the first computation.
 */
import type { Statement } from "../../core/earnings.ts";
import type { Queryable } from "../../db/types.ts";
import { bytesToHex as bufferToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

const orNull = (b: Uint8Array | null): Hex | null => (b ? bufferToHex(b) : null);

// --- epoch state -----------------------------------------------------------------------------

export type OracleEpochRow = {
  epoch: bigint;
  status: string;
  startsAt: Date;
  endsAt: Date;
  chainEpoch: bigint | null;
  attempt: number;
  closedAt: Date | null;
  computedAt: Date | null;
  signedAt: Date | null;
  postedAt: Date | null;
  finalizedAt: Date | null;
  vetoedAt: Date | null;
  budgetMicroUsd: bigint | null;
  earnedMicroUsd: bigint | null;
  payoutMicroUsd: bigint | null;
  unallocatedMicroUsd: bigint | null;
  roundingDustMicroUsd: string | null;
  proRataNumerator: bigint | null;
  proRataDenominator: bigint | null;
  cumulativeTotalMicroUsd: bigint | null;
  supporters: number | null;
  receiptsTotal: bigint | null;
  receiptsCounted: bigint | null;
  countedBytes: bigint | null;
  root: Hex | null;
  receiptsRoot: Hex | null;
  datasetHash: Hex | null;
  rateCardHash: Hex | null;
  rateCardVersion: bigint | null;
  proposeTx: Hex | null;
  proposeBlock: bigint | null;
  validAt: bigint | null;
  finalizeTx: Hex | null;
  vetoedRoot: Hex | null;
  vetoReason: string | null;
  alert: string | null;
  alertAt: Date | null;
};

type RawOracleEpoch = {
  number: bigint;
  status: string;
  starts_at: Date;
  ends_at: Date;
  chain_epoch: bigint | null;
  attempt: number | null;
  closed_at: Date | null;
  computed_at: Date | null;
  signed_at: Date | null;
  posted_at: Date | null;
  finalized_at: Date | null;
  vetoed_at: Date | null;
  budget_micro_usd: bigint | null;
  earned_micro_usd: bigint | null;
  payout_micro_usd: bigint | null;
  unallocated_micro_usd: bigint | null;
  rounding_dust_micro_usd: string | null;
  pro_rata_numerator: bigint | null;
  pro_rata_denominator: bigint | null;
  cumulative_total: bigint | null;
  supporters: number | null;
  receipts_total: bigint | null;
  receipts_counted: bigint | null;
  counted_bytes: bigint | null;
  root: Uint8Array | null;
  receipts_root: Uint8Array | null;
  dataset_hash: Uint8Array | null;
  rate_card_hash: Uint8Array | null;
  rate_card_version: bigint | null;
  propose_tx: Uint8Array | null;
  propose_block: bigint | null;
  valid_at: bigint | null;
  finalize_tx: Uint8Array | null;
  vetoed_root: Uint8Array | null;
  veto_reason: string | null;
  alert: string | null;
  alert_at: Date | null;
};

const ORACLE_EPOCH_SELECT = `SELECT e.number, e.status, e.starts_at, e.ends_at, s.chain_epoch, s.attempt, s.closed_at,
       s.computed_at, s.signed_at, s.posted_at, s.finalized_at, s.vetoed_at, s.budget_micro_usd, s.earned_micro_usd,
       s.payout_micro_usd, s.unallocated_micro_usd, s.rounding_dust_micro_usd, s.pro_rata_numerator,
       s.pro_rata_denominator, s.cumulative_total, s.supporters, s.receipts_total, s.receipts_counted, s.counted_bytes,
       s.root, s.receipts_root, s.dataset_hash, s.rate_card_hash, s.rate_card_version, s.propose_tx, s.propose_block,
       s.valid_at, s.finalize_tx, s.vetoed_root, s.veto_reason, s.alert, s.alert_at
  FROM epochs e LEFT JOIN epoch_state s ON s.epoch = e.number`;

const toOracleEpoch = (r: RawOracleEpoch): OracleEpochRow => ({
  epoch: r.number,
  status: r.status,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  chainEpoch: r.chain_epoch,
  attempt: r.attempt ?? 0,
  closedAt: r.closed_at,
  computedAt: r.computed_at,
  signedAt: r.signed_at,
  postedAt: r.posted_at,
  finalizedAt: r.finalized_at,
  vetoedAt: r.vetoed_at,
  budgetMicroUsd: r.budget_micro_usd,
  earnedMicroUsd: r.earned_micro_usd,
  payoutMicroUsd: r.payout_micro_usd,
  unallocatedMicroUsd: r.unallocated_micro_usd,
  roundingDustMicroUsd: r.rounding_dust_micro_usd,
  proRataNumerator: r.pro_rata_numerator,
  proRataDenominator: r.pro_rata_denominator,
  cumulativeTotalMicroUsd: r.cumulative_total,
  supporters: r.supporters,
  receiptsTotal: r.receipts_total,
  receiptsCounted: r.receipts_counted,
  countedBytes: r.counted_bytes,
  root: orNull(r.root),
  receiptsRoot: orNull(r.receipts_root),
  datasetHash: orNull(r.dataset_hash),
  rateCardHash: orNull(r.rate_card_hash),
  rateCardVersion: r.rate_card_version,
  proposeTx: orNull(r.propose_tx),
  proposeBlock: r.propose_block,
  validAt: r.valid_at,
  finalizeTx: orNull(r.finalize_tx),
  vetoedRoot: orNull(r.vetoed_root),
  vetoReason: r.veto_reason,
  alert: r.alert,
  alertAt: r.alert_at,
});

/** Oracle epochs by coordinator epoch number, for a DataLoader. */
export async function oracleEpochsByNumber(q: Queryable, epochs: readonly bigint[]): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(`${ORACLE_EPOCH_SELECT} WHERE e.number = ANY($1::int8[])`, [
    epochs.map(String),
  ]);
  return rows.map(toOracleEpoch);
}

/** Oracle epochs by the contract's epoch number, for a DataLoader. */
export async function oracleEpochsByChainEpoch(
  q: Queryable,
  chainEpochs: readonly bigint[],
): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(`${ORACLE_EPOCH_SELECT} WHERE s.chain_epoch = ANY($1::int8[])`, [
    chainEpochs.map(String),
  ]);
  return rows.map(toOracleEpoch);
}

/** A page of the oracle's epochs (every coordinator epoch), newest first; `before`: keyset. */
export async function listOracleEpochs(
  q: Queryable,
  page: { limit: number; before?: bigint | undefined; status?: string | undefined },
): Promise<OracleEpochRow[]> {
  const { rows } = await q.query<RawOracleEpoch>(
    `${ORACLE_EPOCH_SELECT}
      WHERE ($2::int8 IS NULL OR e.number < $2) AND ($3::text IS NULL OR e.status = $3)
      ORDER BY e.number DESC LIMIT $1`,
    [page.limit, page.before?.toString() ?? null, page.status ?? null],
  );
  return rows.map(toOracleEpoch);
}

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
  return r?.dataset_hash ? { datasetHash: bufferToHex(r.dataset_hash), epoch: r.epoch } : undefined;
}

// --- statements, leaves, verdicts -------------------------------------------------------------------

export type StatementRow = {
  epoch: bigint;
  chainEpoch: bigint | null;
  epochStatus: string;
  account: Hex;
  statement: Statement;
};

/** core's Statement from its stored canonical JSON (integers as decimal strings). */
export function parseStatement(json: Record<string, unknown>): Statement {
  const big = (k: string) => BigInt((json[k] as string | number | undefined) ?? 0);
  const pr = json.proRata as { numerator: string; denominator: string } | null | undefined;
  return {
    epoch: big("epoch"),
    account: String(json.account).toLowerCase() as Hex,
    rateCardVersion: big("rateCardVersion"),
    receipts: Number(json.receipts ?? 0),
    claimedBytes: big("claimedBytes"),
    countedBytes: big("countedBytes"),
    ratePerGbMicroUsd: big("ratePerGbMicroUsd"),
    baseMicroUsd: String(json.baseMicroUsd),
    founder: json.founder === true,
    // statements of dataset format 1 (before founder status followed the node) have none: all or nothing
    founderCountedBytes:
      json.founderCountedBytes === undefined
        ? json.founder === true
          ? big("countedBytes")
          : 0n
        : big("founderCountedBytes"),
    multiplierBps: big("multiplierBps"),
    uptimeBps: big("uptimeBps"),
    uptimeTier: json.uptimeTier === null || json.uptimeTier === undefined ? null : Number(json.uptimeTier),
    uptimeBonusBps: big("uptimeBonusBps"),
    exactMicroUsd: String(json.exactMicroUsd),
    earnedMicroUsd: big("earnedMicroUsd"),
    proRata: pr ? { numerator: BigInt(pr.numerator), denominator: BigInt(pr.denominator) } : null,
    scaledFloorMicroUsd: big("scaledFloorMicroUsd"),
    remainderMicroUsd: big("remainderMicroUsd"),
    payoutMicroUsd: big("payoutMicroUsd"),
    previousCumulativeMicroUsd: big("previousCumulativeMicroUsd"),
    cumulativeMicroUsd: big("cumulativeMicroUsd"),
    withheld: (Array.isArray(json.withheld) ? (json.withheld as Record<string, unknown>[]) : []).map((w) => ({
      status: w.status as Statement["withheld"][number]["status"],
      reason: w.reason as Statement["withheld"][number]["reason"],
      receipts: Number(w.receipts ?? 0),
      bytes: BigInt((w.bytes as string | number | undefined) ?? 0),
    })),
  };
}

/** A position in statements' order (epoch desc, account asc), exclusive. */
export type StatementCursor = { epoch: bigint; account: Hex };

/** Statements of these payout accounts, newest epoch first, keyset-paged; optionally one epoch. */
export async function statementsOfAccounts(
  q: Queryable,
  accounts: readonly Hex[],
  page: { limit: number; epoch?: bigint | undefined; after?: StatementCursor | undefined },
): Promise<StatementRow[]> {
  if (accounts.length === 0) return [];
  const { rows } = await q.query<{
    epoch: bigint;
    chain_epoch: bigint | null;
    status: string;
    account: Uint8Array;
    statement: Record<string, unknown>;
  }>(
    `SELECT st.epoch, s.chain_epoch, e.status, st.account, st.statement
       FROM epoch_statements st JOIN epochs e ON e.number = st.epoch LEFT JOIN epoch_state s ON s.epoch = st.epoch
      WHERE st.account = ANY($1::bytea[]) AND ($3::int8 IS NULL OR st.epoch = $3)
        AND ($4::int8 IS NULL OR st.epoch < $4 OR (st.epoch = $4 AND st.account > $5::bytea))
      ORDER BY st.epoch DESC, st.account LIMIT $2`,
    [
      accounts.map(hexToBuffer),
      page.limit,
      page.epoch?.toString() ?? null,
      page.after?.epoch.toString() ?? null,
      page.after ? hexToBuffer(page.after.account) : null,
    ],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    chainEpoch: r.chain_epoch,
    epochStatus: r.status,
    account: bufferToHex(r.account),
    statement: parseStatement(r.statement),
  }));
}

/** Statements of one epoch (every account), keyset by account. */
export async function statementsOfEpoch(
  q: Queryable,
  epoch: bigint,
  page: { limit: number; after?: Hex | undefined },
): Promise<StatementRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    chain_epoch: bigint | null;
    status: string;
    account: Uint8Array;
    statement: Record<string, unknown>;
  }>(
    `SELECT st.epoch, s.chain_epoch, e.status, st.account, st.statement
       FROM epoch_statements st JOIN epochs e ON e.number = st.epoch LEFT JOIN epoch_state s ON s.epoch = st.epoch
      WHERE st.epoch = $1 AND ($3::bytea IS NULL OR st.account > $3)
      ORDER BY st.account LIMIT $2`,
    [epoch.toString(), page.limit, page.after ? hexToBuffer(page.after) : null],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    chainEpoch: r.chain_epoch,
    epochStatus: r.status,
    account: bufferToHex(r.account),
    statement: parseStatement(r.statement),
  }));
}

export type LeafRow = { account: Hex; cumulativeMicroUsd: bigint };

/** Every leaf of an epoch, by account (to rebuild its tree). */
export async function leavesOfEpoch(q: Queryable, epoch: bigint): Promise<LeafRow[]> {
  const { rows } = await q.query<{ account: Uint8Array; cumulative_micro_usd: bigint }>(
    "SELECT account, cumulative_micro_usd FROM epoch_leaves WHERE epoch = $1 ORDER BY account",
    [epoch.toString()],
  );
  return rows.map((r) => ({ account: bufferToHex(r.account), cumulativeMicroUsd: r.cumulative_micro_usd }));
}

/** A page of an epoch's leaves, by account, keyset. */
export async function leavesPage(
  q: Queryable,
  epoch: bigint,
  page: { limit: number; after?: Hex | undefined },
): Promise<LeafRow[]> {
  const { rows } = await q.query<{ account: Uint8Array; cumulative_micro_usd: bigint }>(
    `SELECT account, cumulative_micro_usd FROM epoch_leaves WHERE epoch = $1 AND ($3::bytea IS NULL OR account > $3)
      ORDER BY account LIMIT $2`,
    [epoch.toString(), page.limit, page.after ? hexToBuffer(page.after) : null],
  );
  return rows.map((r) => ({ account: bufferToHex(r.account), cumulativeMicroUsd: r.cumulative_micro_usd }));
}

export type VerdictRow = {
  epoch: bigint;
  sessionId: Hex;
  supporter: Hex;
  seq: bigint;
  receiptId: Hex | null;
  status: string;
  reasons: string[];
  claimedBytes: bigint;
  countedBytes: bigint;
};

/** Non-accepted verdicts of these nodes' receipts at epoch close, newest epoch first (keyset). */
export async function verdictsOfNodes(
  q: Queryable,
  nodes: readonly Hex[],
  page: {
    limit: number;
    epoch?: bigint | undefined;
    after?: { epoch: bigint; sessionId: Hex; supporter: Hex; seq: bigint } | undefined;
  },
): Promise<VerdictRow[]> {
  if (nodes.length === 0) return [];
  const a = page.after;
  const { rows } = await q.query<{
    epoch: bigint;
    session_id: Uint8Array;
    supporter: Uint8Array;
    seq: bigint;
    receipt_id: Uint8Array | null;
    status: string;
    reasons: string[];
    claimed_bytes: bigint;
    counted_bytes: bigint;
  }>(
    `SELECT epoch, session_id, supporter, seq, receipt_id, status, reasons, claimed_bytes, counted_bytes
       FROM epoch_verdicts
      WHERE supporter = ANY($1::bytea[]) AND ($3::int8 IS NULL OR epoch = $3)
        AND ($4::int8 IS NULL OR (epoch, session_id, supporter, seq) < ($4::int8, $5::bytea, $6::bytea, $7::int8))
      ORDER BY epoch DESC, session_id DESC, supporter DESC, seq DESC LIMIT $2`,
    [
      nodes.map(hexToBuffer),
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
    sessionId: bufferToHex(r.session_id),
    supporter: bufferToHex(r.supporter),
    seq: r.seq,
    receiptId: orNull(r.receipt_id),
    status: r.status,
    reasons: r.reasons,
    claimedBytes: r.claimed_bytes,
    countedBytes: r.counted_bytes,
  }));
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
    account: bufferToHex(r.account),
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
};

export async function lifecycleFacts(q: Queryable): Promise<LifecycleFacts> {
  const { rows } = await q.query<{
    version: bigint;
    fin_chain: bigint | null;
    fin_epoch: bigint | null;
    com_chain: bigint | null;
    com_valid_at: bigint | null;
    com_epoch: bigint | null;
    cmp_epoch: bigint | null;
  }>(
    `WITH ${LIFECYCLE_FACTS_CTES}
     SELECT (SELECT version FROM lifecycle_version) AS version,
            (SELECT chain_epoch FROM fin) AS fin_chain, (SELECT epoch FROM fin) AS fin_epoch,
            (SELECT chain_epoch FROM com) AS com_chain, (SELECT valid_at FROM com) AS com_valid_at,
            (SELECT epoch FROM com) AS com_epoch, (SELECT epoch FROM cmp) AS cmp_epoch`,
  );
  const r = rows[0]!;
  return {
    version: r.version,
    finalized: r.fin_chain !== null && r.fin_epoch !== null ? { chainEpoch: r.fin_chain, epoch: r.fin_epoch } : null,
    committed:
      r.com_chain !== null && r.com_valid_at !== null && r.com_epoch !== null
        ? { chainEpoch: r.com_chain, validAt: r.com_valid_at, epoch: r.com_epoch }
        : null,
    computedEpoch: r.cmp_epoch,
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
    rows: rows.filter((r) => r.account !== null).map((r) => lifecycleRowAt(bufferToHex(r.account!), facts, r)),
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
  return r ? { chainEpoch: r.chain_epoch, epoch: r.epoch, root: bufferToHex(r.root) } : undefined;
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

// --- signatures ------------------------------------------------------------------------------------

export type SignatureRow = { epoch: bigint; attempt: number; signer: Hex; root: Hex; signedAt: Date };

/** Every stored EpochRoot signature of these epochs (all attempts), for a DataLoader. */
export async function signaturesOfEpochs(q: Queryable, epochs: readonly bigint[]): Promise<SignatureRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    attempt: number;
    signer: Uint8Array;
    root: Uint8Array;
    signed_at: Date;
  }>(
    `SELECT epoch, attempt, signer, root, signed_at FROM epoch_signatures WHERE epoch = ANY($1::int8[])
      ORDER BY epoch, attempt, signed_at, signer`,
    [epochs.map(String)],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    attempt: r.attempt,
    signer: bufferToHex(r.signer),
    root: bufferToHex(r.root),
    signedAt: r.signed_at,
  }));
}

// --- ledger ------------------------------------------------------------------------------------------

export type LedgerEntryRow = {
  journalId: bigint;
  epoch: bigint;
  attempt: number;
  kind: string;
  ref: string;
  memo: string;
  createdAt: Date;
  account: string;
  accountKind: string;
  holder: Hex | null;
  debitMicroUsd: bigint;
  creditMicroUsd: bigint;
};

export type LedgerFilter = {
  epoch?: bigint | undefined;
  /** A ledger account code (`rewards_pool`, `supporter_payable:0x…`). */
  account?: string | undefined;
  /** Entries of this holder's accounts. */
  holder?: Hex | undefined;
  kind?: string | undefined;
};

/** Ledger entries, oldest first, keyset by (journal, account). */
export async function ledgerEntries(
  q: Queryable,
  filter: LedgerFilter,
  page: { limit: number; after?: { journalId: bigint; account: string } | undefined },
): Promise<LedgerEntryRow[]> {
  const { rows } = await q.query<{
    journal_id: bigint;
    epoch: bigint;
    attempt: number;
    kind: string;
    ref: string;
    memo: string;
    created_at: Date;
    account: string;
    account_kind: string;
    holder: Uint8Array | null;
    debit_micro_usd: bigint;
    credit_micro_usd: bigint;
  }>(
    `SELECT j.id AS journal_id, j.epoch, j.attempt, j.kind, j.ref, j.memo, j.created_at, e.account,
            a.kind AS account_kind, a.holder, e.debit_micro_usd, e.credit_micro_usd
       FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id JOIN ledger_accounts a ON a.code = e.account
      WHERE ($2::int8 IS NULL OR j.epoch = $2) AND ($3::text IS NULL OR e.account = $3)
        AND ($4::bytea IS NULL OR a.holder = $4) AND ($5::text IS NULL OR j.kind = $5)
        AND ($6::int8 IS NULL OR (j.id, e.account) > ($6::int8, $7::text))
      ORDER BY j.id, e.account LIMIT $1`,
    [
      page.limit,
      filter.epoch?.toString() ?? null,
      filter.account ?? null,
      filter.holder ? hexToBuffer(filter.holder) : null,
      filter.kind ?? null,
      page.after?.journalId.toString() ?? null,
      page.after?.account ?? "",
    ],
  );
  return rows.map((r) => ({
    journalId: r.journal_id,
    epoch: r.epoch,
    attempt: r.attempt,
    kind: r.kind,
    ref: r.ref,
    memo: r.memo,
    createdAt: r.created_at,
    account: r.account,
    accountKind: r.account_kind,
    holder: orNull(r.holder),
    debitMicroUsd: r.debit_micro_usd,
    creditMicroUsd: r.credit_micro_usd,
  }));
}

export type LedgerBalanceRow = {
  account: string;
  kind: string;
  holder: Hex | null;
  debitMicroUsd: bigint;
  creditMicroUsd: bigint;
};

/** Σ debit and Σ credit per ledger account (optionally of one kind or holder), by code; keyset. */
export async function ledgerBalances(
  q: Queryable,
  filter: { kind?: string | undefined; holder?: Hex | undefined; epoch?: bigint | undefined },
  page: { limit: number; after?: string | undefined },
): Promise<LedgerBalanceRow[]> {
  const { rows } = await q.query<{
    code: string;
    kind: string;
    holder: Uint8Array | null;
    debit: bigint;
    credit: bigint;
  }>(
    `SELECT a.code, a.kind, a.holder, COALESCE(sum(e.debit_micro_usd), 0) AS debit,
            COALESCE(sum(e.credit_micro_usd), 0) AS credit
       FROM ledger_accounts a
       JOIN ledger_entries e ON e.account = a.code
       JOIN ledger_journals j ON j.id = e.journal_id
      WHERE ($2::text IS NULL OR a.kind = $2) AND ($3::bytea IS NULL OR a.holder = $3)
        AND ($4::int8 IS NULL OR j.epoch = $4) AND ($5::text IS NULL OR a.code > $5)
      GROUP BY a.code, a.kind, a.holder ORDER BY a.code LIMIT $1`,
    [
      page.limit,
      filter.kind ?? null,
      filter.holder ? hexToBuffer(filter.holder) : null,
      filter.epoch?.toString() ?? null,
      page.after ?? null,
    ],
  );
  return rows.map((r) => ({
    account: r.code,
    kind: r.kind,
    holder: orNull(r.holder),
    debitMicroUsd: r.debit,
    creditMicroUsd: r.credit,
  }));
}

export type LedgerEpochBalanceRow = { epoch: bigint; debitMicroUsd: bigint; creditMicroUsd: bigint; balanced: boolean };

/** Σ debit and Σ credit of these epochs, for a DataLoader. */
export async function ledgerBalancesOfEpochs(
  q: Queryable,
  epochs: readonly bigint[],
): Promise<LedgerEpochBalanceRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    debit_micro_usd: bigint;
    credit_micro_usd: bigint;
    balanced: boolean;
  }>(
    "SELECT epoch, debit_micro_usd, credit_micro_usd, balanced FROM ledger_epoch_balances WHERE epoch = ANY($1::int8[])",
    [epochs.map(String)],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    debitMicroUsd: r.debit_micro_usd,
    creditMicroUsd: r.credit_micro_usd,
    balanced: r.balanced,
  }));
}

/** Σ debit and Σ credit per epoch (the `ledger_epoch_balances` view), newest first. */
export async function ledgerEpochBalances(
  q: Queryable,
  page: { limit: number; offset: number },
): Promise<LedgerEpochBalanceRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    debit_micro_usd: bigint;
    credit_micro_usd: bigint;
    balanced: boolean;
  }>(
    `SELECT epoch, debit_micro_usd, credit_micro_usd, balanced FROM ledger_epoch_balances
      ORDER BY epoch DESC LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    debitMicroUsd: r.debit_micro_usd,
    creditMicroUsd: r.credit_micro_usd,
    balanced: r.balanced,
  }));
}

// --- network metrics ---------------------------------------------------------------------------------

export type NetworkMetricsRow = {
  epoch: bigint;
  /** Accounts with a statement that counted bytes. */
  activeSupporters: number;
  /** Nodes with at least one stored receipt. */
  activeNodes: number;
  /** Σ counted bytes of the statements (null until computed). */
  countedBytes: bigint | null;
  /** Σ receipt deltas stored at ingest (before the epoch-close fraud rules). */
  submittedBytes: bigint;
  cdnBytes: bigint;
  /** Counted-bytes-weighted mean of the statements' uptime, in bps (null without counted bytes). */
  meanUptimeBps: bigint | null;
};

/** Per coordinator epoch: supporters, their uptime, bytes by supporters vs the CDN; for a DataLoader. */
export async function networkMetrics(q: Queryable, epochs: readonly bigint[]): Promise<NetworkMetricsRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    active: bigint;
    nodes: bigint;
    counted: bigint | null;
    submitted: bigint;
    cdn: bigint;
    weighted: bigint | null;
    computed: boolean;
  }>(
    `SELECT k.epoch,
            (SELECT count(*) FROM epoch_statements s WHERE s.epoch = k.epoch AND s.counted_bytes > 0) AS active,
            (SELECT count(DISTINCT supporter) FROM receipts r WHERE r.epoch = k.epoch) AS nodes,
            (SELECT sum(s.counted_bytes) FROM epoch_statements s WHERE s.epoch = k.epoch) AS counted,
            (SELECT COALESCE(sum(delta_bytes), 0) FROM receipts r WHERE r.epoch = k.epoch)::numeric(78,0) AS submitted,
            (SELECT COALESCE(sum(served_bytes), 0) FROM cdn_usage c WHERE c.epoch = k.epoch)::numeric(78,0) AS cdn,
            (SELECT sum(s.counted_bytes * (s.statement->>'uptimeBps')::numeric)
               FROM epoch_statements s WHERE s.epoch = k.epoch)::numeric(78,0) AS weighted,
            EXISTS (SELECT 1 FROM epoch_state st WHERE st.epoch = k.epoch AND st.computed_at IS NOT NULL) AS computed
       FROM unnest($1::int8[]) AS k(epoch)`,
    [epochs.map(String)],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    activeSupporters: Number(r.active),
    activeNodes: Number(r.nodes),
    countedBytes: r.computed ? (r.counted ?? 0n) : null,
    submittedBytes: r.submitted,
    cdnBytes: r.cdn,
    meanUptimeBps: r.counted && r.counted > 0n && r.weighted !== null ? r.weighted / r.counted : null,
  }));
}
