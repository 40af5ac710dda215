import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type FlagOverride = {
  id: bigint;
  epoch: number;
  node: Hex;
  sessionId: Hex | null;
  reasonCode: string;
  decision: "include" | "exclude";
  note: string;
  createdBy: string;
  createdAt: Date;
};

type Raw = {
  id: bigint;
  epoch: bigint;
  node_address: Uint8Array;
  session_id: Uint8Array | null;
  reason_code: string;
  decision: "include" | "exclude";
  note: string;
  created_by: string;
  created_at: Date;
};
const toRow = (r: Raw): FlagOverride => ({
  id: r.id,
  epoch: Number(r.epoch),
  node: bytesToHex(r.node_address),
  sessionId: r.session_id ? bytesToHex(r.session_id) : null,
  reasonCode: r.reason_code,
  decision: r.decision,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
});
const COLUMNS = "id, epoch, node_address, session_id, reason_code, decision, note, created_by, created_at";

export async function insertFlagOverride(
  q: Queryable,
  o: Omit<FlagOverride, "id" | "createdAt">,
  /** The policy key's `FlagDecision` signature (migration 0029) and its `issuedAt`. */
  policy: { signature: string; issuedAt: bigint },
): Promise<FlagOverride> {
  const { rows } = await q.query<Raw>(
    `INSERT INTO flag_overrides (epoch, node_address, session_id, reason_code, decision, note, created_by,
                                 policy_signature, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      o.epoch,
      hexToBuffer(o.node),
      o.sessionId ? hexToBuffer(o.sessionId) : null,
      o.reasonCode,
      o.decision,
      o.note,
      o.createdBy,
      hexToBuffer(policy.signature),
      policy.issuedAt.toString(),
    ],
  );
  return toRow(rows[0]!);
}

/** Overrides of an epoch, oldest first (the latest for a flag wins at epoch close). */
export async function listFlagOverrides(q: Queryable, epoch: number): Promise<FlagOverride[]> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM flag_overrides WHERE epoch = $1 ORDER BY id`, [epoch]);
  return rows.map(toRow);
}
