import type { Queryable } from "../../db/types.ts";

/** Epochs per status, and how many of them carry an oracle alert (e.g. insufficient funding). */
export type EpochHealthRow = { status: string; epochs: bigint; alerting: bigint };

/** Read-only over the coordinator's `epochs` and the oracle's `epoch_state` (its alert column). */
export async function epochHealth(q: Queryable): Promise<EpochHealthRow[]> {
  const { rows } = await q.query<EpochHealthRow>(
    `SELECT e.status, count(*)::int8 AS epochs, count(s.alert)::int8 AS alerting
       FROM epochs e LEFT JOIN epoch_state s ON s.epoch = e.number
      GROUP BY e.status ORDER BY e.status`,
  );
  return rows;
}
