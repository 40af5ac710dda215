import type { Address } from "../../core/eip712.ts";
import type { Queryable } from "../../db/types.ts";
import { buf } from "./sql.ts";

/**
 * The double-entry ledger (µUSD). Accounts: `rewards_pool` (expense: what the platform
 * commits to supporters), `supporter_payable:<address>` (liability: what it owes one
 * supporter), `distributor_cash` (asset paid out by the contract, booked by the indexer).
 * A journal is unique per (epoch, attempt, kind, ref), so booking it again is a no-op.
 */

export const POOL_ACCOUNT = "rewards_pool";
export const payableAccount = (account: Address) => `supporter_payable:${account.toLowerCase()}`;

export type LedgerLine = { account: Address; amountMicroUsd: bigint };

/** Creates the journal, or returns null when it already exists (idempotent re-run). */
async function openJournal(
  q: Queryable,
  epoch: bigint,
  attempt: number,
  kind: "accrual" | "reversal",
  memo: string,
): Promise<bigint | null> {
  const { rows } = await q.query<{ id: bigint }>(
    `INSERT INTO ledger_journals (epoch, attempt, kind, memo) VALUES ($1, $2, $3, $4)
     ON CONFLICT (epoch, attempt, kind, ref) DO NOTHING RETURNING id`,
    [epoch.toString(), attempt, kind, memo],
  );
  return rows[0]?.id ?? null;
}

async function ensureAccounts(q: Queryable, lines: readonly LedgerLine[]): Promise<void> {
  await q.query(`INSERT INTO ledger_accounts (code, kind) VALUES ($1, 'expense') ON CONFLICT (code) DO NOTHING`, [
    POOL_ACCOUNT,
  ]);
  for (let i = 0; i < lines.length; i += 20_000) {
    const c = lines.slice(i, i + 20_000);
    await q.query(
      `INSERT INTO ledger_accounts (code, kind, holder)
       SELECT code, 'liability', holder FROM unnest($1::text[], $2::bytea[]) AS t(code, holder)
       ON CONFLICT (code) DO NOTHING`,
      [c.map((l) => payableAccount(l.account)), c.map((l) => buf(l.account))],
    );
  }
}

/**
 * Books an epoch's accrual (pool debit = Σ payables credit) or its reversal (the mirror
 * image, at a veto). `lines` with amount 0 are skipped.
 */
export async function bookEpoch(
  q: Queryable,
  p: { epoch: bigint; attempt: number; kind: "accrual" | "reversal"; lines: readonly LedgerLine[]; memo: string },
): Promise<boolean> {
  const lines = p.lines.filter((l) => l.amountMicroUsd > 0n);
  const id = await openJournal(q, p.epoch, p.attempt, p.kind, p.memo);
  if (id === null) return false;
  await ensureAccounts(q, lines);
  const total = lines.reduce((s, l) => s + l.amountMicroUsd, 0n);
  if (total === 0n) return true;
  const accrual = p.kind === "accrual";
  await q.query(
    `INSERT INTO ledger_entries (journal_id, account, debit_micro_usd, credit_micro_usd) VALUES ($1, $2, $3, $4)`,
    [id.toString(), POOL_ACCOUNT, accrual ? total.toString() : "0", accrual ? "0" : total.toString()],
  );
  for (let i = 0; i < lines.length; i += 20_000) {
    const c = lines.slice(i, i + 20_000);
    const amounts = c.map((l) => l.amountMicroUsd.toString());
    const zeros = c.map(() => "0");
    await q.query(
      `INSERT INTO ledger_entries (journal_id, account, debit_micro_usd, credit_micro_usd)
       SELECT $1, * FROM unnest($2::text[], $3::numeric[], $4::numeric[])`,
      [id.toString(), c.map((l) => payableAccount(l.account)), accrual ? zeros : amounts, accrual ? amounts : zeros],
    );
  }
  return true;
}

/** The accrual lines booked for an epoch attempt (what a reversal must undo). */
export async function accrualLines(q: Queryable, epoch: bigint, attempt: number): Promise<LedgerLine[]> {
  const { rows } = await q.query<{ holder: Uint8Array; credit_micro_usd: bigint }>(
    `SELECT a.holder, e.credit_micro_usd
       FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id JOIN ledger_accounts a ON a.code = e.account
      WHERE j.epoch = $1 AND j.attempt = $2 AND j.kind = 'accrual' AND a.kind = 'liability'
      ORDER BY a.code`,
    [epoch.toString(), attempt],
  );
  return rows.map((r) => ({
    account: `0x${Buffer.from(r.holder).toString("hex")}`,
    amountMicroUsd: r.credit_micro_usd,
  }));
}

export type EpochBalance = { epoch: bigint; debitMicroUsd: bigint; creditMicroUsd: bigint; balanced: boolean };

/** Σ debit and Σ credit per epoch (the `ledger_epoch_balances` view). */
export async function epochBalances(q: Queryable): Promise<EpochBalance[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    debit_micro_usd: bigint;
    credit_micro_usd: bigint;
    balanced: boolean;
  }>("SELECT epoch, debit_micro_usd, credit_micro_usd, balanced FROM ledger_epoch_balances ORDER BY epoch");
  return rows.map((r) => ({
    epoch: r.epoch,
    debitMicroUsd: r.debit_micro_usd,
    creditMicroUsd: r.credit_micro_usd,
    balanced: r.balanced,
  }));
}

/** Balance (credit − debit) of every supporter payable account, by account. */
export async function payableBalances(q: Queryable): Promise<Map<Address, bigint>> {
  const { rows } = await q.query<{ holder: Uint8Array; balance: bigint }>(
    `SELECT a.holder, sum(e.credit_micro_usd) - sum(e.debit_micro_usd) AS balance
       FROM ledger_entries e JOIN ledger_accounts a ON a.code = e.account
      WHERE a.kind = 'liability' GROUP BY a.holder`,
  );
  return new Map(rows.map((r) => [`0x${Buffer.from(r.holder).toString("hex")}`, r.balance]));
}
