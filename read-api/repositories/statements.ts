/**
 * The oracle's itemized statements (`epoch_statements`): takes payout accounts or an epoch (and a
 * keyset page) and hands on core's `Statement` of each, with its epoch's status and chain epoch.
 */
import type { Statement } from "../../core/earnings.ts";
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";
import { EPOCH_STATE_JOIN } from "./lifecycle.ts";

export type StatementRow = {
  epoch: bigint;
  chainEpoch: bigint | null;
  epochStatus: string;
  account: Hex;
  statement: Statement;
};

/**
 * The figures of a statement the read projection `statement_figures` holds as columns (migration
 * 0032: taken from the statement's jsonb as `parseStatement` does); the GraphQL fields they answer
 * are `STATEMENT_FIGURE_FIELDS` (with `withheldBytes` = claimed − counted, as for a full statement).
 */
export type StatementFigures = Pick<
  Statement,
  | "receipts"
  | "claimedBytes"
  | "countedBytes"
  | "earnedMicroUsd"
  | "payoutMicroUsd"
  | "previousCumulativeMicroUsd"
  | "cumulativeMicroUsd"
>;

/** A statement row read from the projection: its figures only. */
export type StatementFiguresRow = Omit<StatementRow, "statement"> & { statement: StatementFigures };

/** The `Statement` fields a `StatementFiguresRow` answers exactly as the full statement does. */
export const STATEMENT_FIGURE_FIELDS: ReadonlySet<string> = new Set([
  "epoch",
  "chainEpoch",
  "epochStatus",
  "account",
  "receipts",
  "claimedBytes",
  "countedBytes",
  "withheldBytes",
  "earnedMicroUsd",
  "payoutMicroUsd",
  "previousCumulativeMicroUsd",
  "cumulativeMicroUsd",
]);

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

type RawStatement = {
  epoch: bigint;
  chain_epoch: bigint | null;
  status: string;
  account: Uint8Array;
  statement: Record<string, unknown>;
};

const toStatementRow = (r: RawStatement): StatementRow => ({
  epoch: r.epoch,
  chainEpoch: r.chain_epoch,
  epochStatus: r.status,
  account: bytesToHex(r.account),
  statement: parseStatement(r.statement),
});

/** A position in statements' order (epoch desc, account asc), exclusive. */
export type StatementCursor = { epoch: bigint; account: Hex };

/** Statements of these payout accounts, newest epoch first, keyset-paged; optionally one epoch. */
export async function statementsOfAccounts(
  q: Queryable,
  accounts: readonly Hex[],
  page: { limit: number; epoch?: bigint | undefined; after?: StatementCursor | undefined },
): Promise<StatementRow[]> {
  if (accounts.length === 0) return [];
  const { rows } = await q.query<RawStatement>(
    `SELECT st.epoch, s.chain_epoch, e.status, st.account, st.statement
       FROM epoch_statements st JOIN epochs e ON e.number = st.epoch ${EPOCH_STATE_JOIN("st.epoch")}
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
  return rows.map(toStatementRow);
}

/** Statements of one epoch (every account), keyset by account. */
export async function statementsOfEpoch(
  q: Queryable,
  epoch: bigint,
  page: { limit: number; after?: Hex | undefined },
): Promise<StatementRow[]> {
  const { rows } = await q.query<RawStatement>(
    `SELECT st.epoch, s.chain_epoch, e.status, st.account, st.statement
       FROM epoch_statements st JOIN epochs e ON e.number = st.epoch ${EPOCH_STATE_JOIN("st.epoch")}
      WHERE st.epoch = $1 AND ($3::bytea IS NULL OR st.account > $3)
      ORDER BY st.account LIMIT $2`,
    [epoch.toString(), page.limit, page.after ? hexToBuffer(page.after) : null],
  );
  return rows.map(toStatementRow);
}
