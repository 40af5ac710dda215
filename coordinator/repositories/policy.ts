import type { Address } from "../../core/eip712/domain.ts";
import { hexToBuffer, type Hex } from "../../core/hex.ts";
import type { Queryable } from "../../db/types.ts";

/**
 * The signed policy statements the coordinator stores (migration 0029): epoch budgets and founder
 * grants/revocations. One writer: the admin service. Rows are never updated (a later one wins).
 */

export type BudgetRow = {
  fromEpoch: bigint;
  budgetMicroUsd: bigint;
  issuedAt: bigint;
  signer: Address;
  signature: Hex;
};

export async function insertBudget(q: Queryable, b: BudgetRow & { createdBy: string }): Promise<void> {
  await q.query(
    `INSERT INTO epoch_budgets (from_epoch, budget_micro_usd, issued_at, signer, signature, created_by)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      b.fromEpoch.toString(),
      b.budgetMicroUsd.toString(),
      b.issuedAt.toString(),
      hexToBuffer(b.signer),
      hexToBuffer(b.signature),
      b.createdBy,
    ],
  );
}

/** Whether any budget statement is stored (npm start records the configured one when none is). */
export async function hasBudget(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ n: number }>("SELECT 1 AS n FROM epoch_budgets LIMIT 1");
  return rows.length > 0;
}

export type FounderStatusRow = {
  node: Address;
  founder: boolean;
  effectiveEpoch: bigint;
  issuedAt: bigint;
  reason: string;
  signer: Address;
  signature: Hex;
};

export async function insertFounderStatus(q: Queryable, f: FounderStatusRow & { createdBy: string }): Promise<void> {
  await q.query(
    `INSERT INTO founder_statuses (node_address, founder, effective_epoch, issued_at, reason, signer, signature, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      hexToBuffer(f.node),
      f.founder,
      f.effectiveEpoch.toString(),
      f.issuedAt.toString(),
      f.reason,
      hexToBuffer(f.signer),
      hexToBuffer(f.signature),
      f.createdBy,
    ],
  );
}
