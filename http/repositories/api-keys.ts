import type { Queryable } from "../../db/types.ts";

export type ApiKeyRow = {
  id: string;
  name: string;
  scopes: string[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
};

type Raw = {
  id: string;
  name: string;
  scopes: string[];
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
};
const toRow = (r: Raw): ApiKeyRow => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const COLUMNS = "id, name, scopes, created_by, created_at, revoked_at";

export async function insertApiKey(
  q: Queryable,
  key: { id: string; name: string; secretHash: Buffer; scopes: string[]; createdBy: string },
): Promise<ApiKeyRow> {
  const { rows } = await q.query<Raw>(
    `INSERT INTO api_keys (id, name, secret_hash, scopes, created_by) VALUES ($1, $2, $3, $4::text[], $5)
     RETURNING ${COLUMNS}`,
    [key.id, key.name, key.secretHash, key.scopes, key.createdBy],
  );
  return toRow(rows[0]!);
}

/**
 * Creates or re-keys the bootstrap admin key (from the environment). Returns whether the
 * stored hash changed, so the caller audits only real changes.
 */
export async function upsertBootstrapKey(
  q: Queryable,
  key: { id: string; name: string; secretHash: Buffer; scopes: string[] },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO api_keys (id, name, secret_hash, scopes, created_by) VALUES ($1, $2, $3, $4::text[], 'env')
     ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, scopes = EXCLUDED.scopes, revoked_at = NULL
       WHERE api_keys.secret_hash <> EXCLUDED.secret_hash OR api_keys.revoked_at IS NOT NULL
          OR api_keys.scopes <> EXCLUDED.scopes`,
    [key.id, key.name, key.secretHash, key.scopes],
  );
  return rowCount > 0;
}

/** The active (not revoked) key with this secret hash. */
export async function findActiveApiKeyByHash(q: Queryable, secretHash: Buffer): Promise<ApiKeyRow | undefined> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`, [
    secretHash,
  ]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function listApiKeys(q: Queryable): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<Raw>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  return rows.map(toRow);
}

/** Revokes a key; `undefined` when no such key exists. Revoking twice keeps the first time. */
export async function revokeApiKey(q: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await q.query<Raw>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}
