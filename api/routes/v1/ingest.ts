import type { FastifyInstance, FastifyRequest } from "fastify";
import { ingestHeartbeats } from "../../services/ingest-heartbeats.ts";
import { ingestReceipts, type ItemResult } from "../../services/ingest-receipts.ts";
import { batchResponse, errorResponses, heartbeatItem, receiptItem } from "./schemas.ts";

/** Largest batch per request. */
export const MAX_BATCH = 1_000;
/** Body limit of the batch routes: 1 000 items of ~400 bytes with room for whitespace. */
const BATCH_BODY_LIMIT = 2 * 1_048_576;

/** Counts the verdicts of a batch and logs them (one structured line per batch, with the request id). */
function summarize(request: FastifyRequest, kind: "receipt" | "heartbeat", results: ItemResult[]) {
  let accepted = 0;
  let duplicate = 0;
  let rejected = 0;
  for (const r of results) {
    if (r.status === "accepted") accepted++;
    else if (r.status === "duplicate") duplicate++;
    else rejected++;
  }
  request.log.info({ kind, items: results.length, accepted, duplicate, rejected }, "batch ingested");
  return { accepted, duplicate, rejected, results };
}

/**
 * Signed receipts and heartbeats from supporters' nodes. No API key: the signatures
 * authenticate; rate limited per IP. Items are validated one by one (a malformed item is
 * answered `rejected MALFORMED`, the rest of the batch proceeds); the envelope is schema-checked.
 */
export default async function ingestRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { receipts: unknown[] } }>(
    "/v1/receipts",
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ["ingest"],
        summary: `Submit up to ${MAX_BATCH} signed receipts; one answer per receipt`,
        description:
          "Each receipt is verified (EIP-712 signature by its viewer key, low s), checked against its session grant, " +
          "the supporter's registration (effective at the receipt's epoch), the epoch (must be OPEN) and the " +
          "coordinator's clock, then stored in one transaction. The grant, registration and monotonicity rules are the " +
          "epoch close's own (core/admission.ts): `accepted` with `countedBytes` > 0 is counted at close unless a rule " +
          "that needs the whole epoch (session bitrate, node offline, self-dealing, outlier) flags it, and the close's " +
          "verdict then names that rule. Answers: `accepted` (with `countedBytes`, the increase over the stream's last " +
          "counted receipt), `duplicate` (`DUPLICATE`: a replay, nothing changed; `NON_MONOTONIC`: bytes or time went " +
          "backwards, stored for review, nothing counted) or `rejected` with a reason code (nothing stored). The " +
          "response is sent after the commit.",
        body: {
          type: "object",
          required: ["receipts"],
          additionalProperties: false,
          properties: {
            receipts: {
              type: "array",
              minItems: 1,
              maxItems: MAX_BATCH,
              items: { description: "see the ReceiptItem / HeartbeatItem schemas; each item is validated on its own" },
            },
          },
        },
        response: { 200: batchResponse, 413: errorResponses(false)[400]!, ...errorResponses(false) },
      },
    },
    async (request) =>
      summarize(
        request,
        "receipt",
        await ingestReceipts({ db: app.db, coordinator: app.coordinator, metrics: app.metrics }, request.body.receipts),
      ),
  );

  app.post<{ Body: { heartbeats: unknown[] } }>(
    "/v1/heartbeats",
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ["ingest"],
        summary: `Submit up to ${MAX_BATCH} signed heartbeats; one answer per heartbeat`,
        body: {
          type: "object",
          required: ["heartbeats"],
          additionalProperties: false,
          properties: {
            heartbeats: {
              type: "array",
              minItems: 1,
              maxItems: MAX_BATCH,
              items: { description: "see the ReceiptItem / HeartbeatItem schemas; each item is validated on its own" },
            },
          },
        },
        response: { 200: batchResponse, ...errorResponses(false) },
      },
    },
    async (request) =>
      summarize(
        request,
        "heartbeat",
        await ingestHeartbeats(
          { db: app.db, coordinator: app.coordinator, metrics: app.metrics },
          request.body.heartbeats,
        ),
      ),
  );

  // Documented item shapes (validated per item by api/lib/wire.ts).
  app.addSchema({ $id: "ReceiptItem", ...receiptItem });
  app.addSchema({ $id: "HeartbeatItem", ...heartbeatItem });
}
