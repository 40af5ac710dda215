/**
 * Monotonicity per (session, supporter), the rule that makes receipts idempotent: a
 * viewer's receipts carry a growing `seq` and a growing `cumulativeBytes`; only the increase
 * over the highest cumulative already stored counts.
 *
 *   seq ≤ head.seq                         → duplicate ALREADY_COUNTED (a replay: nothing stored)
 *   seq > head.seq, bytes > head.bytes     → accepted, delta = bytes − head.bytes (stored)
 *   seq > head.seq, bytes ≤ head.bytes     → duplicate NON_MONOTONIC (stored for the fraud rules, delta 0)
 *
 * Pure: the caller holds the heads' row locks while it applies the result.
 */

export type Head = { lastSeq: bigint; cumulativeBytes: bigint };

export type HeadItem = { key: string; seq: bigint; cumulativeBytes: bigint };

export type HeadDecision =
  | { verdict: "accepted"; deltaBytes: bigint; store: true }
  | { verdict: "duplicate"; reason: "NON_MONOTONIC"; deltaBytes: 0n; store: true }
  | { verdict: "duplicate"; reason: "ALREADY_COUNTED"; deltaBytes: 0n; store: false };

/** A fresh head: nothing stored yet. */
export const EMPTY_HEAD: Head = { lastSeq: -1n, cumulativeBytes: 0n };

/**
 * Decides each item in order against `heads` (mutated to the new heads). Items of one
 * (session, supporter) later in the batch see the effect of earlier ones.
 */
export function decideAgainstHeads(heads: Map<string, Head>, items: readonly HeadItem[]): HeadDecision[] {
  return items.map((item) => {
    const head = heads.get(item.key) ?? EMPTY_HEAD;
    if (item.seq <= head.lastSeq)
      return { verdict: "duplicate", reason: "ALREADY_COUNTED", deltaBytes: 0n, store: false };
    if (item.cumulativeBytes > head.cumulativeBytes) {
      heads.set(item.key, { lastSeq: item.seq, cumulativeBytes: item.cumulativeBytes });
      return { verdict: "accepted", deltaBytes: item.cumulativeBytes - head.cumulativeBytes, store: true };
    }
    heads.set(item.key, { lastSeq: item.seq, cumulativeBytes: head.cumulativeBytes });
    return { verdict: "duplicate", reason: "NON_MONOTONIC", deltaBytes: 0n, store: true };
  });
}
