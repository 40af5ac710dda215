/**
 * Real RewardsDistributor history for the mapping tests: deploys MockUSD and the compiled
 * RewardsDistributor on Hardhat's in-process network and drives it through every event the
 * subgraph handles (proposals with real EIP-712 oracle signatures, a veto, finalization after
 * the dispute window, claims with @openzeppelin/merkle-tree proofs, a relayed claim, funding,
 * withdrawal, governance changes, pause). Returns every log the distributor emitted, decoded
 * with viem and paired with its block and transaction, in chain order.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { network } from "hardhat";
import type { Abi, AbiEvent, Address, Hex, TransactionReceipt } from "viem";
import { decodeEventLog, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainEvent } from "./harness.ts";

const DOMAIN_NAME = "StreamrP2P RewardsDistributor";
const DOMAIN_VERSION = "1";
const EPOCH_ROOT_TYPES = {
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
const CLAIM_AUTHORIZATION_TYPES = {
  ClaimAuthorization: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "relayer", type: "address" },
    { name: "maxRelayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** Deterministic keys for tests only (never hold value). */
const key = (label: string) => privateKeyToAccount(keccak256(toHex(`streamr-subgraph-test:${label}`)));
export const ORACLES = [0, 1, 2, 3, 4].map((i) => key(`oracle-${i}`));
export const ALICE = key("alice");
export const BOB = key("bob");
export const CAROL = key("carol");

export const DAY = 86_400n;
export const FUNDED = 1_000_000_000n; // 1 000 USD in µUSD
export const WITHDRAWN = 100_000_000n;
export const VETO_REASON = "dataset hash does not match the published dataset";

type Entitlements = [Address, bigint][];
/** Epoch 1, the vetoed proposal of epoch 2, and the epoch 2 that was finalized. */
export const EPOCH1: Entitlements = [
  [ALICE.address, 300_000_000n],
  [BOB.address, 200_000_000n],
];
export const EPOCH2_VETOED: Entitlements = [
  [ALICE.address, 500_000_000n],
  [BOB.address, 200_000_000n],
  [CAROL.address, 100_000_000n],
];
export const EPOCH2: Entitlements = [
  [ALICE.address, 450_000_000n],
  [BOB.address, 200_000_000n],
  [CAROL.address, 100_000_000n],
];
export const RELAYER_FEE = 1_000_000n;

export function commitments(epoch: bigint, variant = "") {
  return {
    receiptsRoot: keccak256(toHex(`receipts:${epoch}${variant}`)),
    datasetHash: keccak256(toHex(`dataset:${epoch}${variant}`)),
    rateCardHash: keccak256(toHex("ratecard:v1")),
  };
}

export function treeOf(entitlements: Entitlements) {
  return StandardMerkleTree.of(
    entitlements.map(([a, n]) => [a, n.toString()]),
    ["address", "uint256"],
  );
}
export const totalOf = (entitlements: Entitlements) => entitlements.reduce((s, [, n]) => s + n, 0n);

