/**
 * `npm run bench -- gas [--breakdown] [LEAVES…]`: gas of the RewardsDistributor's hot paths on Hardhat's
 * in-process network, for trees of 100 000 leaves (proof length 17) and 1 000 leaves by default, with the pause
 * and the circuit breaker enabled. One JSON line per figure; figures with a target carry `target` and
 * `meetsTarget`. `--breakdown` adds, per figure, where the gas went (from `debug_traceTransaction`): the
 * intrinsic cost (21 000 + calldata), storage reads and writes, events, hashing (the Merkle proof, the leaf and
 * mapping slots), the token call, the transient reentrancy guard, and all other computation.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { network } from "hardhat";
import type { Address, Hex } from "viem";
import { keccak256, toHex } from "viem";
import {
  commitments,
  deployFixture,
  ONE_DAY,
  ORACLE_SIGNERS,
  signEpochRoot,
  testAccount,
} from "../test/contracts/fixture.ts";
import { report } from "./report.ts";

/** Targets at 100 000 leaves (issue 15: pause and breaker on, attempts, partial claims). */
const TARGETS: Record<string, number> = {
  "claim.first": 99_000,
  "claim.cumulative": 65_000,
  "proposeRoot.3of5": 110_000,
  finalize: 35_000,
};

type Leaf = [Address, bigint];

export default async function gasBench(args: string[]): Promise<void> {
  const breakdown = args.includes("--breakdown");
  const rest = args.filter((a) => a !== "--breakdown");
  const sizes = rest.length > 0 ? rest.map((a) => Number.parseInt(a, 10)) : [100_000, 1_000];
  for (const leaves of sizes) {
    if (!Number.isSafeInteger(leaves) || leaves < 400 || leaves > 1_000_000) {
      throw new Error(`gas bench: LEAVES must be an integer in [400, 1000000], got ${String(leaves)}`);
    }
    await benchSize(leaves, breakdown);
  }
}

type StructLog = { op: string; gas: number; gasCost: number; depth: number };

/** Gas per category of one transaction, from its opcode trace (top-level frame; a CALL counts its callee). */
function categorize(logs: StructLog[], gasUsed: bigint): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string, v: number) => (out[k] = (out[k] ?? 0) + v);
  const top = logs.filter((l) => l.depth === 1);
  let executed = 0;
  for (let i = 0; i < top.length; i++) {
    const l = top[i]!;
    const next = top[i + 1];
    const cost = next ? l.gas - next.gas : l.gasCost;
    executed += cost;
    const op = l.op;
    if (op === "SLOAD") add(cost >= 2_100 ? "sload.cold" : "sload.warm", cost);
    else if (op === "SSTORE") add("sstore", cost);
    else if (op.startsWith("LOG")) add("events", cost);
    else if (op === "KECCAK256" || op === "SHA3") add("keccak", cost);
    else if (op === "CALL" || op === "STATICCALL") add("tokenCall", cost);
    else if (op === "TLOAD" || op === "TSTORE") add("reentrancyGuard.tOps", cost);
    else add("otherOps", cost);
  }
  // What the trace does not show: 21 000, calldata, and refunds.
  out.intrinsicAndRefunds = Number(gasUsed) - executed;
  return out;
}

