import type { FastifyInstance } from "fastify";
import type { Address } from "../../../../core/eip712.ts";
import type { Hex } from "../../../../core/hex.ts";
import { ApiError, notFound } from "../../../lib/api-error.ts";
import { currentEpoch } from "../../../../core/epoch-clock.ts";
import { generateApiKey, hashApiKey, scopesNotHeld, SCOPES } from "../../../lib/api-keys.ts";
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from "../../../repositories/api-keys.ts";
import { listAudit } from "../../../repositories/audit.ts";
import { offload, upsertCdnUsage } from "../../../repositories/cdn-usage.ts";
import {
  deleteFeatureFlag,
  isFeatureEnabled,
  listFeatureFlags,
  upsertFeatureFlag,
  type FeatureFlag,
  type FlagTarget,
} from "../../../repositories/feature-flags.ts";
import { listFlagOverrides, type FlagOverride } from "../../../repositories/flag-overrides.ts";
import { listRateCards, type RateCardRow } from "../../../repositories/rate-cards.ts";
import {
  address,
  bytes32,
  epochNumber,
  epochText,
  errorResponse,
  errorResponses,
  int8String,
  signature,
  uint256String,
} from "../schemas.ts";
import {
  closeEpoch,
  createFlagOverride,
  createRateCard,
  MAX_BUDGET_MICRO_USD,
  recordBudget,
  setFounderStatus,
} from "../../../services/admin.ts";
import { actorOf, audited } from "./audited.ts";

const security = [{ apiKey: [] }];
/** A policy signature made elsewhere (the API's own policy key signs when it is absent), and what it signed. */
const policyFields = {
  policySignature: {
    ...signature,
    description: "the policy key's EIP-712 signature, made elsewhere; absent: the API's policy key signs",
  },
  issuedAt: { type: "integer", minimum: 0, maximum: 2 ** 40, description: "unix seconds the signature covers" },
} as const;
/** A feature flag's key (as `PUT` creates it), in a path. */
const flagKey = { type: "string", pattern: "^[a-z0-9][a-z0-9_.-]{0,63}$" } as const;
/** An API key's public id, in a path. */
const apiKeyId = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$" } as const;
/** A path or query-string schema: exactly these properties. */
const textParams = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: "object",
  required,
  additionalProperties: false,
  properties,
});

const rateCardSchema = {
  type: "object",
  properties: {
    version: { type: "integer" },
    effectiveEpoch: { type: "integer" },
    rateMicroUsdPerGb: { type: "string" },
    founderMultiplierBps: { type: "integer" },
    uptimeBonusBps: { type: "integer" },
    details: { type: "object", additionalProperties: true },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;
const apiKeySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    scopes: { type: "array", items: { type: "string" } },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    revokedAt: { type: ["string", "null"], format: "date-time" },
  },
} as const;
const flagSchema = {
  type: "object",
  properties: {
    key: { type: "string" },
    description: { type: "string" },
    enabled: { type: "boolean" },
    target: { enum: ["all", "founders", "listed"] },
    supporters: { type: "array", items: address },
    updatedAt: { type: "string", format: "date-time" },
  },
} as const;
const overrideSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    epoch: { type: "integer" },
    node: address,
    sessionId: { type: ["string", "null"] },
    reasonCode: { type: "string" },
    decision: { enum: ["include", "exclude"] },
    note: { type: "string" },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

const rateCardOut = (c: RateCardRow) => ({ ...c, rateMicroUsdPerGb: c.rateMicroUsdPerGb.toString() });
const overrideOut = (o: FlagOverride) => ({ ...o, id: o.id.toString() });
const apiKeyOut = (k: ApiKeyRow) => k;
const flagOut = (f: FeatureFlag) => f;

/**
 * Administration: every route needs an API key with the matching `admin:*` scope (or `*`),
 * and every change is written to `audit_log` in the same transaction as the change.
 */
