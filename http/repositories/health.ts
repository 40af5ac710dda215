/** The database's liveness probe for the API's dependency checks (http/plugins/dependencies.ts). */
import type { Queryable } from "../../db/types.ts";

/** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
export async function pingDatabase(q: Queryable): Promise<void> {
  await q.query("SELECT 1");
}