export async function runScenario(abi: Abi) {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin, proposer, guardian, pauser, relayer, anyone] = await viem.getWalletClients();
  if (!admin || !proposer || !guardian || !pauser || !relayer || !anyone) throw new Error("need 6 wallet clients");
  const receipts: TransactionReceipt[] = [];
  const wait = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    receipts.push(receipt);
    return receipt;
  };

  const usd = await viem.deployContract("MockUSD");
  const { contract: distributor, deploymentTransaction } = await viem.sendDeploymentTransaction("RewardsDistributor", [
    usd.address,
    admin.account.address,
    3n * DAY, // admin transfer delay
    ORACLES.map((o) => o.address),
    3n, // threshold
    DAY, // dispute window
    10n ** 12n, // circuit breaker: max outflow per window
    DAY, // circuit breaker window
  ]);
  await wait(deploymentTransaction.hash);
  const chainId = await publicClient.getChainId();
  const domain = { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: distributor.address };

  await wait(await distributor.write.grantRole([await distributor.read.PROPOSER_ROLE(), proposer.account.address]));
  await wait(await distributor.write.grantRole([await distributor.read.GUARDIAN_ROLE(), guardian.account.address]));
  await wait(await distributor.write.grantRole([await distributor.read.PAUSER_ROLE(), pauser.account.address]));
  await wait(await usd.write.mint([admin.account.address, FUNDED]));
  await wait(await usd.write.approve([distributor.address, FUNDED]));
  await wait(await distributor.write.fund([FUNDED]));

  const propose = async (epoch: bigint, entitlements: Entitlements, variant: string, signers: typeof ORACLES) => {
    const tree = treeOf(entitlements);
    const message = {
      epoch,
      attempt: await distributor.read.proposalAttempt([epoch]),
      root: tree.root as Hex,
      cumulativeTotal: totalOf(entitlements),
      ...commitments(epoch, variant),
    };
    const signatures = await Promise.all(
      signers.map((s) => s.signTypedData({ domain, types: EPOCH_ROOT_TYPES, primaryType: "EpochRoot", message })),
    );
    await wait(
      await distributor.write.proposeRoot(
        [
          epoch,
          message.attempt,
          message.root,
          message.cumulativeTotal,
          message.receiptsRoot,
          message.datasetHash,
          message.rateCardHash,
          signatures,
        ],
        { account: proposer.account },
      ),
    );
    return tree;
  };
  const claim = async (tree: ReturnType<typeof treeOf>, index: number) => {
    const [account, amount] = tree.at(index) as [Address, string];
    await wait(
      await distributor.write.claim([account, BigInt(amount), tree.getProof(index) as Hex[]], {
        account: anyone.account,
      }),
    );
  };

  // Epoch 1: proposed 3-of-5, finalized after the dispute window, claimed directly and by relayer.
  const tree1 = await propose(1n, EPOCH1, "", [ORACLES[0]!, ORACLES[2]!, ORACLES[4]!]);
  await networkHelpers.time.increase(DAY + 1n);
  await wait(await distributor.write.finalize([1n], { account: anyone.account }));
  await claim(tree1, 0); // alice
  const bobIndex = 1;
  const authorization = {
    account: BOB.address,
    recipient: BOB.address,
    relayer: relayer.account.address,
    maxRelayerFee: RELAYER_FEE,
    nonce: 0n,
    deadline: (await publicClient.getBlock()).timestamp + DAY,
  };
  const authSignature = await BOB.signTypedData({
    domain,
    types: CLAIM_AUTHORIZATION_TYPES,
    primaryType: "ClaimAuthorization",
    message: authorization,
  });
  await wait(
    await distributor.write.claimWithSig(
      [authorization, EPOCH1[bobIndex]![1], tree1.getProof(bobIndex) as Hex[], RELAYER_FEE, authSignature],
      { account: relayer.account },
    ),
  );

  // Epoch 2: a proposal vetoed by the guardian, re-proposed, finalized; alice claims the increase.
  await propose(2n, EPOCH2_VETOED, "-bad", [ORACLES[1]!, ORACLES[2]!, ORACLES[3]!]);
  await wait(await distributor.write.veto([2n, VETO_REASON], { account: guardian.account }));
  const tree2 = await propose(2n, EPOCH2, "", [ORACLES[3]!, ORACLES[0]!, ORACLES[1]!]);
  await networkHelpers.time.increase(DAY + 1n);
  await wait(await distributor.write.finalize([2n], { account: anyone.account }));
  await claim(tree2, 0); // alice: 450 − 300

  // Pool and governance.
  await wait(await distributor.write.withdrawExcess([admin.account.address, WITHDRAWN]));
  await wait(await distributor.write.removeSigner([ORACLES[4]!.address]));
  await wait(await distributor.write.setThreshold([2n]));
  await wait(await distributor.write.setDisputeWindow([2n * DAY]));
  await wait(await distributor.write.setOutflowLimit([5n * 10n ** 11n, 2n * DAY]));
  await wait(await distributor.write.pause({ account: pauser.account }));
  await wait(await distributor.write.unpause());

  // Every distributor log, decoded with the ABI the subgraph was built from, in chain order.
  const events: (ChainEvent & { eventName: string })[] = [];
  for (const receipt of receipts) {
    const block = await publicClient.getBlock({ blockHash: receipt.blockHash });
    const transaction = await publicClient.getTransaction({ hash: receipt.transactionHash });
    receipt.logs.forEach((log, transactionLogIndex) => {
      if (log.address.toLowerCase() !== distributor.address.toLowerCase()) return;
      const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
      const abiEvent = abi.find((item): item is AbiEvent => item.type === "event" && item.name === decoded.eventName);
      if (!abiEvent) throw new Error(`no ABI event ${decoded.eventName}`);
      events.push({
        eventName: decoded.eventName,
        abiEvent,
        args: decoded.args as Record<string, unknown>,
        address: log.address,
        logIndex: log.logIndex,
        transactionLogIndex,
        block: { ...block, hash: block.hash, number: block.number, miner: block.miner },
        transaction: { ...transaction, transactionIndex: transaction.transactionIndex },
      });
    });
  }
  return {
    connection,
    distributor,
    events,
    receipts,
    trees: { tree1, tree2 },
    accounts: { admin, proposer, guardian, pauser, relayer, anyone },
  };
}
