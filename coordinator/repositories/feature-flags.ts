import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type FlagTarget = "all" | "founders" | "listed";
export type FeatureFlag = {
  key: string;
  description: string;
  enabled: boolean;
  target: FlagTarget;
  supporters: Hex[];
  updatedAt: Date;
};

type Raw = {
  key: string;
  description: string;
  enabled: boolean;
  target: FlagTarget;
  supporters: Uint8Array[];
  updated_at: Date;
};
const toRow = (r: Raw): FeatureFlag => ({
  key: r.key,
  description: r.description,
  enabled: r.enabled,
  target: r.target,
  supporters: r.supporters.map(bytesToHex),
  updatedAt: r.updated_at,
});
const COLUMNS = "key, description, enabled, target, supporters, updated_at";

export async function upsertFeatureFlag(
  q: Queryable,
  f: { key: string; description: string; enabled: boolean; target: FlagTarget; supporters: Hex[] },
): Promise<FeatureFlag> {
  const { rows } = await q.query<Raw>(
    `INSERT INTO feature_flags (key, description, enabled, target, supporters) VALUES ($1, $2, $3, $4, $5::bytea[])
     ON CONFLICT (key) DO UPDATE SET description = EXCLUDED.description, enabled = EXCLUDED.enabled,
       target = EXCLUDED.target, supporters = EXCLUDED.supporters, updated_at = now()
     RETURNING ${COLUMNS}`,
    [f.key, f.description, f.enabled, f.target, f.supporters.map(hexToBuffer)],
  );
  return toRow(rows[0]!);
}

export async function listFeatureFlags(q: Queryable): Promise<FeatureFlag[]> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM feature_flags ORDER BY key`);
  return rows.map(toRow);
}

export async function deleteFeatureFlag(q: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await q.query("DELETE FROM feature_flags WHERE key = $1", [key]);
  return rowCount > 0;
}

/**
 * Whether a flag is on for a supporter: enabled, and targeted to all, to founders (the node
 * is a founder) or to a list that names the node. Unknown flags are off.
 */
export async function isFeatureEnabled(q: Queryable, key: string, node: Hex): Promise<boolean> {
  const { rows } = await q.query<{ on: boolean }>(
    `SELECT f.enabled AND (f.target = 'all'
              OR (f.target = 'listed' AND $2 = ANY(f.supporters))
              OR (f.target = 'founders' AND EXISTS (SELECT 1 FROM nodes n WHERE n.address = $2 AND n.founder))) AS on
       FROM feature_flags f WHERE f.key = $1`,
    [key, hexToBuffer(node)],
  );
  return rows[0]?.on ?? false;
}
