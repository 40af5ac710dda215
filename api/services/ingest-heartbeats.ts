import type { Heartbeat, Signed } from "../../core/eip712.ts";
import type { Hex } from "../../core/hex.ts";
import { epochOf } from "../../core/epoch-clock.ts";
import { INGEST_REASONS, signatureReason, type IngestReason } from "../../core/verdict.ts";
import { parseHeartbeatItem } from "../lib/wire.ts";
import { ensureEpochs, lockEpochs } from "../repositories/epochs.ts";
import { storeHeartbeats } from "../repositories/heartbeats.ts";
import { registeredNodes } from "../repositories/nodes.ts";
import type { IngestContext, ItemResult } from "./ingest-receipts.ts";
import { withRetry } from "./retry.ts";

const reject = (index: number, code: IngestReason, id?: Hex | null, detail?: string): ItemResult => ({
  index,
  status: "rejected",
  code,
  message: detail ? `${INGEST_REASONS[code]} (${detail})` : INGEST_REASONS[code],
  ...(id ? { id } : {}),
});

/**
 * Ingests a batch of signed heartbeats: parse, clock, signature (worker pool), registration,
 * then one transaction (epochs share-locked, one multi-row INSERT). A replay of the same
 * (node, timestamp) is `duplicate`. One result per item, in order; durable when answered.
 */
export async function ingestHeartbeats(ctx: IngestContext, items: readonly unknown[]): Promise<ItemResult[]> {
  const { coordinator, metrics } = ctx;
  const results: (ItemResult | undefined)[] = new Array<ItemResult | undefined>(items.length);
  const nowSeconds = Math.floor(coordinator.now() / 1000);
  const maxTimestamp = BigInt(nowSeconds + coordinator.maxClockSkewSeconds);
  const minTimestamp = BigInt(nowSeconds - coordinator.maxAgeSeconds);
  type Candidate = { index: number; signed: Signed<Heartbeat>; epoch: number; id?: Hex };
  let candidates: Candidate[] = [];
  items.forEach((raw, index) => {
    const parsed = parseHeartbeatItem(raw);
    if (!parsed.ok) return void (results[index] = reject(index, "MALFORMED", null, parsed.message));
    const { heartbeat, signature } = parsed.value;
    if (heartbeat.timestamp > maxTimestamp) return void (results[index] = reject(index, "TIMESTAMP_IN_FUTURE"));
    if (heartbeat.timestamp < minTimestamp) return void (results[index] = reject(index, "TIMESTAMP_TOO_OLD"));
    const epoch = epochOf(coordinator.clock, Number(heartbeat.timestamp));
    if (epoch < 0) return void (results[index] = reject(index, "BEFORE_GENESIS"));
    candidates.push({ index, signed: { message: heartbeat, signature }, epoch });
  });

  const verified = await coordinator.pool.verifyBatch({
    domain: coordinator.domain,
    primaryType: "Heartbeat",
    items: candidates.map((c) => c.signed),
  });
  candidates = candidates.filter((c, i) => {
    const v = verified[i]!;
    if (v.digest) c.id = v.digest;
    if (v.valid) return true;
    results[c.index] = reject(c.index, signatureReason(v.error), v.digest, v.error);
    return false;
  });

  if (candidates.length > 0) {
    const registered = await registeredNodes(ctx.db, [...new Set(candidates.map((c) => c.signed.message.node))]);
    candidates = candidates.filter((c) => {
      if (registered.has(c.signed.message.node)) return true;
      results[c.index] = reject(c.index, "UNREGISTERED", c.id);
      return false;
    });
  }

  if (candidates.length > 0) {
    const epochs = [...new Set(candidates.map((c) => c.epoch))];
    await ensureEpochs(ctx.db, coordinator.clock, epochs);
    const { closed, fresh, open } = await withRetry(() =>
      ctx.db.transaction(async (tx) => {
        const statuses = await lockEpochs(tx, epochs);
        const closedSet = new Set(epochs.filter((e) => statuses.get(e) !== "OPEN"));
        const openCandidates = candidates.filter((c) => !closedSet.has(c.epoch));
        const isNew = await storeHeartbeats(
          tx,
          openCandidates.map((c) => ({
            node: c.signed.message.node,
            timestamp: c.signed.message.timestamp,
            epoch: c.epoch,
            signature: c.signed.signature,
          })),
        );
        return { closed: closedSet, fresh: isNew, open: openCandidates };
      }),
    );
    for (const c of candidates) if (closed.has(c.epoch)) results[c.index] = reject(c.index, "EPOCH_CLOSED", c.id);
    open.forEach((c, i) => {
      results[c.index] = fresh[i]
        ? { index: c.index, status: "accepted", id: c.id! }
        : { index: c.index, status: "duplicate", code: "DUPLICATE", message: INGEST_REASONS.DUPLICATE, id: c.id! };
    });
  }

  const out = results as ItemResult[];
  for (const r of out) {
    metrics.ingested.inc({ kind: "heartbeat", verdict: r.status });
    if (r.status === "rejected") metrics.rejections.inc({ kind: "heartbeat", reason: r.code! });
  }
  return out;
}