async function benchSize(leafCount: number, breakdown: boolean): Promise<void> {
  const connection = await network.create();
  const { networkHelpers } = connection;
  const f = await deployFixture(connection, { fundAmount: 10n ** 16n });
  const { distributor, publicClient, proposer, relayer, chainId } = f;

  const sigAccount = testAccount("bench-sig");
  const accounts: Address[] = Array.from(
    { length: leafCount },
    (_, i) => keccak256(toHex(`bench-account:${i}`)).slice(0, 42) as Address,
  );
  accounts[1] = sigAccount.address;
  // Realistic entitlements: a few µUSD-dollars each, growing every epoch.
  const valuesFor = (epoch: bigint): Leaf[] =>
    accounts.map((a, i) => [a, epoch * (1_000_000n + BigInt(i % 997) * 12_345n)]);

  let lastHash: Hex | undefined;
  /** Reports `gas`; with `--breakdown`, also the categories of transaction `hash` (the latest one measured). */
  const record = async (metric: string, gas: bigint, extra: Record<string, unknown> = {}, hash = lastHash) => {
    const target = leafCount === 100_000 ? TARGETS[metric] : undefined;
    let parts: Record<string, number> | undefined;
    if (breakdown && hash !== undefined) {
      const trace = (await connection.provider.request({
        method: "debug_traceTransaction",
        params: [hash, { disableStorage: true, disableMemory: true, disableStack: true }],
      })) as { structLogs: StructLog[]; gas: number };
      const txGas = (await publicClient.getTransactionReceipt({ hash })).gasUsed;
      parts = categorize(trace.structLogs, txGas);
    }
    report({
      bench: "gas",
      metric,
      value: Number(gas),
      unit: "gas",
      leaves: leafCount,
      ...extra,
      ...(target !== undefined ? { target, meetsTarget: Number(gas) <= target } : {}),
      ...(parts ? { breakdown: parts } : {}),
    });
  };
  const gasOf = async (hash: Hex) => {
    lastHash = hash;
    return (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;
  };

  const trees: StandardMerkleTree<Leaf>[] = [];
  const publish = async (epoch: bigint) => {
    const values = valuesFor(epoch);
    const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
    trees[Number(epoch)] = tree;
    const cumulativeTotal = values.reduce((s, [, v]) => s + v, 0n);
    const c = commitments(epoch);
    const message = { epoch, attempt: 1n, root: tree.root as Hex, cumulativeTotal, ...c };
    const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), chainId, distributor.address, message);
    const proposeGas = await gasOf(
      await distributor.write.proposeRoot(
        [
          epoch,
          message.attempt,
          message.root,
          cumulativeTotal,
          c.receiptsRoot,
          c.datasetHash,
          c.rateCardHash,
          signatures,
        ],
        { account: proposer.account },
      ),
    );
    const proposeHash = lastHash;
    await networkHelpers.time.increase(ONE_DAY);
    const finalizeGas = await gasOf(await distributor.write.finalize([epoch]));
    return { tree, values, proposeGas, finalizeGas, proposeHash, finalizeHash: lastHash };
  };
  const proofOf = (epoch: number, i: number) => trees[epoch]!.getProof(i) as Hex[];
  const depth = (epoch: number, i: number) => proofOf(epoch, i).length;
  const e1 = await publish(1n);
  // Indexes with the longest proof (17 at 100 000 leaves), excluding the signature account.
  const maxDepth = Math.max(...[0, 2, 3, 4, 5, 6, 7, 8].map((i) => depth(1, i)));
  const deep = Array.from({ length: Math.min(leafCount, 400) }, (_, i) => i).filter(
    (i) => i !== 1 && depth(1, i) === maxDepth,
  );
  const [claimer, collector, ...batch] = deep;
  if (claimer === undefined || collector === undefined || batch.length < 10) throw new Error("tree too small");

  await record("proposeRoot.3of5", e1.proposeGas, { epoch: 1, note: "first root" }, e1.proposeHash);
  await record("finalize", e1.finalizeGas, { epoch: 1, note: "first root" }, e1.finalizeHash);

  const claimArgs = (epoch: number, i: number) =>
    [accounts[i]!, e1.values[i]![1] * BigInt(epoch), proofOf(epoch, i)] as const;
  await record("claim.first", await gasOf(await distributor.write.claim([...claimArgs(1, claimer)])), {
    proofLength: depth(1, claimer),
  });

  // claimWithSig: a relayer claims for a fresh account, to another recipient, for a fee.
  const recipient = testAccount("bench-recipient").address;
  const deadline = BigInt(await networkHelpers.time.latest()) + ONE_DAY;
  const authorization = {
    account: sigAccount.address,
    recipient,
    relayer: relayer.account.address,
    maxRelayerFee: 50_000n,
    nonce: 0n,
    deadline,
  };
  const signature = await sigAccount.signTypedData({
    domain: { name: "StreamrP2P RewardsDistributor", version: "1", chainId, verifyingContract: distributor.address },
    types: {
      ClaimAuthorization: [
        { name: "account", type: "address" },
        { name: "recipient", type: "address" },
        { name: "relayer", type: "address" },
        { name: "maxRelayerFee", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "ClaimAuthorization",
    message: authorization,
  });
  await record(
    "claimWithSig.first",
    await gasOf(
      await distributor.write.claimWithSig([authorization, e1.values[1]![1], proofOf(1, 1), 50_000n, signature], {
        account: relayer.account,
      }),
    ),
    { proofLength: depth(1, 1), note: "fresh account, recipient and relayer fee" },
  );

  const ten = batch.slice(0, 10);
  const manyGas = await gasOf(
    await distributor.write.claimMany([
      ten.map((i) => accounts[i]!),
      ten.map((i) => e1.values[i]![1]),
      ten.map((i) => proofOf(1, i)),
    ]),
  );
  await record("claimMany.perAccount", manyGas / 10n, { batch: 10, total: Number(manyGas), note: "first claims" });

  const e2 = await publish(2n);
  await record("proposeRoot.3of5.second", e2.proposeGas, { epoch: 2 }, e2.proposeHash);
  await record("finalize.second", e2.finalizeGas, { epoch: 2 }, e2.finalizeHash);
  await record("claim.cumulative", await gasOf(await distributor.write.claim([...claimArgs(2, claimer)])), {
    proofLength: depth(2, claimer),
    note: "second root, account claimed before",
  });

  await publish(3n);
  await publish(4n);
  const collectGas = await gasOf(await distributor.write.claim([...claimArgs(4, collector)]));
  await record("collect4Epochs", collectGas, {
    claims: 1,
    proofLength: depth(4, collector),
    note: "one cumulative claim collects epochs 1-4 (Uniswap's distributor: 4 claims and 4 contracts)",
  });

  // For context: the same paths with the circuit breaker disabled (what the breaker's write costs).
  await f.wait(await distributor.write.setOutflowLimit([0n, 0n]));
  const fresh = batch[10];
  if (fresh !== undefined) {
    await record("claim.first.breakerOff", await gasOf(await distributor.write.claim([...claimArgs(4, fresh)])), {
      proofLength: depth(4, fresh),
      note: "context only: breaker disabled",
    });
  }
  await record("claim.cumulative.breakerOff", await gasOf(await distributor.write.claim([...claimArgs(4, claimer)])), {
    proofLength: depth(4, claimer),
    note: "context only: breaker disabled",
  });
}
