import { randomBytes } from "node:crypto";
import { policyKeyOf, type PolicyKey } from "../coordinator/services/policy.ts";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Address } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import type { VerifyPool } from "../core/verify-pool.ts";
import type { Db } from "../db/types.ts";
import { DEV_DISTRIBUTOR_ADDRESS } from "./config.ts";
import { adminResolvers } from "../coordinator/graphql/admin-resolvers.ts";
import { rulesResolvers } from "../coordinator/graphql/rules-resolvers.ts";
import graphql, { type GraphqlOptions } from "../read-api/graphql/plugin.ts";
import { BOOTSTRAP_KEY_ID, hashApiKey } from "../http/api-keys.ts";
import type { EpochClock } from "../core/epoch-clock.ts";
import auth from "../http/plugins/auth.ts";
import coordinator from "../coordinator/plugin.ts";
import dependencies from "../http/plugins/dependencies.ts";
import errorHandler, { frameworkErrors } from "../http/plugins/error-handler.ts";
import jsonBody from "../http/plugins/json-body.ts";
import metrics from "./plugins/metrics.ts";
import security from "../http/plugins/security.ts";
import swagger from "../http/plugins/swagger.ts";
import web from "../read-api/web.ts";
import { upsertBootstrapKey } from "../http/repositories/api-keys.ts";
import { DEFAULT_RATE_CARD_NOTICE_EPOCHS } from "../coordinator/services/admin.ts";
import { insertAudit } from "../coordinator/repositories/audit.ts";
import healthRoutes from "./health.ts";
import adminRoutes from "../coordinator/routes/admin/index.ts";
import datasetRoutes from "../read-api/routes/datasets.ts";
import { WIRE_FORMATS } from "../http/schemas.ts";
import ingestRoutes from "../coordinator/routes/ingest.ts";
import sessionRoutes from "../coordinator/routes/sessions.ts";
import supporterRoutes from "../coordinator/routes/supporters.ts";

export type BuildAppOptions = {
  db: Db;
  /** Fastify's logger option: `false` in tests, pino options in production. */
  logger?: FastifyServerOptions["logger"];
  /** EIP-712 domain: chain id (default 31337) and RewardsDistributor address. */
  chainId?: number;
  distributorAddress?: Address;
  /** Signs session grants; unset: a throw-away key (development and tests). */
  coordinatorPrivateKey?: Hex | undefined;
  /** Signs the admin's policy inputs (coordinator/services/policy.ts); unset: `policyAddress` or a throw-away key. */
  policyPrivateKey?: Hex | undefined;
  /** The policy key's address when the key lives elsewhere (admins submit signatures). */
  policyAddress?: Address | undefined;
  /** Bootstrap admin key (scope `*`), stored hashed. */
  adminApiKey?: string | undefined;
  /** Epoch length and start; default one day from the unix epoch. */
  epochClock?: EpochClock;
  /** Per API key or IP; default 1 200 per minute. */
  rateLimitPerMinute?: number;
  corsOrigins?: string[];
  /** A shared verify pool (the caller closes it); unset: the app starts its own. */
  verifyPool?: VerifyPool;
  verifyWorkers?: number | undefined;
  maxClockSkewSeconds?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** JSON-RPC URL the dashboard reads the chain through when the browser has no wallet. */
  dashboardRpcUrl?: string | undefined;
  /**
   * `LEDGER_BROWSER_RPC_URL`: the chain's public JSON-RPC URL that the dashboard calls directly
   * from the browser (`WebOptions.chainRpcUrl`), so its receipt and payout checks trust no server.
   */
  dashboardChainRpcUrl?: string | undefined;
  /** The gasless-claim relayer's URL, for the dashboard's "Claim without gas" (`WebOptions.relayerUrl`). */
  dashboardRelayerUrl?: string | undefined;
  /** The distributor's deployment block (the dashboard's log scans start there). */
  dashboardStartBlock?: bigint | undefined;
  /** GraphQL at /graphql (GraphiQL, Redis for subscriptions across replicas, limits). */
  graphql?: GraphqlOptions;
  /** `LEDGER_DATA_DIR`: epoch datasets are served from `<dataDir>/datasets/`; default "data". */
  dataDir?: string;
  /** `LEDGER_RATE_CARD_NOTICE_EPOCHS`: a new rate card takes effect this many epochs after the current one at the earliest (default 2). */
  rateCardNoticeEpochs?: number;
  /**
   * The oracle's late-receipt grace (`LEDGER_EPOCH_GRACE_SECONDS`, the same value the oracle of this
   * deployment is given), stated by `Query.ledgerRules`; unset: the API does not state it.
   */
  epochGraceSeconds?: number;
};

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
    /** The policy key that signs admin inputs (or the address submitted signatures must recover to). */
    policyKey: PolicyKey;
    /** Epochs of notice a new rate card needs (`BuildAppOptions.rateCardNoticeEpochs`). */
    rateCardNoticeEpochs: number;
    /** The oracle's late-receipt grace in seconds (`BuildAppOptions.epochGraceSeconds`), or null. */
    epochGraceSeconds: number | null;
  }
}

