/**
 * `npm start`'s chain and contracts: takes the options and the data directory's state and hands on
 * a client of the chain (the in-process dev chain, or LEDGER_RPC_URL's) and the RewardsDistributor
 * (deployed through Ignition on the dev chain's first start, or LEDGER_DISTRIBUTOR_ADDRESS).
 */
import { createPublicClient, http, type Address, type PublicClient } from "viem";
import type { RewardsDomain } from "../../../core/eip712/domain.ts";
import { distributorAbi } from "../../../chain/abi.ts";
import { startDevChain, type DevChain } from "../dev-chain.ts";
import type { DevStore, StartStep } from "./state.ts";

export type StartChain = {
  rpcUrl: string;
  /** The in-process dev chain, when there is no chain of one's own. */
  chain: DevChain | undefined;
  publicClient: PublicClient;
  chainId: number;
  distributor: Address;
  domain: RewardsDomain;
};

/** Starts (or connects to) the chain and finds or deploys the contracts; `stops` gets the dev chain's close. */
export async function startChain(
  o: StartStep & {
    chainPort: number;
    disputeSeconds: number;
    store: DevStore;
  },
): Promise<StartChain> {
  const env = process.env;
  const { state, saveState, journalFile } = o.store;
  const say = o.say;
  // 1. The chain.
  let rpcUrl = env.LEDGER_RPC_URL?.trim();
  let chain: DevChain | undefined;
  if (!rpcUrl) {
    chain = await startDevChain({ port: o.chainPort, journalFile, log: say });
    o.stops.push(() => chain!.close());
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
    const { default: DevModule } = await import("../../../ignition/modules/DevRewardsDistributor.ts");
    const startBlock = await publicClient.getBlockNumber();
    // A deployment id of this data directory's own: Ignition records http deployments under
    // ignition/deployments/<id> and would otherwise "reuse" another chain's record.
    const deployed = (await connection.ignition.deploy(DevModule, {
      deploymentId: `ledger-dev-${state.genesis}`,
      displayUi: false,
      parameters: { DevRewardsDistributor: { disputeWindowSeconds: o.disputeSeconds, threshold: 2 } },
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
  return { rpcUrl, chain, publicClient, chainId, distributor, domain };
}
