import type { Queryable } from "../../db/types.ts";

export type CdnUsage = { epoch: number; provider: string; servedBytes: bigint; reportedBy: string; reportedAt: Date };

/** Records (or corrects) the CDN's served bytes for an epoch and provider; returns the previous value. */
export async function upsertCdnUsage(
  q: Queryable,
  u: { epoch: number; provider: string; servedBytes: bigint; reportedBy: string },
): Promise<{ usage: CdnUsage; previousBytes: bigint | null }> {
  const prev = await q.query<{ served_bytes: bigint }>(
    "SELECT served_bytes FROM cdn_usage WHERE epoch = $1 AND provider = $2 FOR UPDATE",
    [u.epoch, u.provider],
  );
  const { rows } = await q.query<{ reported_at: Date }>(
    `INSERT INTO cdn_usage (epoch, provider, served_bytes, reported_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (epoch, provider) DO UPDATE
       SET served_bytes = EXCLUDED.served_bytes, reported_by = EXCLUDED.reported_by, reported_at = now()
     RETURNING reported_at`,
    [u.epoch, u.provider, u.servedBytes.toString(), u.reportedBy],
  );
  return {
    usage: { ...u, reportedAt: rows[0]!.reported_at },
    previousBytes: prev.rows[0]?.served_bytes ?? null,
  };
}

/**
 * Supporter bytes (counted receipt deltas) against CDN bytes for an epoch: the offload ratio
 * in basis points is supporter / (supporter + CDN), floored; null when both are zero.
 */
export async function offload(
  q: Queryable,
  epoch: number,
): Promise<{ supporterBytes: bigint; cdnBytes: bigint; offloadBps: bigint | null }> {
  const { rows } = await q.query<{ s: bigint; c: bigint }>(
    `SELECT (SELECT COALESCE(sum(delta_bytes), 0) FROM receipts WHERE epoch = $1)::numeric(78,0) AS s,
            (SELECT COALESCE(sum(served_bytes), 0) FROM cdn_usage WHERE epoch = $1)::numeric(78,0) AS c`,
    [epoch],
  );
  const s = rows[0]!.s;
  const c = rows[0]!.c;
  return { supporterBytes: s, cdnBytes: c, offloadBps: s + c === 0n ? null : (s * 10_000n) / (s + c) };
}