/**
 * Builds the API (not listening), in fastify/demo's order: external plugins (security:
 * helmet, CORS, rate limit; swagger), then app plugins (metrics, auth, coordinator), then
 * routes. The caller owns `db` and closes it after `app.close()`.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    requestIdHeader: "x-request-id",
    bodyLimit: 1_048_576,
    frameworkErrors,
    // Validation checks what was sent, as sent (issue 14): no type coercion ("0x10", "0100",
    // true or ["0x…"] are not what a schema asks for), no silent removal of unknown fields
    // (`additionalProperties: false` answers 400), defaults filled in. One Ajv for every route.
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: true,
        allErrors: false,
        formats: WIRE_FORMATS,
        // JSON-RPC ids are integer, string or null (the dashboard's RPC proxy): a union, on purpose.
        allowUnionTypes: true,
      },
    },
    // Keys and signatures never appear in logs: fastify logs only method, url, status, ids.
  });
  app.decorate("db", options.db);
  const domain = {
    chainId: options.chainId ?? 31_337,
    verifyingContract: (options.distributorAddress ?? DEV_DISTRIBUTOR_ADDRESS).toLowerCase() as Address,
  };
  app.decorate(
    "policyKey",
    policyKeyOf(
      domain,
      options.policyPrivateKey ?? (options.policyAddress ? undefined : `0x${randomBytes(32).toString("hex")}`),
      options.policyAddress,
    ),
  );
  app.decorate("rateCardNoticeEpochs", options.rateCardNoticeEpochs ?? DEFAULT_RATE_CARD_NOTICE_EPOCHS);
  app.decorate("epochGraceSeconds", options.epochGraceSeconds ?? null);
  const rateLimitPerMinute = options.rateLimitPerMinute ?? 1_200;

  await app.register(errorHandler);
  await app.register(jsonBody);
  await app.register(security, {
    rateLimitPerMinute,
    corsOrigins: options.corsOrigins ?? [],
    connectOrigins: [options.dashboardChainRpcUrl, options.dashboardRelayerUrl].flatMap((u) =>
      u ? [new URL(u).origin] : [],
    ),
  });
  await app.register(swagger);
  await app.register(dependencies, { rpcUrl: options.dashboardRpcUrl });
  await app.register(metrics);
  await app.register(auth, { perKeyPerMinute: rateLimitPerMinute });
  await app.register(coordinator, {
    domain,
    clock: options.epochClock ?? { epochSeconds: 86_400, genesis: 0 },
    privateKey: options.coordinatorPrivateKey,
    pool: options.verifyPool,
    verifyWorkers: options.verifyWorkers,
    maxClockSkewSeconds: options.maxClockSkewSeconds,
    now: options.now,
  });

  await app.register(healthRoutes);
  await app.register(supporterRoutes);
  await app.register(sessionRoutes);
  await app.register(ingestRoutes);
  await app.register(adminRoutes);
  await app.register(datasetRoutes, { dataDir: options.dataDir ?? "data" });

  // GraphQL (issue 7): yoga at /graphql, subscriptions over SSE and WebSocket.
  await app.register(graphql, {
    dataDir: options.dataDir ?? "data",
    resolvers: [adminResolvers, rulesResolvers],
    ...options.graphql,
    accrual: {
      clock: options.epochClock ?? { epochSeconds: 86_400, genesis: 0 },
      now: options.now,
      ...options.graphql?.accrual,
    },
  });
  // Ingest's accepted bytes onto the live bus (every replica's accrual service hears them).
  app.coordinator.bytesAccepted.listen((e) =>
    app.ledgerEvents.pubsub.publish("bytesAccepted", { epoch: e.epoch.toString(), nodes: e.nodes }),
  );
  // The dashboard (issue 9): web/ at /dashboard/.
  await app.register(web, {
    chainId: options.chainId ?? 31_337,
    distributorAddress: options.distributorAddress ?? DEV_DISTRIBUTOR_ADDRESS,
    rpcUrl: options.dashboardRpcUrl,
    chainRpcUrl: options.dashboardChainRpcUrl,
    relayerUrl: options.dashboardRelayerUrl,
    startBlock: options.dashboardStartBlock,
  });

  if (options.adminApiKey) await bootstrapAdminKey(options.db, options.adminApiKey);
  return app;
}

/** Stores the bootstrap admin key (hashed) and audits when it was created or changed. */
async function bootstrapAdminKey(db: Db, key: string): Promise<void> {
  await db.transaction(async (tx) => {
    const changed = await upsertBootstrapKey(tx, {
      id: BOOTSTRAP_KEY_ID,
      name: "LEDGER_ADMIN_API_KEY",
      secretHash: hashApiKey(key),
      scopes: ["*"],
    });
    if (changed) await insertAudit(tx, { actor: "env", action: "api_key.bootstrap", subject: BOOTSTRAP_KEY_ID });
  });
}
