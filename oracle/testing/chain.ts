/**
 * Test chain helpers: deploy MockUSD and a RewardsDistributor (bytecode and ABI from Hardhat's
 * artifacts) with local-key accounts funded through `hardhat_setBalance`, over any viem
 * transport — Hardhat's in-process provider or a `hardhat node` over HTTP.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Abi, Address, Hex, Transport } from "viem";
import { createPublicClient, createWalletClient, defineChain } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { OracleChain } from "../chain.ts";
import { POLICY_KEY, testKey } from "./seed.ts";
import { POLICY_ROLE } from "../../core/policy.ts";

const artifact = (path: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../artifacts/contracts/${path}`, import.meta.url)), "utf8")) as {
    abi: Abi;
    bytecode: Hex;
  };

export const ADMIN_KEY = testKey("admin");
export const PROPOSER_KEY = testKey("proposer");
export const GUARDIAN_KEY = testKey("guardian");
export const SIGNER_KEYS = [0, 1, 2].map((i) => testKey(`oracle-signer-${i}`));

export const hardhatChain = defineChain({
  id: 31_337,
  name: "hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
});

export type DeployedChain = {
  distributor: Address;
  usd: Address;
  chain: OracleChain;
  admin: ReturnType<typeof wallet>;
  guardian: ReturnType<typeof wallet>;
  publicClient: OracleChain["publicClient"];
  chainId: number;
  abi: Abi;
  usdAbi: Abi;
  fund(amount: bigint): Promise<void>;
};

function wallet(transport: Transport, key: Hex) {
  return createWalletClient({ account: privateKeyToAccount(key), chain: hardhatChain, transport });
}

export async function deployTestChain(
  transport: Transport,
  options: { threshold?: bigint; disputeWindowSeconds?: bigint; fund?: bigint; signerKeys?: Hex[] } = {},
): Promise<DeployedChain> {
  const publicClient = createPublicClient({
    chain: hardhatChain,
    transport,
    pollingInterval: 50,
  }) as OracleChain["publicClient"];
  const admin = wallet(transport, ADMIN_KEY);
  const proposer = wallet(transport, PROPOSER_KEY);
  const guardian = wallet(transport, GUARDIAN_KEY);
  for (const a of [admin, proposer, guardian])
    await publicClient.request({
      method: "hardhat_setBalance" as never,
      params: [a.account.address, "0x56BC75E2D63100000"] as never,
    });
  const usdArt = artifact("mocks/MockUSD.sol/MockUSD.json");
  const distArt = artifact("RewardsDistributor.sol/RewardsDistributor.json");
  const wait = async (hash: Hex) => {
    const r = await publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`tx ${hash} reverted`);
    return r;
  };
  const usd = (await wait(await admin.deployContract({ abi: usdArt.abi, bytecode: usdArt.bytecode, args: [] })))
    .contractAddress!;
  const signers = (options.signerKeys ?? SIGNER_KEYS).map((k) => privateKeyToAccount(k).address);
  const distributor = (
    await wait(
      await admin.deployContract({
        abi: distArt.abi,
        bytecode: distArt.bytecode,
        args: [
          usd,
          admin.account.address,
          86_400,
          signers,
          options.threshold ?? 2n,
          options.disputeWindowSeconds ?? 0n,
          10n ** 15n,
          0n,
        ],
      }),
    )
  ).contractAddress!;
  const role = (name: string) =>
    publicClient.readContract({ address: distributor, abi: distArt.abi, functionName: name }) as Promise<Hex>;
  await wait(
    await admin.writeContract({
      address: distributor,
      abi: distArt.abi,
      functionName: "grantRole",
      args: [await role("PROPOSER_ROLE"), proposer.account.address],
    }),
  );
  await wait(
    await admin.writeContract({
      address: distributor,
      abi: distArt.abi,
      functionName: "grantRole",
      args: [await role("GUARDIAN_ROLE"), guardian.account.address],
    }),
  );
  await wait(
    await admin.writeContract({
      address: distributor,
      abi: distArt.abi,
      functionName: "grantRole",
      args: [POLICY_ROLE, privateKeyToAccount(POLICY_KEY).address],
    }),
  );
  const fund = async (amount: bigint) => {
    await wait(
      await admin.writeContract({
        address: usd,
        abi: usdArt.abi,
        functionName: "mint",
        args: [admin.account.address, amount],
      }),
    );
    await wait(
      await admin.writeContract({
        address: usd,
        abi: usdArt.abi,
        functionName: "approve",
        args: [distributor, amount],
      }),
    );
    await wait(
      await admin.writeContract({ address: distributor, abi: distArt.abi, functionName: "fund", args: [amount] }),
    );
  };
  if ((options.fund ?? 10n ** 12n) > 0n) await fund(options.fund ?? 10n ** 12n);
  const chainId = await publicClient.getChainId();
  return {
    distributor,
    usd,
    chain: { publicClient, walletClient: proposer, distributor, confirmations: 1, bumpAfterMs: 10_000 },
    admin,
    guardian,
    publicClient,
    chainId,
    abi: distArt.abi,
    usdAbi: usdArt.abi,
    fund,
  };
}
