import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ItemResult } from "../services/ingest.ts";
import { ingestHeartbeats } from "../services/ingest-heartbeats.ts";
import { ingestReceipts } from "../services/ingest-receipts.ts";
import { batchResponse, errorResponses, heartbeatItem, receiptItem } from "../../http/schemas.ts";

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

/** One batch route: `{ <field>: [item, …] }` in, one answer per item (./schemas.ts `batchResponse`) out. */
function batchRoute(
  app: FastifyInstance,
  r: {
    url: string;
    kind: "receipt" | "heartbeat";
    field: string;
    ingest: typeof ingestReceipts;
    summary: string;
    description?: string;
    responses: Record<number, unknown>;
  },
): void {
  app.post<{ Body: Record<string, unknown[]> }>(
    r.url,
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ["ingest"],
        summary: r.summary,
        ...(r.description === undefined ? {} : { description: r.description }),
        body: {
          type: "object",
          required: [r.field],
          additionalProperties: false,
          properties: {
            [r.field]: {
              type: "array",
              minItems: 1,
              maxItems: MAX_BATCH,
              items: { description: "see the ReceiptItem / HeartbeatItem schemas; each item is validated on its own" },
            },
          },
        },
        response: { 200: batchResponse, ...r.responses },
      },
    },
    async (request) =>
      summarize(
        request,
        r.kind,
        await r.ingest({ db: app.db, coordinator: app.coordinator, metrics: app.metrics }, request.body[r.field]!),
      ),
  );
}

/**
 * Signed receipts and heartbeats from supporters' nodes. No API key: the signatures
 * authenticate; rate limited per IP. Items are validated one by one (a malformed item is
 * answered `rejected MALFORMED`, the rest of the batch proceeds); the envelope is schema-checked.
 */
export default async function ingestRoutes(app: FastifyInstance): Promise<void> {
  batchRoute(app, {
    url: "/v1/receipts",
    kind: "receipt",
    field: "receipts",
    ingest: ingestReceipts,
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
    responses: { 413: errorResponses(false)[400]!, ...errorResponses(false) },
  });

  batchRoute(app, {
    url: "/v1/heartbeats",
    kind: "heartbeat",
    field: "heartbeats",
    ingest: ingestHeartbeats,
    summary: `Submit up to ${MAX_BATCH} signed heartbeats; one answer per heartbeat`,
    responses: errorResponses(false),
  });

  // Documented item shapes (validated per item by http/wire.ts).
  app.addSchema({ $id: "ReceiptItem", ...receiptItem });
  app.addSchema({ $id: "HeartbeatItem", ...heartbeatItem });
}
