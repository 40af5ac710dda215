import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Queryable } from "../../../../db/types.ts";
import { insertAudit } from "../../../repositories/audit.ts";

/**
 * Runs an admin action and writes its audit entry in the same transaction: either both are
 * stored or neither. `describe` builds the entry from the action's result.
 */
export async function audited<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  action: string,
  fn: (tx: Queryable) => Promise<T>,
  describe: (result: T) => { subject?: string | undefined; details?: Record<string, unknown> },
): Promise<T> {
  return app.db.transaction(async (tx) => {
    const result = await fn(tx);
    const { subject, details } = describe(result);
    await insertAudit(tx, {
      actor: request.apiKey?.id ?? "unknown",
      action,
      subject,
      details: { ...details, requestId: request.id },
    });
    return result;
  });
}
