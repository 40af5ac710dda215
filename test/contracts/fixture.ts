/**
 * Shared fixture for the RewardsDistributor integration tests and the gas bench: deterministic oracle
 * signer keys, the EIP-712 types, and a deployment with roles granted on a Hardhat network connection.
 */
import { POLICY_ROLE } from "../../core/policy.ts";
import { keys as worldKeys } from "../../core/fixtures/epoch-world.ts";
import type { network } from "hardhat";
import type { Address, Hex } from "viem";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

/** The EIP-712 domain name and version the contract uses (fixed format, shared with core/). */
export const DOMAIN_NAME = "StreamrP2P RewardsDistributor";
export const DOMAIN_VERSION = "1";

export const EPOCH_ROOT_TYPES = {
  EpochRoot: [
    { name: "epoch", type: "uint64" },
    { name: "attempt", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "cumulativeTotal", type: "uint256" },
    { name: "receiptsRoot", type: "bytes32" },
    { name: "datasetHash", type: "bytes32" },
    { name: "rateCardHash", type: "bytes32" },
  ],
} as const;

export const CLAIM_AUTHORIZATION_TYPES = {
  ClaimAuthorization: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "relayer", type: "address" },
    { name: "maxRelayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type EpochRootMessage = {
  epoch: bigint;
  /** 1 for an epoch's first proposal, one more after each veto (`proposalAttempt`). */
  attempt: bigint;
  root: Hex;
  cumulativeTotal: bigint;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
};

/** A deterministic key for tests and benches only (never holds value). */
export function testAccount(label: string): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(toHex(`streamr-rewards-test:${label}`)));
}

/** Five oracle signer accounts. */
export const ORACLE_SIGNERS: PrivateKeyAccount[] = [0, 1, 2, 3, 4].map((i) => testAccount(`oracle-${i}`));

export function domainOf(chainId: number, verifyingContract: Address) {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract } as const;
}

/** Signatures of `message` by `signers`, in the given order. */
export async function signEpochRoot(
  signers: PrivateKeyAccount[],
  chainId: number,
  verifyingContract: Address,
  message: EpochRootMessage,
): Promise<Hex[]> {
  return Promise.all(
    signers.map((s) =>
      s.signTypedData({
        domain: domainOf(chainId, verifyingContract),
        types: EPOCH_ROOT_TYPES,
        primaryType: "EpochRoot",
        message,
      }),
    ),
  );
}

/** Deterministic hash placeholders for the dataset commitments of `epoch`. */
export function commitments(epoch: bigint): { receiptsRoot: Hex; datasetHash: Hex; rateCardHash: Hex } {
  return {
    receiptsRoot: keccak256(toHex(`receipts:${epoch}`)),
    datasetHash: keccak256(toHex(`dataset:${epoch}`)),
    rateCardHash: keccak256(toHex("ratecard:v1")),
  };
}

export const ONE_DAY = 86_400n;

type Connection = Awaited<ReturnType<typeof network.create>>;

export type DeployOptions = {
  threshold?: bigint;
  disputeWindowSeconds?: bigint;
  maxOutflowPerWindow?: bigint;
  outflowWindowSeconds?: bigint;
  fundAmount?: bigint;
};

/**
 * Deploys MockUSD and a RewardsDistributor (5 oracle signers, 3-of-5 by default, 1-day dispute window,
 * breaker on), grants proposer/guardian/pauser to wallets 1/2/3 and funds it from wallet 0.
 */
export async function deployFixture(connection: Connection, options: DeployOptions = {}) {
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin, proposer, guardian, pauser, relayer, other] = await viem.getWalletClients();
  if (!admin || !proposer || !guardian || !pauser || !relayer || !other) throw new Error("need 6 wallet clients");
  const usd = await viem.deployContract("MockUSD");
  const distributor = await viem.deployContract("RewardsDistributor", [
    usd.address,
    admin.account.address,
    3 * 86_400, // admin transfer delay (uint48)
    ORACLE_SIGNERS.map((s) => s.address),
    options.threshold ?? 3n,
    options.disputeWindowSeconds ?? ONE_DAY,
    options.maxOutflowPerWindow ?? 1_000_000_000_000n,
    options.outflowWindowSeconds ?? ONE_DAY,
  ]);
  const wait = async (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
  await wait(await distributor.write.grantRole([await distributor.read.PROPOSER_ROLE(), proposer.account.address]));
  await wait(await distributor.write.grantRole([await distributor.read.GUARDIAN_ROLE(), guardian.account.address]));
  await wait(await distributor.write.grantRole([await distributor.read.PAUSER_ROLE(), pauser.account.address]));
  // the policy key of core's epoch world (core/fixtures/epoch-world.ts) signs the fixture datasets' policy inputs
  await wait(await distributor.write.grantRole([POLICY_ROLE, worldKeys.policy.address]));
  const fundAmount = options.fundAmount ?? 10n ** 15n;
  await wait(await usd.write.mint([admin.account.address, fundAmount]));
  await wait(await usd.write.approve([distributor.address, fundAmount]));
  await wait(await distributor.write.fund([fundAmount]));
  const chainId = await publicClient.getChainId();
  return { viem, publicClient, usd, distributor, admin, proposer, guardian, pauser, relayer, other, chainId, wait };
}
