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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pino from "pino";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { budgetRecorded, recordBudget } from "../coordinator/services/admin.ts";
import { buildApp } from "../server/app.ts";
import { graphqlCacheMiBOf } from "../server/config.ts";
import { createIndexer } from "../indexer/sync.ts";
import type { RewardsDomain } from "../core/eip712/domain.ts";
import { formatUsd } from "../core/units.ts";
import { connectDb } from "../db/connect.ts";
import { redactUrl } from "../db/errors.ts";
import { migrate } from "../db/migrate.ts";
import { checkDeployment, type OracleChain } from "../oracle/chain.ts";
import { distributorAbi } from "../chain/abi.ts";
import { createLeadership } from "../oracle/leader.ts";
import { proofFor } from "../oracle/proofs.ts";
import { listEpochs } from "../oracle/repositories/epochs.ts";
import { runDaemon } from "../oracle/daemon.ts";
import type { OracleContext } from "../oracle/run-epoch.ts";
import { ensureContractsBuilt, ensureWebBuilt } from "./lib/build.ts";
import { startDevChain, type DevChain } from "./lib/dev-chain.ts";
import { createSimulator, makeActors, type Actor } from "./lib/simulator.ts";
import { createWatchtower } from "./lib/watchtower.ts";
import { createVerifyPool } from "../core/verify-pool.ts";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (index: number): Hex => {
  const hd = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey();
  return `0x${Buffer.from(hd.privateKey!).toString("hex")}`;
};

/** What a data directory remembers between runs. */
type DevState = {
  genesis: number;
  epochSeconds: number;
  coordinatorKey: Hex;
  adminApiKey: string;
  platformApiKey?: string;
  distributor?: Address;
  /** The distributor's default admin (a RewardsTimelock in the dev deployment): `ledger governance` talks to it. */
  timelock?: Address;
  token?: Address;
  startBlock?: string;
  actors?: (Omit<Actor, "behaviour"> & { behaviour: Actor["behaviour"] })[];
};

const { values: flags } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    port: { type: "string" },
    "chain-port": { type: "string" },
    "epoch-seconds": { type: "string" },
    "dispute-seconds": { type: "string" },
    supporters: { type: "string" },
    "no-simulate": { type: "boolean" },
    help: { type: "boolean" },
  },
  strict: true,
  // `ledger start …` passes its own subcommand name through.
  allowPositionals: true,
});
if (flags.help) {
  console.log(
    readFileSync(new URL(import.meta.url), "utf8")
      .split("*/")[0]!
      .replace(/^\/\*\*|^ \* ?/gm, ""),
  );
  process.exit(0);
}

const int = (raw: string | undefined, name: string, fallback: number, min: number, max: number) => {
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`ledger start: ${name} must be an integer in ${min}…${max}`);
    process.exit(2);
  }
  return v;
};

const env = process.env;
const dataDir = path.resolve(flags["data-dir"] ?? env.LEDGER_DATA_DIR ?? "data");
const port = int(flags.port ?? env.PORT, "--port", 8080, 0, 65_535);
const chainPort = int(flags["chain-port"] ?? env.LEDGER_CHAIN_PORT, "--chain-port", 8545, 0, 65_535);
const epochSeconds = int(flags["epoch-seconds"] ?? env.LEDGER_EPOCH_SECONDS, "--epoch-seconds", 30, 5, 86_400);
const disputeSeconds = int(
  flags["dispute-seconds"] ?? env.LEDGER_DISPUTE_SECONDS,
  "--dispute-seconds",
  10,
  1,
  7 * 86_400,
);
const supporterCount = int(flags.supporters, "--supporters", 10, 4, 1_000);
mkdirSync(dataDir, { recursive: true });

const log = pino({ level: env.LOG_LEVEL ?? "warn" });
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const stateFile = path.join(dataDir, "dev.json");
const journalFile = path.join(dataDir, "chain-journal.ndjson");
const ownChain = !env.LEDGER_RPC_URL?.trim();
const freshState = (): DevState => ({
  genesis: Math.floor(Date.now() / 1000),
  epochSeconds,
  coordinatorKey: `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`,
  adminApiKey: `ledger_admin_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex")}`,
});
/**
 * What a start that never deployed left behind (a dev.json without a distributor, a chain
 * journal, Ignition's half-written record) is of no use to the next start and would put its
 * clocks in the past: removed, so the next start begins as the first one would.
 */
