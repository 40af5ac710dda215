import type { Address } from "../../core/eip712/domain.ts";
import { type Hex, bytesToHex as hex, hexToBuffer as buf } from "../../core/hex.ts";
import type { Queryable } from "../../db/types.ts";

/**
 * The double-entry ledger (µUSD). Accounts: `rewards_pool` (expense: what the platform
 * commits to supporters), `supporter_payable:<address>` (liability: what it owes one
 * supporter), `distributor_cash` (asset paid out by the contract: payouts for the claims the
 * indexer stored, booked by the oracle).
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
    account: hex(r.holder),
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
  return new Map(rows.map((r) => [hex(r.holder), r.balance]));
}

// --- payouts: claims the indexer stored in `chain_claims` (read-only here) -------------------------

export const CASH_ACCOUNT = "distributor_cash";

/** A claim row without a live payout journal (or whose payout no longer matches it). */
export type UnbookedClaim = {
  /** The claim's event id (transaction hash ‖ int32 LE log index), the journal's `ref`. */
  claimId: Hex;
  account: Address;
  recipient: Address;
  amountMicroUsd: bigint;
  relayerFeeMicroUsd: bigint | null;
  /** The contract's epoch of the root claimed against, and the coordinator epoch it maps to. */
  chainEpoch: bigint;
  epoch: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
  /** The booking generation this payout gets (1 + the highest payout attempt of this claim). */
  attempt: number;
};

/** A payout journal not reversed whose claim row a reorg deleted (or changed). */
export type OrphanedPayout = {
  journalId: bigint;
  claimId: Hex;
  attempt: number;
  epoch: bigint;
  account: Address;
  amountMicroUsd: bigint;
};

/** Payout journals that have no reversal, with their payable debit (one per journal). */
const LIVE_PAYOUTS = `
  SELECT j.id, j.epoch, j.ref, j.attempt, a.holder, e.debit_micro_usd AS amount
    FROM ledger_journals j
    JOIN ledger_entries e ON e.journal_id = j.id AND e.debit_micro_usd > 0
    JOIN ledger_accounts a ON a.code = e.account AND a.kind = 'liability'
   WHERE j.kind = 'payout'
     AND NOT EXISTS (SELECT 1 FROM ledger_journals r
                      WHERE r.kind = 'payout_reversal' AND r.ref = j.ref AND r.attempt = j.attempt)`;

/**
 * What the payout step must book: claims (amount > 0, against a root this oracle computed)
 * without a matching live payout journal, and live payout journals without their claim row.
 * `unmapped` counts claims whose chain epoch no `epoch_state` row has (not booked).
 */
