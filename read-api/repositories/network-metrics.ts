/**
 * Network metrics per coordinator epoch: takes epochs and hands on active supporters and nodes,
 * counted, submitted and CDN bytes (with the reports the CDN figure comes from) and the mean uptime,
 * from statements, receipts and CDN usage.
 */
import type { Queryable } from "../../db/types.ts";
import { EPOCH_COMPUTED } from "./lifecycle.ts";

export type NetworkMetricsRow = {
  epoch: bigint;
  /** Accounts with a statement that counted bytes. */
  activeSupporters: number;
  /** Nodes with at least one stored receipt. */
  activeNodes: number;
  /** Σ counted bytes of the statements (null until computed). */
  countedBytes: bigint | null;
  /** Σ receipt deltas stored at ingest (before the epoch-close fraud rules). */
  submittedBytes: bigint;
  cdnBytes: bigint;
  /** Where `cdnBytes` comes from: the admins' reports (`POST /v1/admin/cdn-usage`), one per provider. */
  cdnReports: CdnReportRow[];
  /** Counted-bytes-weighted mean of the statements' uptime, in bps (null without counted bytes). */
  meanUptimeBps: bigint | null;
};

export type CdnReportRow = { provider: string; servedBytes: bigint; reportedAt: Date };

/** Per coordinator epoch: supporters, their uptime, bytes by supporters vs the CDN; for a DataLoader. */
export async function networkMetrics(q: Queryable, epochs: readonly bigint[]): Promise<NetworkMetricsRow[]> {
  const { rows } = await q.query<{
    epoch: bigint;
    active: bigint;
    nodes: bigint;
    counted: bigint | null;
    submitted: bigint;
    cdn: bigint;
    weighted: bigint | null;
    computed: boolean;
  }>(
    `SELECT k.epoch,
            (SELECT count(*) FROM epoch_statements s WHERE s.epoch = k.epoch AND s.counted_bytes > 0) AS active,
            (SELECT count(DISTINCT supporter) FROM receipts r WHERE r.epoch = k.epoch) AS nodes,
            (SELECT sum(s.counted_bytes) FROM epoch_statements s WHERE s.epoch = k.epoch) AS counted,
            (SELECT COALESCE(sum(delta_bytes), 0) FROM receipts r WHERE r.epoch = k.epoch)::numeric(78,0) AS submitted,
            (SELECT COALESCE(sum(served_bytes), 0) FROM cdn_usage c WHERE c.epoch = k.epoch)::numeric(78,0) AS cdn,
            (SELECT sum(s.counted_bytes * (s.statement->>'uptimeBps')::numeric)
               FROM epoch_statements s WHERE s.epoch = k.epoch)::numeric(78,0) AS weighted,
            ${EPOCH_COMPUTED("k.epoch")} AS computed
       FROM unnest($1::int8[]) AS k(epoch)`,
    [epochs.map(String)],
  );
  const reports = await q.query<{ epoch: bigint; provider: string; served_bytes: bigint; reported_at: Date }>(
    `SELECT epoch, provider, served_bytes, reported_at FROM cdn_usage
      WHERE epoch = ANY($1::int8[]) ORDER BY epoch, provider`,
    [epochs.map(String)],
  );
  const reportsOf = new Map<bigint, CdnReportRow[]>();
  for (const r of reports.rows) {
    const list = reportsOf.get(r.epoch) ?? [];
    list.push({ provider: r.provider, servedBytes: r.served_bytes, reportedAt: r.reported_at });
    reportsOf.set(r.epoch, list);
  }
  return rows.map((r) => ({
    epoch: r.epoch,
    activeSupporters: Number(r.active),
    activeNodes: Number(r.nodes),
    countedBytes: r.computed ? (r.counted ?? 0n) : null,
    submittedBytes: r.submitted,
    cdnBytes: r.cdn,
    cdnReports: reportsOf.get(r.epoch) ?? [],
    meanUptimeBps: r.counted && r.counted > 0n && r.weighted !== null ? r.weighted / r.counted : null,
  }));
}
