/**
 * The oracle's double-entry ledger (`ledger_journals`, `ledger_entries`, `ledger_accounts`, the
 * `ledger_epoch_balances` view): takes a filter and a page (or epochs) and hands on entries,
 * per-account balances and per-epoch Σ debit / Σ credit.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

const orNull = (b: Uint8Array | null): Hex | null => (b ? bytesToHex(b) : null);

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

type RawEpochBalance = { epoch: bigint; debit_micro_usd: bigint; credit_micro_usd: bigint; balanced: boolean };

const toEpochBalance = (r: RawEpochBalance): LedgerEpochBalanceRow => ({
  epoch: r.epoch,
  debitMicroUsd: r.debit_micro_usd,
  creditMicroUsd: r.credit_micro_usd,
  balanced: r.balanced,
});

/** Σ debit and Σ credit of these epochs, for a DataLoader. */
export async function ledgerBalancesOfEpochs(
  q: Queryable,
  epochs: readonly bigint[],
): Promise<LedgerEpochBalanceRow[]> {
  const { rows } = await q.query<RawEpochBalance>(
    "SELECT epoch, debit_micro_usd, credit_micro_usd, balanced FROM ledger_epoch_balances WHERE epoch = ANY($1::int8[])",
    [epochs.map(String)],
  );
  return rows.map(toEpochBalance);
}

/** Σ debit and Σ credit per epoch (the `ledger_epoch_balances` view), newest first. */
export async function ledgerEpochBalances(
  q: Queryable,
  page: { limit: number; offset: number },
): Promise<LedgerEpochBalanceRow[]> {
  const { rows } = await q.query<RawEpochBalance>(
    `SELECT epoch, debit_micro_usd, credit_micro_usd, balanced FROM ledger_epoch_balances
      ORDER BY epoch DESC LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  );
  return rows.map(toEpochBalance);
}
