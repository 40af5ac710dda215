/**
 * RewardsDistributor integration tests on Hardhat's in-process network with viem: a tree built by
 * @openzeppelin/merkle-tree, proposed with real signatures from several oracle keys, finalized and
 * claimed — on the L1 chain type and on the OP-stack chain type — plus EIP-712 digest parity between
 * the contract, viem and ethers, and gasless claims through a relayer.
 */
import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { TypedDataEncoder } from "ethers";
import { network } from "hardhat";
import type { Address, Hex } from "viem";
import { hashTypedData, keccak256, toHex } from "viem";
import {
  CLAIM_AUTHORIZATION_TYPES,
  commitments,
  deployFixture,
  domainOf,
  EPOCH_ROOT_TYPES,
  ONE_DAY,
  ORACLE_SIGNERS,
  signEpochRoot,
  testAccount,
} from "./fixture.ts";

type Leaf = [Address, bigint];

/** 40 supporters with µUSD entitlements; the first few are keys we control (for claimWithSig). */
function entitlements(epoch: bigint): Leaf[] {
  return Array.from({ length: 40 }, (_, i) => [
    testAccount(`supporter-${i}`).address,
    epoch * (1_000_000n + BigInt(i) * 250_000n),
  ]);
}

async function setup(networkName?: string) {
  const connection = await network.create(networkName ? { network: networkName } : undefined);
  const f = await deployFixture(connection);
  const publish = async (epoch: bigint, signers = ORACLE_SIGNERS.slice(1, 4)) => {
    const values = entitlements(epoch);
    const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
    const cumulativeTotal = values.reduce((s, [, v]) => s + v, 0n);
    const c = commitments(epoch);
    const message = {
      epoch,
      attempt: await f.distributor.read.proposalAttempt([epoch]),
      root: tree.root as Hex,
      cumulativeTotal,
      ...c,
    };
    const signatures = await signEpochRoot(signers, f.chainId, f.distributor.address, message);
    await f.wait(
      await f.distributor.write.proposeRoot(
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
        { account: f.proposer.account },
      ),
    );
    return { tree, values, cumulativeTotal, message, signatures };
  };
  const finalize = async (epoch: bigint) => {
    await connection.networkHelpers.time.increase(ONE_DAY);
    await f.wait(await f.distributor.write.finalize([epoch]));
  };
  return { ...f, connection, publish, finalize };
}

