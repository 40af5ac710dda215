/**
 * `npm start`'s database, API and indexer: takes the chain, the options and the data directory's
 * state and hands on the migrated database and the listening API (with the first start's signed
 * budget recorded), the indexer feeding it; each one's stop goes onto `stops`.
 */
import path from "node:path";
import type { Hex } from "viem";
import { budgetRecorded, recordBudget } from "../../../coordinator/services/admin.ts";
import { buildApp } from "../../../server/app.ts";
import { graphqlCacheMiBOf } from "../../../server/config.ts";
import { createIndexer } from "../../../indexer/sync.ts";
import { connectDb } from "../../../db/connect.ts";
import { redactUrl } from "../../../db/errors.ts";
import { migrate } from "../../../db/migrate.ts";
import type { StartChain } from "./deployment.ts";
import { DEV_GRACE_SECONDS, devKey, type DevState, type StartStep } from "./state.ts";

/** The uptime slot of `npm start`'s oracle (scripts/lib/start/oracle.ts) and live accrual. */
export const START_HEARTBEAT_SLOT_SECONDS = 5n;

export type StartServices = {
  db: Awaited<ReturnType<typeof connectDb>>;
  app: Awaited<ReturnType<typeof buildApp>>;
  apiUrl: string;
};

/** Steps 3 to 5 of `npm start`. */
export async function startServices(
  o: StartStep & {
    chain: StartChain;
    state: DevState;
    dataDir: string;
    port: number;
    /** The relayer step 2b started: the dashboard's "Claim without gas" posts there. */
    relayerUrl?: string;
  },
): Promise<StartServices> {
  const env = process.env;
  const { state, dataDir, stops, say } = o;
  const { chain, rpcUrl, chainId, distributor, publicClient } = o.chain;
  // 3. The database.
  const db = await connectDb({ url: env.DATABASE_URL, dataDir });
  stops.push(() => db.close());
  await migrate(db);
  say(`database ${env.DATABASE_URL ? redactUrl(env.DATABASE_URL) : `pglite:${path.join(dataDir, "pglite")}`}`);

  // 4. The API.
  const browserRpcUrl = env.LEDGER_BROWSER_RPC_URL?.trim() || (chain ? rpcUrl : undefined);
  if (browserRpcUrl && !/^https?:$/.test(URL.parse(browserRpcUrl)?.protocol ?? ""))
    throw new Error(`LEDGER_BROWSER_RPC_URL "${browserRpcUrl}" is not a URL: set it to the chain's public RPC URL`);
  const epochClock = { epochSeconds: state.epochSeconds, genesis: state.genesis };
  const app = await buildApp({
    db,
    logger: { level: env.LOG_LEVEL ?? "warn", redact: ["req.headers.authorization", 'req.headers["x-api-key"]'] },
    chainId,
    distributorAddress: distributor,
    coordinatorPrivateKey: state.coordinatorKey,
    // Hardhat's account #8 holds POLICY_ROLE on the dev deployment (ignition/modules/DevRewardsDistributor.ts)
    policyPrivateKey: (env.LEDGER_POLICY_PRIVATE_KEY as Hex | undefined) ?? devKey(8),
    adminApiKey: state.adminApiKey,
    epochClock,
    epochGraceSeconds: DEV_GRACE_SECONDS,
    rateLimitPerMinute: 100_000,
    graphql: {
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
      responseCacheMiB: graphqlCacheMiBOf(env),
      // the oracle's uptime slot (scripts/lib/start/oracle.ts), for the live accrual
      accrual: { heartbeatSlotSeconds: START_HEARTBEAT_SLOT_SECONDS },
    },
    dashboardRpcUrl: rpcUrl,
    dashboardChainRpcUrl: browserRpcUrl,
    dashboardRelayerUrl: o.relayerUrl,
    dashboardStartBlock: BigInt(state.startBlock ?? "0"),
    dataDir,
  });
  const apiUrl = await app.listen({ host: env.HOST ?? "127.0.0.1", port: o.port });
  stops.push(() => app.close());
  // The oracle closes no epoch without a signed budget: the dev policy key records one at the first start.
  if (!(await budgetRecorded(db))) {
    const raw = env.LEDGER_EPOCH_BUDGET_MICRO_USD ?? "1000000000";
    if (!/^\d{1,18}$/.test(raw))
      throw new Error(`LEDGER_EPOCH_BUDGET_MICRO_USD must be a whole number of µUSD (got ${JSON.stringify(raw)}).`);
    const budget = BigInt(raw);
    await recordBudget(db, { apiKeyId: "npm-start", requestId: "start" }, app.policyKey, {
      fromEpoch: 0,
      budgetMicroUsd: budget,
    });
    say(`budget ${budget} µUSD per epoch, signed by the dev policy key ${app.policyKey.address}`);
  }

  // 5. The indexer.
  const indexer = await createIndexer({
    db,
    client: publicClient,
    address: distributor,
    startBlock: BigInt(state.startBlock ?? "0"),
    confirmations: 0,
    pollIntervalMs: 1_000,
  });
  indexer.start((step) => app.ledgerEvents.publishStep(step));
  stops.push(() => indexer.stop());
  return { db, app, apiUrl };
}
