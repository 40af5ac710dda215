import type { Queryable } from "../../db/types.ts";

/** One administrative action for `audit_log` (append-only). */
export type AuditEntry = {
  /** API key id (or service name) that acted. */
  actor: string;
  /** Stable action code, e.g. `rate_card.create`. */
  action: string;
  subject?: string | undefined;
  details?: Record<string, unknown> | undefined;
};

export type AuditRow = {
  id: bigint;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
};

/** Appends an entry; call it in the same transaction as the action it records. */
export async function insertAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  await q.query("INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4::jsonb)", [
    entry.actor,
    entry.action,
    entry.subject ?? null,
    JSON.stringify(entry.details ?? {}, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
  ]);
}

/** The newest entries first, optionally only one action. */
export async function listAudit(
  q: Queryable,
  options: { action?: string | undefined; limit: number; beforeId?: bigint | undefined },
): Promise<AuditRow[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT id, at, actor, action, subject, details FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::int8 IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [options.action ?? null, options.beforeId?.toString() ?? null, options.limit],
  );
  return rows;
}
