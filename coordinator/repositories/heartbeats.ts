import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type VerifiedHeartbeat = { node: Hex; timestamp: bigint; epoch: number; signature: Hex };

/**
 * Stores heartbeats in one multi-row INSERT; returns, per heartbeat (same order), whether it
 * was new (`false`: a replay of the same node and timestamp, nothing stored).
 */
export async function storeHeartbeats(q: Queryable, heartbeats: readonly VerifiedHeartbeat[]): Promise<boolean[]> {
  if (heartbeats.length === 0) return [];
  const { rows } = await q.query<{ node_address: Uint8Array; timestamp: bigint }>(
    `INSERT INTO heartbeats (node_address, timestamp, epoch, signature)
     SELECT * FROM unnest($1::bytea[], $2::int8[], $3::int8[], $4::bytea[])
     ON CONFLICT (node_address, timestamp) DO NOTHING
     RETURNING node_address, timestamp`,
    [
      heartbeats.map((h) => hexToBuffer(h.node)),
      heartbeats.map((h) => h.timestamp.toString()),
      heartbeats.map((h) => h.epoch),
      heartbeats.map((h) => hexToBuffer(h.signature)),
    ],
  );
  const fresh = new Set(rows.map((r) => `${bytesToHex(r.node_address)}:${r.timestamp}`));
  // Within one batch, only the first of two identical (node, timestamp) items is new.
  const seen = new Set<string>();
  return heartbeats.map((h) => {
    const key = `${h.node.toLowerCase()}:${h.timestamp}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return fresh.has(key);
  });
}

/** Number of stored heartbeats of a node (tests). */
export async function heartbeatCount(q: Queryable, node: Hex): Promise<number> {
  const { rows } = await q.query<{ n: bigint }>("SELECT count(*)::int8 AS n FROM heartbeats WHERE node_address = $1", [
    hexToBuffer(node),
  ]);
  return Number(rows[0]!.n);
}
