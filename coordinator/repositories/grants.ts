import type { Queryable } from "../../db/types.ts";
import { signedGrantOfColumns, type GrantColumns } from "../../db/rows/grants.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type GrantRow = {
  sessionId: Hex;
  viewer: Hex;
  streamId: Hex;
  maxBitsPerSecond: bigint;
  notBefore: bigint;
  notAfter: bigint;
  signature: Hex;
  issuedBy: string;
};

type Raw = GrantColumns & { issued_by: string };
const toRow = (r: Raw): GrantRow => {
  const { message, signature } = signedGrantOfColumns(r);
  return { ...message, signature, issuedBy: r.issued_by };
};
const COLUMNS = "session_id, viewer, stream_id, max_bits_per_second, not_before, not_after, signature, issued_by";

/**
 * Stores a grant unless its session id exists; returns the stored grant either way, and
 * whether this call created it (replays are idempotent; the caller compares the fields).
 */
export async function insertGrant(q: Queryable, g: GrantRow): Promise<{ grant: GrantRow; created: boolean }> {
  const inserted = await q.query<Raw>(
    `INSERT INTO grants (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (session_id) DO NOTHING RETURNING ${COLUMNS}`,
    [
      hexToBuffer(g.sessionId),
      hexToBuffer(g.viewer),
      hexToBuffer(g.streamId),
      g.maxBitsPerSecond.toString(),
      g.notBefore.toString(),
      g.notAfter.toString(),
      hexToBuffer(g.signature),
      g.issuedBy,
    ],
  );
  if (inserted.rows[0]) return { grant: toRow(inserted.rows[0]), created: true };
  const existing = await getGrant(q, g.sessionId);
  return { grant: existing!, created: false };
}

export async function getGrant(q: Queryable, sessionId: Hex): Promise<GrantRow | undefined> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM grants WHERE session_id = $1`, [hexToBuffer(sessionId)]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** The grants of these sessions, keyed by lowercase session id. */
export async function grantsBySession(q: Queryable, sessionIds: Hex[]): Promise<Map<Hex, GrantRow>> {
  if (sessionIds.length === 0) return new Map();
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM grants WHERE session_id = ANY($1::bytea[])`, [
    sessionIds.map(hexToBuffer),
  ]);
  return new Map(rows.map((r) => [bytesToHex(r.session_id), toRow(r)]));
}
