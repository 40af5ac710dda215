import type { Db, Queryable } from "../../db/types.ts";
import { insertAudit } from "../repositories/audit.ts";

/** Who performs an admin action: the authenticated API key, and the request it came in. */
export type AdminActor = { apiKeyId: string; requestId: string };

/**
 * Runs an admin action and writes its audit entry in the same transaction: either both are
 * stored or neither. `describe` builds the entry from the action's result. The one place
 * admin changes are audited, for REST routes and GraphQL mutations alike.
 */
export async function auditedTransaction<T>(
  db: Db,
  actor: AdminActor,
  action: string,
  fn: (tx: Queryable) => Promise<T>,
  describe: (result: T) => { subject?: string | undefined; details?: Record<string, unknown> },
): Promise<T> {
  return db.transaction(async (tx) => {
    const result = await fn(tx);
    const { subject, details } = describe(result);
    await insertAudit(tx, {
      actor: actor.apiKeyId,
      action,
      subject,
      details: { ...details, requestId: actor.requestId },
    });
    return result;
  });
}
