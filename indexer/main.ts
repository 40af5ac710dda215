/**
 * Runs the chain indexer as its own process: `node indexer/main.ts`.
 *
 *   LEDGER_RPC_URL                  JSON-RPC endpoint of the chain (required)
 *   LEDGER_DISTRIBUTOR_ADDRESS      the RewardsDistributor (required)
 *   LEDGER_INDEXER_START_BLOCK      the first deployment block: the timelock's, else the distributor's (default 0)
 *   LEDGER_TIMELOCK_ADDRESS         the timelock whose operations are indexed (default: the distributor's
 *                                   defaultAdmin() when it answers getMinDelay(); "none": no timelock)
 *   LEDGER_INDEXER_CONFIRMATIONS    blocks behind the head (default 2)
 *   LEDGER_INDEXER_FINALITY_DEPTH   a change this deep stops the indexer (default 64)
 *   LEDGER_INDEXER_BATCH_SIZE       blocks per eth_getLogs (default 1 000)
 *   LEDGER_INDEXER_POLL_MS          poll interval (default 2 000)
 *   DATABASE_URL, LEDGER_DATA_DIR   as for the API
 *   REDIS_URL                       publish live events to the API replicas' subscriptions
 *
 * Exits 1 on a fatal error (a reorg deeper than finality, a misconfiguration); RPC failures
 * are retried with backoff. Several processes may run: a range is committed only if the
 * checkpoint has not moved meanwhile.
 */
import pino from "pino";
import { createPublicClient, http, type Address } from "viem";
import { connectDb } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { createLedgerEvents } from "../events/ledger-events.ts";
import { IndexerConfigError } from "./errors.ts";
import { createIndexer } from "./sync.ts";

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new IndexerConfigError(`${name} must be a non-negative integer`);
  return Number(raw);
}

function timelockOption(raw: string | undefined): Address | null | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (value === "none") return null;
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new IndexerConfigError('LEDGER_TIMELOCK_ADDRESS must be a 0x-prefixed 20-byte address or "none"');
  return value as Address;
}

export async function startIndexer(env: NodeJS.ProcessEnv = process.env) {
  const log = pino({ level: env.LOG_LEVEL ?? "info", name: "indexer" });
  const rpcUrl = env.LEDGER_RPC_URL?.trim();
  const address = env.LEDGER_DISTRIBUTOR_ADDRESS?.trim();
  if (!rpcUrl) throw new IndexerConfigError("LEDGER_RPC_URL is required");
  if (!address || !/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new IndexerConfigError("LEDGER_DISTRIBUTOR_ADDRESS must be a 0x-prefixed 20-byte address");
  const db = await connectDb({ url: env.DATABASE_URL, dataDir: env.LEDGER_DATA_DIR });
  await migrate(db);
  const events = await createLedgerEvents({ redisUrl: env.REDIS_URL?.trim() || undefined, log });
  const indexer = await createIndexer({
    db,
    client: createPublicClient({ transport: http(rpcUrl) }),
    address: address as Address,
    timelock: timelockOption(env.LEDGER_TIMELOCK_ADDRESS),
    startBlock: BigInt(env.LEDGER_INDEXER_START_BLOCK?.trim() || "0"),
    confirmations: intEnv(env, "LEDGER_INDEXER_CONFIRMATIONS", 2),
    finalityDepth: intEnv(env, "LEDGER_INDEXER_FINALITY_DEPTH", 64),
    batchSize: intEnv(env, "LEDGER_INDEXER_BATCH_SIZE", 1_000),
    pollIntervalMs: intEnv(env, "LEDGER_INDEXER_POLL_MS", 2_000),
    logger: log,
  });
  log.info(
    { chainId: indexer.chainId, contract: address, timelock: indexer.timelock ?? null, redis: Boolean(env.REDIS_URL) },
    "indexer started",
  );
  indexer.start((step) => events.publishStep(step));
  const stop = async () => {
    await indexer.stop();
    await events.close();
    await db.close();
  };
  return { indexer, stop, log };
}

if (import.meta.main) {
  try {
    const { indexer, stop, log } = await startIndexer();
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => void stop().then(() => process.exit(0)));
    await indexer.done.catch(async (err: unknown) => {
      log.fatal({ err }, "indexer stopped");
      await stop();
      process.exit(1);
    });
  } catch (err) {
    console.error(`ledger indexer: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  }
}