for (const networkName of [undefined, "hardhatOp"]) {
  describe(`RewardsDistributor on ${networkName ?? "the default (l1)"} network`, () => {
    it("default: a merkle-tree root signed 3-of-5 is proposed, finalized and claimed", async () => {
      const t = await setup(networkName);
      if (networkName === "hardhatOp") {
        // The OP-stack chain type has the L2 predeploys, e.g. the GasPriceOracle.
        const code = await t.publicClient.getCode({ address: "0x420000000000000000000000000000000000000F" });
        expect(code?.length ?? 0).to.be.greaterThan(2);
      }
      const { tree, values, cumulativeTotal } = await t.publish(1n);
      const record = await t.distributor.read.epochRecord([1n]);
      expect(record.root).to.equal(tree.root);
      expect(record.cumulativeTotal).to.equal(cumulativeTotal);
      expect(record.status).to.equal(1); // Pending
      await t.finalize(1n);
      expect(await t.distributor.read.finalizedRoot()).to.equal(tree.root);

      for (const i of [0, 7, 39]) {
        const [account, amount] = values[i]!;
        const proof = tree.getProof(i) as Hex[];
        await t.connection.viem.assertions.emitWithArgs(
          t.distributor.write.claim([account, amount, proof], { account: t.other.account }),
          t.distributor,
          "Claimed",
          [account, account, amount, amount, 1n],
        );
        expect(await t.usd.read.balanceOf([account])).to.equal(amount);
      }
    });

    it("behavior: a second root pays only the difference, one claim for several epochs", async () => {
      const t = await setup(networkName);
      const e1 = await t.publish(1n);
      await t.finalize(1n);
      const [account, amount1] = e1.values[3]!;
      await t.wait(await t.distributor.write.claim([account, amount1, e1.tree.getProof(3) as Hex[]]));
      await t.publish(2n);
      await t.finalize(2n);
      const e3 = await t.publish(3n);
      await t.finalize(3n);
      const [, amount3] = e3.values[3]!;
      await t.wait(await t.distributor.write.claim([account, amount3, e3.tree.getProof(3) as Hex[]]));
      expect(await t.usd.read.balanceOf([account])).to.equal(amount3);
      expect(await t.distributor.read.claimed([account])).to.equal(amount3);
    });

    it("behavior: claimWithSig through a relayer pays the recipient and the relayer's fee", async () => {
      const t = await setup(networkName);
      const { tree, values } = await t.publish(1n);
      await t.finalize(1n);
      const supporter = testAccount("supporter-5");
      const [account, amount] = values[5]!;
      expect(account).to.equal(supporter.address);
      const recipient = testAccount("cold-wallet").address;
      const deadline = BigInt(await t.connection.networkHelpers.time.latest()) + 3_600n;
      const authorization = {
        account,
        recipient,
        relayer: t.relayer.account.address,
        maxRelayerFee: 20_000n,
        nonce: 0n,
        deadline,
      };
      const signature = await supporter.signTypedData({
        domain: domainOf(t.chainId, t.distributor.address),
        types: CLAIM_AUTHORIZATION_TYPES,
        primaryType: "ClaimAuthorization",
        message: authorization,
      });
      await t.wait(
        await t.distributor.write.claimWithSig([authorization, amount, tree.getProof(5) as Hex[], 15_000n, signature], {
          account: t.relayer.account,
        }),
      );
      expect(await t.usd.read.balanceOf([recipient])).to.equal(amount - 15_000n);
      expect(await t.usd.read.balanceOf([t.relayer.account.address])).to.equal(15_000n);
      expect(await t.distributor.read.nonces([account])).to.equal(1n);

      // The same authorization cannot be replayed.
      await t.connection.viem.assertions.revertWithCustomErrorWithArgs(
        t.distributor.write.claimWithSig([authorization, amount, tree.getProof(5) as Hex[], 0n, signature], {
          account: t.relayer.account,
        }),
        t.distributor,
        "InvalidNonce",
        [account, 1n, 0n],
      );
    });
  });
}

describe("RewardsDistributor EIP-712 parity", () => {
  it("behavior: the contract's EpochRoot digest equals viem's hashTypedData and ethers' TypedDataEncoder", async () => {
    const t = await setup();
    const message = {
      epoch: 42n,
      attempt: 3n,
      root: keccak256(toHex("root")),
      cumulativeTotal: 123_456_789n,
      ...commitments(42n),
    };
    const domain = domainOf(t.chainId, t.distributor.address);
    const fromContract = await t.distributor.read.epochRootDigest([
      message.epoch,
      message.attempt,
      message.root,
      message.cumulativeTotal,
      message.receiptsRoot,
      message.datasetHash,
      message.rateCardHash,
    ]);
    const fromViem = hashTypedData({ domain, types: EPOCH_ROOT_TYPES, primaryType: "EpochRoot", message });
    const fromEthers = TypedDataEncoder.hash(domain, { EpochRoot: [...EPOCH_ROOT_TYPES.EpochRoot] }, { ...message });
    expect(fromContract).to.equal(fromViem);
    expect(fromContract).to.equal(fromEthers);
  });

  it("behavior: the contract's ClaimAuthorization digest equals viem's and ethers'", async () => {
    const t = await setup();
    const message = {
      account: testAccount("a").address,
      recipient: testAccount("b").address,
      relayer: testAccount("c").address,
      maxRelayerFee: 50_000n,
      nonce: 3n,
      deadline: 1_900_000_000n,
    };
    const domain = domainOf(t.chainId, t.distributor.address);
    const fromContract = await t.distributor.read.claimAuthorizationDigest([message]);
    const fromViem = hashTypedData({
      domain,
      types: CLAIM_AUTHORIZATION_TYPES,
      primaryType: "ClaimAuthorization",
      message,
    });
    const fromEthers = TypedDataEncoder.hash(
      domain,
      { ClaimAuthorization: [...CLAIM_AUTHORIZATION_TYPES.ClaimAuthorization] },
      { ...message },
    );
    expect(fromContract).to.equal(fromViem);
    expect(fromContract).to.equal(fromEthers);
  });

  it("behavior: eip712Domain() reports the fixed name and version", async () => {
    const t = await setup();
    const [, name, version, chainId, verifyingContract] = await t.distributor.read.eip712Domain();
    expect(name).to.equal("StreamrP2P RewardsDistributor");
    expect(version).to.equal("1");
    expect(chainId).to.equal(BigInt(t.chainId));
    expect(verifyingContract.toLowerCase()).to.equal(t.distributor.address.toLowerCase());
  });
});

