/**
 * `npm start`: the whole ledger on one laptop, on embedded defaults.
 *
 *   chain     Hardhat's in-process EVM served at http://127.0.0.1:8545 (journaled: resumes),
 *             MockUSD + RewardsDistributor deployed through Ignition on first start
 *   database  embedded PGlite in <data dir>/pglite (or DATABASE_URL)
 *   API       REST + GraphQL + dashboard at http://127.0.0.1:8080
 *   indexer   the distributor's events into the database
 *   oracle    closes short epochs, signs 2-of-3, proposes, finalizes
 *   guardian  the watchtower: recomputes each proposed root from its published dataset and
 *             vetoes it within the dispute window when it differs (dev account #0)
 *   network   simulated supporters and viewers sending signed receipts and heartbeats over
 *             HTTP, a few of them dishonest; some supporters claim after each finalized epoch
 *
 * Options (flags or env): --data-dir / LEDGER_DATA_DIR (default ./data), --port / PORT (8080),
 * --chain-port / LEDGER_CHAIN_PORT (8545), --epoch-seconds / LEDGER_EPOCH_SECONDS (30),
 * --dispute-seconds / LEDGER_DISPUTE_SECONDS (10), --supporters N (10), --no-simulate;
 * DATABASE_URL, REDIS_URL; LEDGER_GUARDIAN_PRIVATE_KEY (the watchtower's guardian key; default dev
 * account #0); LEDGER_RPC_URL + LEDGER_DISTRIBUTOR_ADDRESS (+ LEDGER_START_BLOCK)
 * to use a chain and deployment of your own instead of the dev chain; LEDGER_BROWSER_RPC_URL, the
 * chain's public RPC the dashboard calls directly from the browser to check proofs without
 * trusting the API (default: the dev chain's URL; none for a chain of your own unless set).
 */
import { mkdirSync } from "node:fs";
import pino from "pino";
import { ensureContractsBuilt, ensureWebBuilt } from "./lib/build.ts";
import { startChain } from "./lib/start/deployment.ts";
import { followProgress, startNetwork } from "./lib/start/network.ts";
import { startOracle } from "./lib/start/oracle.ts";
import { startDevRelayer } from "./lib/start/relayer.ts";
import { startOptions } from "./lib/start/options.ts";
import { startServices } from "./lib/start/services.ts";
import { openDevState } from "./lib/start/state.ts";

const options = startOptions(new URL(import.meta.url));
const { dataDir, disputeSeconds } = options;
mkdirSync(dataDir, { recursive: true });

const env = process.env;
const log = pino({ level: env.LOG_LEVEL ?? "warn" });
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const ownChain = !env.LEDGER_RPC_URL?.trim();
const store = openDevState({ dataDir, epochSeconds: options.epochSeconds, ownChain });
const { state } = store;

const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, "stop failed"));
  if (!state.distributor && ownChain) {
    store.forgetUndeployedStart(state.genesis);
    say("stopped before the contracts were deployed; the next start begins afresh");
  } else say("stopped; start again to resume from " + dataDir);
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  // 0. The contracts: a fresh clone compiles them once (about 40 s); current artifacts are kept.
  // Then the dashboard's bundle (web/dist/, from the artifacts' ABIs): the server only serves it.
  ensureContractsBuilt({ log: say });
  ensureWebBuilt({ log: say });

  // 1–2. The chain and the contracts (scripts/lib/start/deployment.ts).
  const chain = await startChain({ chainPort: options.chainPort, disputeSeconds, store, stops, say });
  const { rpcUrl, distributor } = chain;
  // 2b. The gasless-claim relayer (scripts/lib/start/relayer.ts), before the API: the dashboard
  // learns its URL from /dashboard/config.json.
  const relayerUrl = await startDevRelayer({ chain, apiPort: options.port, stops, say });
  // 3–5. The database, the API and the indexer (scripts/lib/start/services.ts).
  const services = await startServices({ chain, state, dataDir, port: options.port, relayerUrl, stops, say });
  const { apiUrl } = services;
  // 6. The oracle and the guardian's watchtower (scripts/lib/start/oracle.ts).
  await startOracle({ chain, services, state, dataDir, disputeSeconds, log, stops, say });
  // 7. The simulated network (scripts/lib/start/network.ts).
  const actors = await startNetwork({
    chain,
    apiUrl,
    store,
    supporterCount: options.supporterCount,
    simulate: !options.noSimulate,
    stops,
    say,
  });

  say(`API        ${apiUrl}`);
  say(`GraphQL    ${apiUrl}/graphql`);
  say(`dashboard  ${apiUrl}/dashboard/`);
  say(`API docs   ${apiUrl}/docs`);
  say(`chain RPC  ${rpcUrl}`);
  say(`relayer    ${relayerUrl} (gasless claims: POST /v1/claims)`);
  if (state.timelock)
    say(
      `governance ${state.timelock} (the distributor's admin): npx ledger governance list --rpc ${rpcUrl} --distributor ${distributor}`,
    );
  say(`epochs of ${state.epochSeconds} s, dispute window ${disputeSeconds} s; Ctrl-C to stop`);

  // 8. Progress: every transition once, claims after each finalized epoch.
  await followProgress({
    chain,
    services,
    actors,
    log,
    stops,
    say,
    cdnReportKey: options.noSimulate ? undefined : state.adminApiKey,
  });
} catch (err) {
  console.error(`ledger start: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  await shutdown(1);
}