export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  // ---- rate cards ----------------------------------------------------------------------
  app.post<{
    Body: {
      effectiveEpoch: number;
      rateMicroUsdPerGb: string;
      founderMultiplierBps: number;
      uptimeBonusBps: number;
      details?: Record<string, unknown>;
      policySignature?: string;
    };
  }>(
    "/v1/admin/rate-cards",
    {
      onRequest: app.requireScope("admin:rate-cards"),
      schema: {
        tags: ["admin"],
        summary:
          "Add the next rate-card version, effective from an epoch after every earlier card's and at least " +
          "LEDGER_RATE_CARD_NOTICE_EPOCHS (default 2) after the current one",
        security,
        body: {
          type: "object",
          required: ["effectiveEpoch", "rateMicroUsdPerGb", "founderMultiplierBps", "uptimeBonusBps"],
          additionalProperties: false,
          properties: {
            effectiveEpoch: epochNumber,
            rateMicroUsdPerGb: {
              type: "string",
              pattern: "^(0|[1-9][0-9]{0,17})$",
              description: "µUSD per GB, e.g. 50000 = $0.05/GB",
            },
            // ranges are core's (validateRateCard, the check the epoch close runs): 400 VALIDATION_FAILED
            founderMultiplierBps: { type: "integer", description: "10 000 (1×) … 100 000 (10×); 11 000 = 1.1×" },
            uptimeBonusBps: {
              type: "integer",
              description: "0 … 10 000: one tier from 95 % uptime, unless details.uptimeTiers lists them",
            },
            details: { type: "object", additionalProperties: true, maxProperties: 64 },
            policySignature: policyFields.policySignature,
          },
        },
        response: { 201: rateCardSchema, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const card = await createRateCard(app.db, actorOf(request), app.policyKey, {
        effectiveEpoch: b.effectiveEpoch,
        rateMicroUsdPerGb: BigInt(b.rateMicroUsdPerGb),
        founderMultiplierBps: b.founderMultiplierBps,
        uptimeBonusBps: b.uptimeBonusBps,
        details: b.details,
        currentEpoch: currentEpoch(app.coordinator.clock, app.coordinator.now()),
        noticeEpochs: app.rateCardNoticeEpochs,
        policySignature: b.policySignature,
      });
      return reply.status(201).send(rateCardOut(card));
    },
  );

  app.get(
    "/v1/admin/rate-cards",
    {
      onRequest: app.requireScope("admin:read"),
      schema: {
        tags: ["admin"],
        summary: "Every rate-card version",
        security,
        response: { 200: { type: "array", items: rateCardSchema }, ...errorResponses(true) },
      },
    },
    async () => (await listRateCards(app.db)).map(rateCardOut),
  );

  // ---- founder status ------------------------------------------------------------------
  app.put<{
    Params: { address: Address };
    Body: { founder: boolean; reason?: string; policySignature?: string; issuedAt?: number };
  }>(
    "/v1/admin/supporters/:address/founder",
    {
      onRequest: app.requireScope("admin:supporters"),
      schema: {
        tags: ["admin"],
        summary:
          "Set or clear a node's founder status from the current epoch on (a FounderStatus signed by the policy key; the multiplier follows the node)",
        security,
        params: textParams({ address }),
        body: {
          type: "object",
          required: ["founder"],
          additionalProperties: false,
          properties: {
            founder: { type: "boolean" },
            reason: { type: "string", maxLength: 2000 },
            ...policyFields,
          },
        },
        response: {
          200: { type: "object", properties: { node: address, founder: { type: "boolean" } } },
          404: errorResponse,
          ...errorResponses(true),
        },
      },
    },
    async (request) =>
      setFounderStatus(app.db, actorOf(request), app.policyKey, {
        ...request.body,
        node: request.params.address,
        currentEpoch: currentEpoch(app.coordinator.clock, app.coordinator.now()),
      }),
  );

  // ---- the epoch budget ------------------------------------------------------------------
  app.put<{ Body: { fromEpoch: number; budgetMicroUsd: string; policySignature?: string; issuedAt?: number } }>(
    "/v1/admin/budget",
    {
      onRequest: app.requireScope("admin:rate-cards"),
      schema: {
        tags: ["admin"],
        summary:
          "Set the funded budget of every epoch from fromEpoch on (an EpochBudget signed by the policy key); the oracle closes no epoch without one",
        security,
        body: {
          type: "object",
          required: ["fromEpoch", "budgetMicroUsd"],
          additionalProperties: false,
          properties: { fromEpoch: epochNumber, budgetMicroUsd: uint256String, ...policyFields },
        },
        response: {
          200: {
            type: "object",
            properties: { fromEpoch: { type: "string" }, budgetMicroUsd: { type: "string" }, signer: address },
          },
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const budget = BigInt(b.budgetMicroUsd);
      if (budget > MAX_BUDGET_MICRO_USD)
        throw new ApiError(400, "VALIDATION_FAILED", `budgetMicroUsd must be at most ${MAX_BUDGET_MICRO_USD} µUSD.`);
      const r = await recordBudget(app.db, actorOf(request), app.policyKey, { ...b, budgetMicroUsd: budget });
      return { fromEpoch: r.fromEpoch.toString(), budgetMicroUsd: r.budgetMicroUsd.toString(), signer: r.signer };
    },
  );

  // ---- closing an epoch ----------------------------------------------------------------
  app.post<{ Params: { epoch: string } }>(
    "/v1/admin/epochs/:epoch/close",
    {
      onRequest: app.requireScope("admin:epochs"),
      schema: {
        tags: ["admin"],
        summary:
          "Close an OPEN epoch whose window has ended, skipping the late-receipt grace (the oracle computes it next)",
        security,
        params: textParams({ epoch: epochText }),
        response: {
          200: {
            type: "object",
            properties: {
              epoch: { type: "integer" },
              status: { type: "string" },
              endsAt: { type: "string", format: "date-time" },
            },
          },
          404: errorResponse,
          409: errorResponse,
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const r = await closeEpoch(app.db, actorOf(request), {
        epoch: Number(request.params.epoch),
        now: new Date(app.coordinator.now()),
      });
      return { epoch: Number(r.epoch), status: r.status, endsAt: r.endsAt };
    },
  );

  // ---- flag overrides ------------------------------------------------------------------
  app.post<{
    Body: {
      epoch: number;
      node: Address;
      sessionId?: Hex;
      reasonCode: string;
      decision: "include" | "exclude";
      note: string;
      policySignature?: string;
      issuedAt?: number;
    };
  }>(
    "/v1/admin/flag-overrides",
    {
      onRequest: app.requireScope("admin:flags"),
      schema: {
        tags: ["admin"],
        summary: "Override a fraud flag of an epoch: include or exclude what a rule flagged",
        security,
        body: {
          type: "object",
          required: ["epoch", "node", "reasonCode", "decision", "note"],
          additionalProperties: false,
          properties: {
            epoch: epochNumber,
            node: address,
            sessionId: bytes32,
            reasonCode: { type: "string", pattern: "^[A-Z][A-Z0-9_]{1,63}$" },
            decision: { enum: ["include", "exclude"] },
            note: { type: "string", minLength: 1, maxLength: 2000 },
            ...policyFields,
          },
        },
        response: { 201: overrideSchema, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      const row = await createFlagOverride(app.db, actorOf(request), app.policyKey, request.body);
      return reply.status(201).send(overrideOut(row));
    },
  );

  app.get<{ Querystring: { epoch: string } }>(
    "/v1/admin/flag-overrides",
    {
      onRequest: app.requireScope("admin:read"),
      schema: {
        tags: ["admin"],
        summary: "Flag overrides of an epoch",
        security,
        querystring: textParams({ epoch: epochText }),
        response: { 200: { type: "array", items: overrideSchema }, ...errorResponses(true) },
      },
    },
    async (request) => (await listFlagOverrides(app.db, Number(request.query.epoch))).map(overrideOut),
  );

  // ---- API keys ------------------------------------------------------------------------
  app.post<{ Body: { name: string; scopes: string[] } }>(
    "/v1/admin/api-keys",
    {
      onRequest: app.requireScope("admin:api-keys"),
      schema: {
        tags: ["admin"],
        summary: "Create an API key (the secret is returned once, only its hash is stored)",
        security,
        body: {
          type: "object",
          required: ["name", "scopes"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            scopes: { type: "array", minItems: 1, uniqueItems: true, items: { enum: [...SCOPES] } },
          },
        },
        response: {
          201: { type: "object", properties: { ...apiKeySchema.properties, key: { type: "string" } } },
          ...errorResponses(true),
        },
      },
    },
    async (request, reply) => {
      // A key grants only what it holds itself: `admin:api-keys` alone mints `admin:api-keys` keys.
      const missing = scopesNotHeld(request.apiKey!.scopes, request.body.scopes);
      if (missing.length > 0)
        throw new ApiError(
          403,
          "FORBIDDEN",
          `This API key cannot grant scopes it does not hold (${missing.join(", ")}); ask a key that holds them.`,
        );
      const { id, key } = generateApiKey();
      const row = await audited(
        app,
        request,
        "api_key.create",
        (tx) =>
          insertApiKey(tx, {
            id,
            name: request.body.name,
            secretHash: hashApiKey(key),
            scopes: request.body.scopes,
            createdBy: request.apiKey!.id,
          }),
        (k) => ({ subject: k.id, details: { name: k.name, scopes: k.scopes } }),
      );
      return reply.status(201).send({ ...apiKeyOut(row), key });
    },
  );

  app.get(
    "/v1/admin/api-keys",
    {
      onRequest: app.requireScope("admin:api-keys"),
      schema: {
        tags: ["admin"],
        summary: "Every API key (never the secrets)",
        security,
        response: { 200: { type: "array", items: apiKeySchema }, ...errorResponses(true) },
      },
    },
    async () => (await listApiKeys(app.db)).map(apiKeyOut),
  );

  app.delete<{ Params: { id: string } }>(
    "/v1/admin/api-keys/:id",
    {
      onRequest: app.requireScope("admin:api-keys"),
      schema: {
        tags: ["admin"],
        summary: "Revoke an API key (effective on the next request)",
        security,
        params: textParams({ id: apiKeyId }),
        response: { 200: apiKeySchema, 404: errorResponse, ...errorResponses(true) },
      },
    },
    async (request) =>
      apiKeyOut(
        await audited(
          app,
          request,
          "api_key.revoke",
          async (tx) => {
            const row = await revokeApiKey(tx, request.params.id);
            if (!row) throw notFound(`API key ${request.params.id}`);
            return row;
          },
          (k) => ({ subject: k.id }),
        ),
      ),
  );

  // ---- feature flags -------------------------------------------------------------------
  app.put<{
    Params: { key: string };
    Body: { description?: string; enabled: boolean; target: FlagTarget; supporters?: Address[] };
  }>(
    "/v1/admin/feature-flags/:key",
    {
      onRequest: app.requireScope("admin:feature-flags"),
      schema: {
        tags: ["admin"],
        summary: "Create or update a feature flag, targeted to all, founders, or listed supporters",
        security,
        params: textParams({ key: flagKey }),
        body: {
          type: "object",
          required: ["enabled", "target"],
          additionalProperties: false,
          properties: {
            description: { type: "string", maxLength: 2000 },
            enabled: { type: "boolean" },
            target: { enum: ["all", "founders", "listed"] },
            supporters: { type: "array", maxItems: 10_000, items: address },
          },
        },
        response: { 200: flagSchema, ...errorResponses(true) },
      },
    },
    async (request) => {
      const b = request.body;
      if (b.target === "listed" && !(b.supporters && b.supporters.length > 0))
        throw new ApiError(400, "VALIDATION_FAILED", "target 'listed' needs a non-empty supporters list.");
      return flagOut(
        await audited(
          app,
          request,
          "feature_flag.set",
          (tx) =>
            upsertFeatureFlag(tx, {
              key: request.params.key,
              description: b.description ?? "",
              enabled: b.enabled,
              target: b.target,
              supporters: [...new Set((b.supporters ?? []).map((s) => s.toLowerCase() as Address))],
            }),
          (f) => ({ subject: f.key, details: { enabled: f.enabled, target: f.target, supporters: f.supporters } }),
        ),
      );
    },
  );

  app.get(
    "/v1/admin/feature-flags",
    {
      onRequest: app.requireScope("admin:read"),
      schema: {
        tags: ["admin"],
        summary: "Every feature flag",
        security,
        response: { 200: { type: "array", items: flagSchema }, ...errorResponses(true) },
      },
    },
    async () => (await listFeatureFlags(app.db)).map(flagOut),
  );

  app.delete<{ Params: { key: string } }>(
    "/v1/admin/feature-flags/:key",
    {
      onRequest: app.requireScope("admin:feature-flags"),
      schema: {
        tags: ["admin"],
        summary: "Delete a feature flag",
        security,
        params: textParams({ key: flagKey }),
        response: { 204: { type: "null" }, 404: errorResponse, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      await audited(
        app,
        request,
        "feature_flag.delete",
        async (tx) => {
          if (!(await deleteFeatureFlag(tx, request.params.key))) throw notFound(`Feature flag ${request.params.key}`);
        },
        () => ({ subject: request.params.key }),
      );
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { key: string; address: Address } }>(
    "/v1/feature-flags/:key/supporters/:address",
    {
      schema: {
        tags: ["ingest"],
        summary: "Whether a feature flag is on for a supporter",
        params: textParams({ key: flagKey, address }),
        response: {
          200: {
            type: "object",
            properties: { key: { type: "string" }, supporter: address, enabled: { type: "boolean" } },
          },
        },
      },
    },
    async (request) => ({
      key: request.params.key,
      supporter: request.params.address.toLowerCase(),
      enabled: await isFeatureEnabled(app.db, request.params.key, request.params.address.toLowerCase() as Address),
    }),
  );

  // ---- CDN usage -----------------------------------------------------------------------
  app.post<{ Body: { epoch: number; provider?: string; servedBytes: string } }>(
    "/v1/admin/cdn-usage",
    {
      onRequest: app.requireScope("admin:cdn-usage"),
      schema: {
        tags: ["admin"],
        summary: "Report the bytes the platform's CDN served in an epoch (replaces an earlier report)",
        security,
        body: {
          type: "object",
          required: ["epoch", "servedBytes"],
          additionalProperties: false,
          properties: {
            epoch: epochNumber,
            provider: { type: "string", pattern: "^[a-z0-9][a-z0-9_.-]{0,63}$" },
            servedBytes: uint256String,
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              epoch: { type: "integer" },
              provider: { type: "string" },
              servedBytes: { type: "string" },
              previousBytes: { type: ["string", "null"] },
            },
          },
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const { usage, previousBytes } = await audited(
        app,
        request,
        "cdn_usage.report",
        (tx) =>
          upsertCdnUsage(tx, {
            epoch: b.epoch,
            provider: b.provider ?? "default",
            servedBytes: BigInt(b.servedBytes),
            reportedBy: request.apiKey!.id,
          }),
        (r) => ({
          subject: `${r.usage.epoch}:${r.usage.provider}`,
          details: { servedBytes: r.usage.servedBytes, previousBytes: r.previousBytes },
        }),
      );
      return {
        epoch: usage.epoch,
        provider: usage.provider,
        servedBytes: usage.servedBytes.toString(),
        previousBytes: previousBytes?.toString() ?? null,
      };
    },
  );

  app.get<{ Params: { epoch: string } }>(
    "/v1/epochs/:epoch/offload",
    {
      schema: {
        tags: ["ingest"],
        summary: "Supporter bytes vs CDN bytes in an epoch (offload ratio in basis points)",
        params: textParams({ epoch: epochText }),
        response: {
          200: {
            type: "object",
            properties: {
              epoch: { type: "integer" },
              supporterBytes: { type: "string" },
              cdnBytes: { type: "string" },
              offloadBps: { type: ["string", "null"] },
            },
          },
        },
      },
    },
    async (request) => {
      const epoch = Number(request.params.epoch);
      const o = await offload(app.db, epoch);
      return {
        epoch,
        supporterBytes: o.supporterBytes.toString(),
        cdnBytes: o.cdnBytes.toString(),
        offloadBps: o.offloadBps?.toString() ?? null,
      };
    },
  );

  // ---- audit log -----------------------------------------------------------------------
  app.get<{ Querystring: { action?: string; limit?: string; before?: string } }>(
    "/v1/admin/audit-log",
    {
      onRequest: app.requireScope("admin:read"),
      schema: {
        tags: ["admin"],
        summary: "Audit log, newest first",
        security,
        querystring: textParams(
          {
            action: { type: "string", minLength: 1, maxLength: 64 },
            limit: {
              type: "string",
              pattern: "^([1-9][0-9]?|[1-4][0-9]{2}|500)$",
              description: "1 … 500, default 100",
            },
            before: { ...int8String, pattern: "^[1-9][0-9]{0,18}$", description: "an audit entry id: older ones" },
          },
          [],
        ),
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              properties: {
                id: { type: "string" },
                at: { type: "string", format: "date-time" },
                actor: { type: "string" },
                action: { type: "string" },
                subject: { type: ["string", "null"] },
                details: { type: "object", additionalProperties: true },
              },
            },
          },
          ...errorResponses(true),
        },
      },
    },
    async (request) =>
      (
        await listAudit(app.db, {
          action: request.query.action,
          limit: request.query.limit === undefined ? 100 : Number(request.query.limit),
          beforeId: request.query.before ? BigInt(request.query.before) : undefined,
        })
      ).map((r) => ({ ...r, id: r.id.toString() })),
  );
}
