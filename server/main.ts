import { connectDb } from "../db/connect.ts";
import { redactUrl } from "../db/errors.ts";
import { migrate } from "../db/migrate.ts";
import { buildApp } from "./app.ts";
import { loadApiConfig } from "./config.ts";

/**
 * Starts the API: validated config, database (PostgreSQL or embedded PGlite) with
 * migrations applied, HTTP server; closes cleanly on SIGINT/SIGTERM.
 */
export async function startApi(env: NodeJS.ProcessEnv = process.env) {
  const config = loadApiConfig(env);
  const db = await connectDb({ url: config.databaseUrl, dataDir: config.dataDir });
  const migrations = await migrate(db);
  const app = await buildApp({
    db,
    logger: { level: config.logLevel, redact: ["req.headers.authorization", 'req.headers["x-api-key"]'] },
    chainId: config.chainId,
    distributorAddress: config.distributorAddress,
    coordinatorPrivateKey: config.coordinatorPrivateKey,
    policyPrivateKey: config.policyPrivateKey,
    policyAddress: config.policyAddress,
    adminApiKey: config.adminApiKey,
    epochClock: { epochSeconds: config.epochSeconds, genesis: config.epochGenesis },
    epochGraceSeconds: config.epochGraceSeconds,
    rateLimitPerMinute: config.rateLimitPerMinute,
    corsOrigins: config.corsOrigins,
    verifyWorkers: config.verifyWorkers,
    dataDir: config.dataDir,
    dashboardChainRpcUrl: config.browserRpcUrl,
    dashboardStartBlock: config.startBlock,
    graphql: {
      redisUrl: config.redisUrl,
      responseCacheMiB: config.graphqlCacheMiB,
      accrual: { heartbeatSlotSeconds: BigInt(config.heartbeatSlotSeconds) },
    },
    rateCardNoticeEpochs: config.rateCardNoticeEpochs,
  });
  app.log.info(
    {
      db: db.kind,
      url: config.databaseUrl ? redactUrl(config.databaseUrl) : `pglite:${config.dataDir}/pglite`,
      applied: migrations.applied,
      chainId: config.chainId,
      distributor: config.distributorAddress,
      coordinator: app.coordinator.address,
      adminKey: config.adminApiKey ? "set" : "unset",
      redis: config.redisUrl ? "set" : "unset",
      graphqlCacheMiB: config.graphqlCacheMiB,
    },
    "database ready",
  );
  await app.listen({ host: config.host, port: config.port });
  const stop = async (signal: string) => {
    app.log.info({ signal }, "shutting down");
    await app.close();
    await db.close();
  };
  return { app, db, config, stop };
}

/** Runs the API until SIGINT/SIGTERM (`npm run api`, `ledger api`); one line on a start-up error. */
export async function runApiMain(): Promise<void> {
  try {
    const { stop, app } = await startApi();
    let stopping = false;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        stop(signal).then(
          () => process.exit(0),
          (err: unknown) => {
            app.log.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      });
    }
  } catch (err) {
    console.error(`ledger api: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  }
}

if (import.meta.main) await runApiMain();
