/**
 * Heartbeats through the ingest pipeline (./ingest.ts): a batch of raw heartbeat items in, one
 * `ItemResult` per item out. What is heartbeat-specific: admission is the node's registration,
 * and a replay of the same (node, timestamp) is `duplicate`.
 */
import type { Heartbeat } from "../../core/eip712/receipts.ts";
import type { Hex } from "../../core/hex.ts";
import { INGEST_REASONS } from "../../core/verdict.ts";
import { parseHeartbeatItem } from "../../http/wire.ts";
import { storeHeartbeats } from "../repositories/heartbeats.ts";
import { registeredNodes } from "../repositories/nodes.ts";
import { ingest, type IngestContext, type IngestKind, type ItemResult } from "./ingest.ts";

const heartbeats: IngestKind<"Heartbeat", Heartbeat, Set<Hex>, boolean> = {
  kind: "heartbeat",
  primaryType: "Heartbeat",
  timed: false,
  parse(raw) {
    const parsed = parseHeartbeatItem(raw);
    if (!parsed.ok) return { ok: false, refusal: { code: "MALFORMED", detail: parsed.message } };
    return { ok: true, signed: { message: parsed.value.heartbeat, signature: parsed.value.signature } };
  },
  lookup: (db, candidates) => registeredNodes(db, [...new Set(candidates.map((c) => c.signed.message.node))]),
  admit: (c, registered) => (registered.has(c.signed.message.node) ? undefined : { code: "UNREGISTERED" }),
  store: (tx, open) =>
    storeHeartbeats(
      tx,
      open.map((c) => ({
        node: c.signed.message.node,
        timestamp: c.signed.message.timestamp,
        epoch: c.epoch,
        signature: c.signed.signature,
      })),
    ),
  answer: (c, fresh): ItemResult =>
    fresh
      ? { index: c.index, status: "accepted", id: c.id! }
      : { index: c.index, status: "duplicate", code: "DUPLICATE", message: INGEST_REASONS.DUPLICATE, id: c.id! },
};

/**
 * Ingests a batch of signed heartbeats: parse, clock, signature (worker pool), registration,
 * then one transaction (epochs share-locked, one multi-row INSERT). A replay of the same
 * (node, timestamp) is `duplicate`. One result per item, in order; durable when answered.
 */
export const ingestHeartbeats = (ctx: IngestContext, items: readonly unknown[]): Promise<ItemResult[]> =>
  ingest(ctx, heartbeats, items);
