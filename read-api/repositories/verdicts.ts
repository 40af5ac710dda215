/**
 * The oracle's per-receipt verdicts at epoch close (`epoch_verdicts`): takes node addresses (and a
 * keyset page) and hands on their receipts' non-accepted verdicts with reasons and bytes.
 */
import type { Queryable } from "../../db/types.ts";
import { bytesToHex, type Hex } from "../../core/hex.ts";
import { RECEIPT_KEYSET, receiptKeysetParams } from "./receipts.ts";

const orNull = (b: Uint8Array | null): Hex | null => (b ? bytesToHex(b) : null);

export type VerdictRow = {
  epoch: bigint;
  sessionId: Hex;
  supporter: Hex;
  seq: bigint;
  receiptId: Hex | null;
  status: string;
  reasons: string[];
  claimedBytes: bigint;
  countedBytes: bigint;
};

/** Non-accepted verdicts of these nodes' receipts at epoch close, newest epoch first (keyset). */
export async function verdictsOfNodes(
  q: Queryable,
  nodes: readonly Hex[],
  page: {
    limit: number;
    epoch?: bigint | undefined;
    after?: { epoch: bigint; sessionId: Hex; supporter: Hex; seq: bigint } | undefined;
  },
): Promise<VerdictRow[]> {
  if (nodes.length === 0) return [];
  const { rows } = await q.query<{
    epoch: bigint;
    session_id: Uint8Array;
    supporter: Uint8Array;
    seq: bigint;
    receipt_id: Uint8Array | null;
    status: string;
    reasons: string[];
    claimed_bytes: bigint;
    counted_bytes: bigint;
  }>(
    `SELECT epoch, session_id, supporter, seq, receipt_id, status, reasons, claimed_bytes, counted_bytes
       FROM epoch_verdicts
      ${RECEIPT_KEYSET}`,
    receiptKeysetParams(nodes, page),
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    sessionId: bytesToHex(r.session_id),
    supporter: bytesToHex(r.supporter),
    seq: r.seq,
    receiptId: orNull(r.receipt_id),
    status: r.status,
    reasons: r.reasons,
    claimedBytes: r.claimed_bytes,
    countedBytes: r.counted_bytes,
  }));
}
