import { admitToStream, INGEST_HEAD_START, type IngestHead } from "../../core/admission.ts";

/**
 * Monotonicity per (session, supporter) at ingest, the rule that makes receipts idempotent —
 * decided by core's `admitToStream` (core/admission.ts), the same rule the epoch close runs, so
 * an `accepted` answer is what the close counts:
 *
 *   seq ≤ highest stored seq                → duplicate ALREADY_COUNTED (a replay: nothing stored)
 *   forward (bytes, timestamp not below the stream's mark)
 *                                           → accepted, delta = bytes − mark bytes (stored; the new mark)
 *   backwards, same or later epoch as the mark
 *                                           → duplicate NON_MONOTONIC (stored for review, delta 0)
 *   backwards into an earlier epoch than the mark
 *                                           → rejected NON_MONOTONIC (nothing stored)
 *
 * Pure: the caller holds the heads' row locks while it applies the result.
 */

export type Head = IngestHead;

export type HeadItem = { key: string; seq: bigint; cumulativeBytes: bigint; timestamp: bigint; epoch: bigint };

export type HeadDecision =
  | { verdict: "accepted"; deltaBytes: bigint; store: true }
  | { verdict: "duplicate"; reason: "NON_MONOTONIC"; deltaBytes: 0n; store: true }
  | { verdict: "duplicate"; reason: "ALREADY_COUNTED"; deltaBytes: 0n; store: false }
  | { verdict: "rejected"; reason: "NON_MONOTONIC"; deltaBytes: 0n; store: false };

/** A fresh head: nothing stored yet. */
export const EMPTY_HEAD: Head = INGEST_HEAD_START;

/**
 * Decides each item in order against `heads` (mutated to the new heads). Items of one
 * (session, supporter) later in the batch see the effect of earlier ones.
 */
export function decideAgainstHeads(heads: Map<string, Head>, items: readonly HeadItem[]): HeadDecision[] {
  return items.map((item): HeadDecision => {
    const step = admitToStream(heads.get(item.key) ?? EMPTY_HEAD, item, item.epoch);
    heads.set(item.key, step.head);
    switch (step.decision) {
      case "counts":
        return { verdict: "accepted", deltaBytes: step.claimedBytes, store: true };
      case "backwards":
        return { verdict: "duplicate", reason: "NON_MONOTONIC", deltaBytes: 0n, store: true };
      case "replay":
        return { verdict: "duplicate", reason: "ALREADY_COUNTED", deltaBytes: 0n, store: false };
      case "refused":
        return { verdict: "rejected", reason: "NON_MONOTONIC", deltaBytes: 0n, store: false };
    }
  });
}
