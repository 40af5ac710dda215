import { createHash, randomBytes } from "node:crypto";

/** Scopes an API key may hold; `*` holds them all. */
export const SCOPES = [
  "*",
  "sessions:write",
  "admin:read",
  "admin:rate-cards",
  "admin:supporters",
  "admin:flags",
  "admin:api-keys",
  "admin:feature-flags",
  "admin:cdn-usage",
  "admin:epochs",
] as const;
export type Scope = (typeof SCOPES)[number];

/** The id of the key `LEDGER_ADMIN_API_KEY` is stored under. */
export const BOOTSTRAP_KEY_ID = "bootstrap-admin";

/** SHA-256 of the whole key string: what `api_keys.secret_hash` stores. */
export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** A new key: `lk_<id>_<secret>` (the id is public and names the key in audit logs). */
export function generateApiKey(): { id: string; key: string } {
  const id = `k${randomBytes(6).toString("hex")}`;
  return { id, key: `lk_${id}_${randomBytes(24).toString("base64url")}` };
}

export function hasScope(scopes: readonly string[], needed: Scope): boolean {
  return scopes.includes("*") || scopes.includes(needed);
}

/**
 * The scopes of `requested` that a key holding `held` may not grant: a key grants only what it
 * holds (`*` holds everything, and only a `*` key grants `*`).
 */
export function scopesNotHeld(held: readonly string[], requested: readonly string[]): string[] {
  if (held.includes("*")) return [];
  return requested.filter((s) => !held.includes(s));
}
