/**
 * The `receipts` table's columns as every room reads them: takes a raw row (bytea as bytes) and
 * hands on its hex/bigint fields. The SQL stays in each room's repository.
 */
import { bytesToHex } from "../../core/hex.ts";

/** The columns a receipt row is read with (`RECEIPT_COLUMNS`), verdict narrowed by the reader. */
export type ReceiptColumns<V extends string = string> = {
  epoch: bigint;
  session_id: Uint8Array;
  supporter: Uint8Array;
  viewer: Uint8Array;
  seq: bigint;
  cumulative_bytes: bigint;
  delta_bytes: bigint;
  timestamp: bigint;
  verdict: V;
  reason: string | null;
};

/** The select list of `ReceiptColumns`, unqualified. */
export const RECEIPT_COLUMNS =
  "epoch, session_id, supporter, viewer, seq, cumulative_bytes, delta_bytes, timestamp, verdict, reason";

/** A stored receipt's fields, keys camel-cased and bytes as hex. */
export function receiptOfColumns<V extends string>(r: ReceiptColumns<V>) {
  return {
    epoch: r.epoch,
    sessionId: bytesToHex(r.session_id),
    supporter: bytesToHex(r.supporter),
    viewer: bytesToHex(r.viewer),
    seq: r.seq,
    cumulativeBytes: r.cumulative_bytes,
    deltaBytes: r.delta_bytes,
    timestamp: r.timestamp,
    verdict: r.verdict,
    reason: r.reason,
  };
}
