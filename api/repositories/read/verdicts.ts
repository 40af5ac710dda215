/**
 * The oracle's per-receipt verdicts at epoch close (`epoch_verdicts`): takes node addresses (and a
 * keyset page) and hands on their receipts' non-accepted verdicts with reasons and bytes.
 */
import type { Queryable } from "../../../db/types.ts";
import { bufferToHex, hexToBuffer, type Hex } from "../../lib/hex.ts";

const orNull = (b: Uint8Array | null): Hex | null => (b ? bufferToHex(b) : null);

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
  const a = page.after;
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
      WHERE supporter = ANY($1::bytea[]) AND ($3::int8 IS NULL OR epoch = $3)
        AND ($4::int8 IS NULL OR (epoch, session_id, supporter, seq) < ($4::int8, $5::bytea, $6::bytea, $7::int8))
      ORDER BY epoch DESC, session_id DESC, supporter DESC, seq DESC LIMIT $2`,
    [
      nodes.map(hexToBuffer),
      page.limit,
      page.epoch?.toString() ?? null,
      a?.epoch.toString() ?? null,
      a ? hexToBuffer(a.sessionId) : null,
      a ? hexToBuffer(a.supporter) : null,
      a?.seq.toString() ?? null,
    ],
  );
  return rows.map((r) => ({
    epoch: r.epoch,
    sessionId: bufferToHex(r.session_id),
    supporter: bufferToHex(r.supporter),
    seq: r.seq,
    receiptId: orNull(r.receipt_id),
    status: r.status,
    reasons: r.reasons,
    claimedBytes: r.claimed_bytes,
    countedBytes: r.counted_bytes,
  }));
}