const forgetUndeployedStart = (genesis: number) => {
  rmSync(stateFile, { force: true });
  rmSync(journalFile, { force: true });
  rmSync(fileURLToPath(new URL(`../ignition/deployments/ledger-dev-${genesis}`, import.meta.url)), {
    recursive: true,
    force: true,
  });
};
let loaded = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as DevState) : undefined;
if (loaded && !loaded.distributor && ownChain && !env.LEDGER_DISTRIBUTOR_ADDRESS) {
  forgetUndeployedStart(loaded.genesis);
  loaded = undefined;
}
const state: DevState = loaded ?? freshState();
const saveState = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
saveState();

const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, "stop failed"));
  if (!state.distributor && ownChain) {
    forgetUndeployedStart(state.genesis);
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

  // 1. The chain.
  let rpcUrl = env.LEDGER_RPC_URL?.trim();
  let chain: DevChain | undefined;
  if (!rpcUrl) {
    chain = await startDevChain({ port: chainPort, journalFile, log: say });
    stops.push(() => chain!.close());
    rpcUrl = chain.url;
  }
  const publicClient = createPublicClient({ transport: http(rpcUrl, { retryCount: 3 }), pollingInterval: 250 });
  const chainId = await publicClient.getChainId().catch(() => {
    throw new Error(`cannot reach the chain at ${rpcUrl}`);
  });

  // 2. The contracts: Ignition on first start of the dev chain, or the given deployment.
  if (env.LEDGER_DISTRIBUTOR_ADDRESS) {
    state.distributor = env.LEDGER_DISTRIBUTOR_ADDRESS.toLowerCase() as Address;
    state.startBlock = env.LEDGER_START_BLOCK ?? "0";
  } else if (!state.distributor || (await publicClient.getCode({ address: state.distributor })) === undefined) {
    if (!chain)
      throw new Error(
        "set LEDGER_DISTRIBUTOR_ADDRESS for an external chain (deploy with `npx hardhat ignition deploy`)",
      );
    say("deploying MockUSD and RewardsDistributor with Ignition…");
    const { network } = await import("hardhat");
    const connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
    const { default: DevModule } = await import("../ignition/modules/DevRewardsDistributor.ts");
    const startBlock = await publicClient.getBlockNumber();
    // A deployment id of this data directory's own: Ignition records http deployments under
    // ignition/deployments/<id> and would otherwise "reuse" another chain's record.
    const deployed = (await connection.ignition.deploy(DevModule, {
      deploymentId: `ledger-dev-${state.genesis}`,
      displayUi: false,
      parameters: { DevRewardsDistributor: { disputeWindowSeconds: disputeSeconds, threshold: 2 } },
    })) as unknown as { usd: { address: Address }; distributor: { address: Address } };
    await connection.close();
    state.distributor = deployed.distributor.address.toLowerCase() as Address;
    state.token = deployed.usd.address.toLowerCase() as Address;
    state.startBlock = startBlock.toString();
    saveState();
  }
  const distributor = state.distributor;
  const domain: RewardsDomain = { chainId, verifyingContract: distributor };
  // The admin is read from the chain, the source of truth (an external deployment's too).
  const admin = await publicClient
    .readContract({ address: distributor, abi: distributorAbi(), functionName: "defaultAdmin" })
    .catch(() => undefined);
  if (admin && admin.toLowerCase() !== state.timelock) {
    state.timelock = admin.toLowerCase() as Address;
    saveState();
  }
  say(`chain ${rpcUrl} (chain id ${chainId}), RewardsDistributor ${distributor}`);

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
    rateLimitPerMinute: 100_000,
    graphql: {
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
      responseCacheMiB: graphqlCacheMiBOf(env),
    },
    dashboardRpcUrl: rpcUrl,
    dashboardChainRpcUrl: browserRpcUrl,
    dashboardStartBlock: BigInt(state.startBlock ?? "0"),
    dataDir,
  });
  const apiUrl = await app.listen({ host: env.HOST ?? "127.0.0.1", port });
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

  // 6. The oracle (dev keys: Hardhat's well-known accounts; never use them on a real network).
  const proposerKey = (env.LEDGER_ORACLE_PROPOSER_PRIVATE_KEY as Hex | undefined) ?? devKey(0);
  const signerKeys = [devKey(5), devKey(6)];
  const walletClient = createWalletClient({ account: privateKeyToAccount(proposerKey), transport: http(rpcUrl) });
  const oracleChain: OracleChain = {
    publicClient: publicClient,
    walletClient: walletClient,
    distributor,
    confirmations: 1,
    // the distributor's deployment block: the oracle's event-log scans never look below it
    logFromBlock: BigInt(state.startBlock ?? "0"),
  };
  await checkDeployment(oracleChain, chainId);
  const ctx: OracleContext = {
    db,
    chain: oracleChain,
    log: log.child({ service: "oracle" }),
    config: {
      chainId,
      distributor,
      coordinator: privateKeyToAccount(state.coordinatorKey).address.toLowerCase() as Address,
      graceSeconds: 2,
      heartbeatSlotSeconds: 5n,
      budgetMicroUsd: 1_000_000_000n,
      dataDir,
      signerKeys,
      allowVetoedRoot: false,
    },
  };
  const controller = new AbortController();
  const leadership = createLeadership({ databaseUrl: env.DATABASE_URL });
  const daemon = runDaemon(ctx, { leadership, pollMs: 1_000, signal: controller.signal });
  daemon.catch((err: unknown) => {
    say(`oracle stopped: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  });
  stops.push(async () => {
    controller.abort();
    await daemon.catch(() => {});
    await leadership.release();
  });

  // 6b. The guardian's watchtower: account #0 holds GUARDIAN_ROLE on the dev deployment
  // (ignition/modules/DevRewardsDistributor.ts); LEDGER_GUARDIAN_PRIVATE_KEY names another guardian.
  const guardian = privateKeyToAccount((env.LEDGER_GUARDIAN_PRIVATE_KEY as Hex | undefined) ?? devKey(0));
  const guardianRole = await publicClient.readContract({
    address: distributor,
    abi: distributorAbi(),
    functionName: "GUARDIAN_ROLE",
  });
  if (
    await publicClient.readContract({
      address: distributor,
      abi: distributorAbi(),
      functionName: "hasRole",
      args: [guardianRole, guardian.address],
    })
  ) {
    const watchPool = createVerifyPool({ size: 1 });
    const tower = createWatchtower({
      publicClient,
      walletClient: createWalletClient({ account: guardian, transport: http(rpcUrl) }),
      distributor,
      api: apiUrl,
      fromBlock: BigInt(state.startBlock ?? "0"),
      pool: watchPool,
      log: say,
    });
    const towerStop = new AbortController();
    const towerRun = tower.run({ signal: towerStop.signal });
    stops.push(async () => {
      towerStop.abort();
      await towerRun.catch(() => {});
      await watchPool.close();
    });
    say(
      `watchtower guardian ${guardian.address}: recomputes every proposed root from its published dataset, vetoes within the ${disputeSeconds} s window when it differs`,
    );
  } else
    say(
      `watchtower off: ${guardian.address} lacks GUARDIAN_ROLE (set LEDGER_GUARDIAN_PRIVATE_KEY to a guardian's key)`,
    );

  // 7. The simulated network.
  if (!state.platformApiKey) {
    const res = await fetch(`${apiUrl}/v1/admin/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${state.adminApiKey}` },
      body: JSON.stringify({ name: "dev streaming platform", scopes: ["sessions:write"] }),
    });
    state.platformApiKey = ((await res.json()) as { key: string }).key;
    saveState();
  }
  if (!state.actors) {
    state.actors = makeActors(supporterCount);
    saveState();
  }
  const actors = state.actors;
  let simulator: ReturnType<typeof createSimulator> | undefined;
  if (!flags["no-simulate"]) {
    simulator = createSimulator({ apiUrl, domain, platformKey: state.platformApiKey, actors, log: say });
    const current = () => BigInt(Math.floor((Date.now() / 1000 - state.genesis) / state.epochSeconds));
    await simulator.start(current);
    stops.push(() => simulator!.stop());
    const founder = actors.find((a) => a.founder);
    if (founder)
      await fetch(`${apiUrl}/v1/admin/supporters/${founder.node}/founder`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${state.adminApiKey}` },
        body: JSON.stringify({ founder: true }),
      });
  }

  say(`API        ${apiUrl}`);
  say(`GraphQL    ${apiUrl}/graphql`);
  say(`dashboard  ${apiUrl}/dashboard/`);
  say(`API docs   ${apiUrl}/docs`);
  say(`chain RPC  ${rpcUrl}`);
  if (state.timelock)
    say(
      `governance ${state.timelock} (the distributor's admin): npx ledger governance list --rpc ${rpcUrl} --distributor ${distributor}`,
    );
  say(`epochs of ${state.epochSeconds} s, dispute window ${disputeSeconds} s; Ctrl-C to stop`);

  // 8. Progress: every transition once, claims after each finalized epoch.
  // A restart announces only what is new: the epochs already in the database are remembered
  // as seen (and their claims as done), and summed up in one line.
  const seen = new Map<bigint, string>();
  const earlier = await listEpochs(db, 20);
  for (const row of earlier) seen.set(row.epoch, row.status);
  const lastFinalized = earlier.find((row) => row.status === "FINALIZED");
  if (earlier.length > 0)
    say(
      `resuming: ${earlier.length} epoch windows already recorded${lastFinalized ? `, epoch ${lastFinalized.chainEpoch ?? lastFinalized.epoch} finalized last` : ""}`,
    );
  const abi = distributorAbi();
  const claimer = createWalletClient({ account: privateKeyToAccount(devKey(1)), transport: http(rpcUrl) });
  const progress = async () => {
    for (const row of (await listEpochs(db, 20)).reverse()) {
      if (seen.get(row.epoch) === row.status) continue;
      seen.set(row.epoch, row.status);
      const n = row.chainEpoch ?? row.epoch;
      if (row.status === "COMPUTED")
        say(
          `epoch ${n} computed: ${row.supporters ?? 0} supporters, payout $${formatUsd(row.payoutMicroUsd ?? 0n)}, root ${row.root}`,
        );
      else if (row.status === "POSTED")
        say(
          `epoch ${n} posted (tx ${row.proposeTx}), disputable until ${new Date(Number(row.validAt ?? 0n) * 1000).toISOString().slice(11, 19)}`,
        );
      else if (row.status === "FINALIZED") {
        say(`epoch ${n} finalized`);
        // Two supporters claim what they are owed (anyone may claim on an account's behalf).
        for (const a of actors.filter((x) => x.behaviour === "honest").slice(0, 2)) {
          const p = await proofFor(db, row.epoch, a.payout);
          if (!p) continue;
          try {
            // Nothing to send when everything this root entitles is already claimed.
            const claimed = await publicClient.readContract({
              address: distributor,
              abi,
              functionName: "claimed",
              args: [a.payout],
            });
            if (claimed >= p.cumulativeMicroUsd) continue;
            const hash = await claimer.writeContract({
              address: distributor,
              abi,
              functionName: "claim",
              args: [a.payout, p.cumulativeMicroUsd, p.proof],
              chain: null,
            });
            await publicClient.waitForTransactionReceipt({ hash });
            say(`  ${a.name} claimed up to $${formatUsd(p.cumulativeMicroUsd)} (tx ${hash})`);
          } catch (err) {
            // A newer root finalized meanwhile, or another claimer was first: not worth a line.
            const reverted =
              err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
            const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
            if (!name || !/NothingToClaim|RootMismatch|NoFinalizedRoot/.test(name))
              say(
                `  claim for ${a.name} failed: ${name ?? (err instanceof Error ? err.message.split("\n")[0] : String(err))}`,
              );
          }
        }
      } else if (row.status === "CLOSED")
        say(
          `window ${row.epoch} closed (${row.startsAt.toISOString().slice(11, 19)}–${row.endsAt.toISOString().slice(11, 19)})`,
        );
      else if (row.status !== "OPEN")
        say(`epoch ${n} ${row.status.toLowerCase()}${row.alert ? ` (${row.alert})` : ""}`);
    }
  };
  const timer = setInterval(() => void progress().catch((err: unknown) => log.warn({ err }, "progress")), 1_000);
  stops.push(async () => clearInterval(timer));
} catch (err) {
  console.error(`ledger start: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  await shutdown(1);
}
