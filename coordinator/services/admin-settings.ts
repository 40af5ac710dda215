/**
 * The admin actions on the coordinator's own settings — API keys, feature flags, CDN usage
 * reports: each takes the actor and its checked input, makes its change and writes its
 * `audit_log` entry in one transaction (`auditedTransaction`), and hands back the stored row.
 * Errors are ApiErrors with stable codes, as in coordinator/services/admin.ts.
 */
import type { Address } from "../../core/eip712/domain.ts";
import type { Db } from "../../db/types.ts";
import { ApiError, notFound } from "../../http/api-error.ts";
import { generateApiKey, hashApiKey, scopesNotHeld } from "../../http/api-keys.ts";
import { insertApiKey, revokeApiKey, type ApiKeyRow } from "../../http/repositories/api-keys.ts";
import { upsertCdnUsage, type CdnUsage } from "../repositories/cdn-usage.ts";
import {
  deleteFeatureFlag,
  upsertFeatureFlag,
  type FeatureFlag,
  type FlagTarget,
} from "../repositories/feature-flags.ts";
import { auditedTransaction, type AdminActor } from "./audited.ts";

// --- API keys --------------------------------------------------------------------------------------

/**
 * Creates an API key; the secret is returned once, only its hash is stored. A key grants only
 * what it holds itself (`heldScopes`): `admin:api-keys` alone mints `admin:api-keys` keys
 * (403 FORBIDDEN otherwise). Audited as `api_key.create`.
 */
export async function createApiKey(
  db: Db,
  actor: AdminActor,
  p: { name: string; scopes: string[]; heldScopes: readonly string[] },
): Promise<ApiKeyRow & { key: string }> {
  const missing = scopesNotHeld(p.heldScopes, p.scopes);
  if (missing.length > 0)
    throw new ApiError(
      403,
      "FORBIDDEN",
      `This API key cannot grant scopes it does not hold (${missing.join(", ")}); ask a key that holds them.`,
    );
  const { id, key } = generateApiKey();
  const row = await auditedTransaction(
    db,
    actor,
    "api_key.create",
    (tx) =>
      insertApiKey(tx, { id, name: p.name, secretHash: hashApiKey(key), scopes: p.scopes, createdBy: actor.apiKeyId }),
    (k) => ({ subject: k.id, details: { name: k.name, scopes: k.scopes } }),
  );
  return { ...row, key };
}

/** Revokes an API key, effective on its next request (404 NOT_FOUND). Audited as `api_key.revoke`. */
export async function revokeApiKeyById(db: Db, actor: AdminActor, id: string): Promise<ApiKeyRow> {
  return auditedTransaction(
    db,
    actor,
    "api_key.revoke",
    async (tx) => {
      const row = await revokeApiKey(tx, id);
      if (!row) throw notFound(`API key ${id}`);
      return row;
    },
    (k) => ({ subject: k.id }),
  );
}

// --- feature flags ---------------------------------------------------------------------------------

/**
 * Creates or updates a feature flag, targeted to all, founders, or listed supporters (a
 * `listed` flag needs a non-empty list: 400 VALIDATION_FAILED). Audited as `feature_flag.set`.
 */
export async function setFeatureFlag(
  db: Db,
  actor: AdminActor,
  p: {
    key: string;
    description?: string | undefined;
    enabled: boolean;
    target: FlagTarget;
    supporters?: Address[] | undefined;
  },
): Promise<FeatureFlag> {
  if (p.target === "listed" && !(p.supporters && p.supporters.length > 0))
    throw new ApiError(400, "VALIDATION_FAILED", "target 'listed' needs a non-empty supporters list.");
  return auditedTransaction(
    db,
    actor,
    "feature_flag.set",
    (tx) =>
      upsertFeatureFlag(tx, {
        key: p.key,
        description: p.description ?? "",
        enabled: p.enabled,
        target: p.target,
        supporters: [...new Set((p.supporters ?? []).map((s) => s.toLowerCase() as Address))],
      }),
    (f) => ({ subject: f.key, details: { enabled: f.enabled, target: f.target, supporters: f.supporters } }),
  );
}

/** Deletes a feature flag (404 NOT_FOUND). Audited as `feature_flag.delete`. */
export async function removeFeatureFlag(db: Db, actor: AdminActor, key: string): Promise<void> {
  await auditedTransaction(
    db,
    actor,
    "feature_flag.delete",
    async (tx) => {
      if (!(await deleteFeatureFlag(tx, key))) throw notFound(`Feature flag ${key}`);
    },
    () => ({ subject: key }),
  );
}

// --- CDN usage -------------------------------------------------------------------------------------

/**
 * Records the bytes the platform's CDN served in an epoch (replacing an earlier report of the
 * same provider); returns it with the replaced value. Audited as `cdn_usage.report`.
 */
export async function reportCdnUsage(
  db: Db,
  actor: AdminActor,
  p: { epoch: number; provider: string; servedBytes: bigint },
): Promise<{ usage: CdnUsage; previousBytes: bigint | null }> {
  return auditedTransaction(
    db,
    actor,
    "cdn_usage.report",
    (tx) => upsertCdnUsage(tx, { ...p, reportedBy: actor.apiKeyId }),
    (r) => ({
      subject: `${r.usage.epoch}:${r.usage.provider}`,
      details: { servedBytes: r.usage.servedBytes, previousBytes: r.previousBytes },
    }),
  );
}