describe("RewardsDistributor errors", () => {
  it("error: a signature from a key outside the signer set is rejected with UnauthorizedSigner", async () => {
    const t = await setup();
    const values = entitlements(1n);
    const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
    const total = values.reduce((s, [, v]) => s + v, 0n);
    const c = commitments(1n);
    const outsider = testAccount("outsider");
    const message = { epoch: 1n, attempt: 1n, root: tree.root as Hex, cumulativeTotal: total, ...c };
    const signatures = await signEpochRoot(
      [ORACLE_SIGNERS[0]!, outsider, ORACLE_SIGNERS[1]!],
      t.chainId,
      t.distributor.address,
      message,
    );
    await t.connection.viem.assertions.revertWithCustomErrorWithArgs(
      t.distributor.write.proposeRoot(
        [1n, 1n, message.root, total, c.receiptsRoot, c.datasetHash, c.rateCardHash, signatures],
        { account: t.proposer.account },
      ),
      t.distributor,
      "UnauthorizedSigner",
      [outsider.address],
    );
  });

  it("error: a signature for another chain is rejected", async () => {
    const t = await setup();
    const c = commitments(1n);
    const message = { epoch: 1n, attempt: 1n, root: keccak256(toHex("r")), cumulativeTotal: 1n, ...c };
    const good = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), t.chainId, t.distributor.address, message);
    const foreign = await signEpochRoot(ORACLE_SIGNERS.slice(0, 1), t.chainId + 1, t.distributor.address, message);
    await t.connection.viem.assertions.revertWithCustomError(
      t.distributor.write.proposeRoot(
        [1n, 1n, message.root, 1n, c.receiptsRoot, c.datasetHash, c.rateCardHash, [foreign[0]!, good[1]!, good[2]!]],
        { account: t.proposer.account },
      ),
      t.distributor,
      "UnauthorizedSigner",
    );
  });

  it("error: claims revert with EnforcedPause while paused", async () => {
    const t = await setup();
    const { tree, values } = await t.publish(1n);
    await t.finalize(1n);
    await t.wait(await t.distributor.write.pause({ account: t.pauser.account }));
    const [account, amount] = values[0]!;
    await t.connection.viem.assertions.revertWithCustomError(
      t.distributor.write.claim([account, amount, tree.getProof(0) as Hex[]]),
      t.distributor,
      "EnforcedPause",
    );
  });

  it("error: a proof for another amount is rejected with InvalidProof", async () => {
    const t = await setup();
    const { tree, values } = await t.publish(1n);
    await t.finalize(1n);
    const [account, amount] = values[2]!;
    await t.connection.viem.assertions.revertWithCustomErrorWithArgs(
      t.distributor.write.claim([account, amount + 1n, tree.getProof(2) as Hex[]]),
      t.distributor,
      "InvalidProof",
      [account, amount + 1n],
    );
  });
});
