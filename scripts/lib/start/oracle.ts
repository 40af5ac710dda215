/**
 * `npm start`'s oracle daemon and guardian watchtower: takes the chain, the database, the API's URL
 * and the data directory's state and hands on nothing but running services (dev keys: Hardhat's
 * well-known accounts), each one's stop pushed onto `stops`.
 */
import type { Logger } from "pino";
import { createWalletClient, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { checkDeployment, type OracleChain } from "../../../oracle/chain.ts";
import { distributorAbi } from "../../../chain/abi.ts";
import { createLeadership } from "../../../oracle/leader.ts";
import { runDaemon } from "../../../oracle/daemon.ts";
import type { OracleContext } from "../../../oracle/run-epoch.ts";
import { createVerifyPool } from "../../../core/verify-pool.ts";
import { createWatchtower } from "../watchtower.ts";
import type { StartChain } from "./deployment.ts";
import { START_HEARTBEAT_SLOT_SECONDS, type StartServices } from "./services.ts";
import { DEV_GRACE_SECONDS, devKey, type DevState, type StartStep } from "./state.ts";

/** Steps 6 and 6b of `npm start`. */
export async function startOracle(
  o: StartStep & {
    chain: StartChain;
    services: StartServices;
    state: DevState;
    dataDir: string;
    disputeSeconds: number;
    log: Logger;
  },
): Promise<void> {
  const env = process.env;
  const { state, dataDir, disputeSeconds, log, stops, say } = o;
  const { rpcUrl, chainId, distributor, publicClient } = o.chain;
  const { db, apiUrl } = o.services;
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
      graceSeconds: DEV_GRACE_SECONDS,
      heartbeatSlotSeconds: START_HEARTBEAT_SLOT_SECONDS,
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
}
