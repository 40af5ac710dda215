import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Queryable } from "../../../../db/types.ts";
import { auditedTransaction, type AdminActor } from "../../../services/audited.ts";

/** The admin actor of an authenticated request (`requireScope` ran first). */
export function actorOf(request: FastifyRequest): AdminActor {
  return { apiKeyId: request.apiKey?.id ?? "unknown", requestId: request.id };
}

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
  return auditedTransaction(app.db, actorOf(request), action, fn, describe);
}