export async function payoutDiff(
  q: Queryable,
): Promise<{ unbooked: UnbookedClaim[]; orphaned: OrphanedPayout[]; unmapped: number }> {
  const { rows: unbooked } = await q.query<{
    id: Uint8Array;
    account: Uint8Array;
    recipient: Uint8Array;
    amount: bigint;
    relayer_fee: bigint | null;
    chain_epoch: bigint;
    epoch: bigint;
    block_number: bigint;
    transaction_hash: Uint8Array;
    attempt: number;
  }>(
    `WITH live AS (${LIVE_PAYOUTS})
     SELECT c.id, c.account, c.recipient, c.amount, c.relayer_fee, c.epoch AS chain_epoch, s.epoch,
            c.block_number, c.transaction_hash,
            (COALESCE((SELECT max(p.attempt) FROM ledger_journals p
                        WHERE p.kind = 'payout' AND p.ref = '0x' || encode(c.id, 'hex')), 0) + 1)::int4 AS attempt
       FROM chain_claims c
       JOIN epoch_state s ON s.chain_epoch = c.epoch
      WHERE c.amount > 0
        AND NOT EXISTS (SELECT 1 FROM live l
                         WHERE l.ref = '0x' || encode(c.id, 'hex') AND l.holder = c.account AND l.amount = c.amount)
      ORDER BY c.block_number, c.log_index`,
  );
  const { rows: orphaned } = await q.query<{
    id: bigint;
    epoch: bigint;
    ref: string;
    attempt: number;
    holder: Uint8Array;
    amount: bigint;
  }>(
    `WITH live AS (${LIVE_PAYOUTS})
     SELECT l.id, l.epoch, l.ref, l.attempt, l.holder, l.amount FROM live l
      WHERE NOT EXISTS (SELECT 1 FROM chain_claims c
                         WHERE c.id = decode(substr(l.ref, 3), 'hex') AND c.account = l.holder AND c.amount = l.amount)
      ORDER BY l.id`,
  );
  const { rows: unmapped } = await q.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM chain_claims c
      WHERE c.amount > 0 AND NOT EXISTS (SELECT 1 FROM epoch_state s WHERE s.chain_epoch = c.epoch)`,
  );
  return {
    unbooked: unbooked.map((r) => ({
      claimId: hex(r.id),
      account: hex(r.account),
      recipient: hex(r.recipient),
      amountMicroUsd: r.amount,
      relayerFeeMicroUsd: r.relayer_fee,
      chainEpoch: r.chain_epoch,
      epoch: r.epoch,
      blockNumber: r.block_number,
      transactionHash: hex(r.transaction_hash),
      attempt: r.attempt,
    })),
    orphaned: orphaned.map((r) => ({
      journalId: r.id,
      claimId: r.ref as Hex,
      attempt: r.attempt,
      epoch: r.epoch,
      account: hex(r.holder),
      amountMicroUsd: r.amount,
    })),
    unmapped: Number(unmapped[0]?.n ?? 0n),
  };
}

/** One balanced journal to write: every line debits or credits one account. */
export type JournalToBook = {
  epoch: bigint;
  attempt: number;
  kind: "payout" | "payout_reversal";
  ref: string;
  memo: string;
  lines: { account: string; holder: Address | null; debitMicroUsd: bigint; creditMicroUsd: bigint }[];
};

/**
 * Writes journals keyed by (kind, ref, attempt): one already written is skipped with its lines
 * (another process booked it). Returns how many were written. Call inside a transaction.
 */
export async function bookJournals(q: Queryable, journals: readonly JournalToBook[]): Promise<number> {
  if (journals.length === 0) return 0;
  const accounts = new Map<string, Address | null>();
  for (const j of journals) for (const l of j.lines) accounts.set(l.account, l.holder);
  const codes = [...accounts.keys()];
  await q.query(
    `INSERT INTO ledger_accounts (code, kind, holder)
     SELECT code, CASE WHEN holder IS NULL THEN 'asset' ELSE 'liability' END, holder
       FROM unnest($1::text[], $2::bytea[]) AS t(code, holder)
     ON CONFLICT (code) DO NOTHING`,
    [codes, codes.map((c) => (accounts.get(c) ? buf(accounts.get(c)!) : null))],
  );
  let written = 0;
  for (let i = 0; i < journals.length; i += 5_000) {
    const chunk = journals.slice(i, i + 5_000);
    const { rows } = await q.query<{ id: bigint; kind: string; ref: string; attempt: number }>(
      `INSERT INTO ledger_journals (epoch, attempt, kind, ref, memo)
       SELECT * FROM unnest($1::int8[], $2::int4[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (kind, ref, attempt) WHERE kind IN ('payout', 'payout_reversal') DO NOTHING
       RETURNING id, kind, ref, attempt`,
      [
        chunk.map((j) => j.epoch.toString()),
        chunk.map((j) => j.attempt),
        chunk.map((j) => j.kind),
        chunk.map((j) => j.ref),
        chunk.map((j) => j.memo),
      ],
    );
    const byKey = new Map(chunk.map((j) => [`${j.kind}:${j.ref}:${j.attempt}`, j]));
    const journalIds: string[] = [];
    const lineAccounts: string[] = [];
    const debits: string[] = [];
    const credits: string[] = [];
    for (const r of rows) {
      const j = byKey.get(`${r.kind}:${r.ref}:${r.attempt}`)!;
      for (const l of j.lines) {
        journalIds.push(r.id.toString());
        lineAccounts.push(l.account);
        debits.push(l.debitMicroUsd.toString());
        credits.push(l.creditMicroUsd.toString());
      }
    }
    if (journalIds.length > 0)
      await q.query(
        `INSERT INTO ledger_entries (journal_id, account, debit_micro_usd, credit_micro_usd)
         SELECT * FROM unnest($1::int8[], $2::text[], $3::numeric[], $4::numeric[])`,
        [journalIds, lineAccounts, debits, credits],
      );
    written += rows.length;
  }
  return written;
}
