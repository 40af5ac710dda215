/** Test helpers: drive a RewardsDistributor on Hardhat's network (tests and benches only). */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Address, Hex } from "viem";
import { commitments, ONE_DAY, ORACLE_SIGNERS, signEpochRoot, type deployFixture } from "../test/contracts/fixture.ts";

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** Proposes `epoch` (3-of-5 signatures), waits out the dispute window and finalizes; `claim(i)` claims leaf i. */
export async function proposeAndFinalize(
  f: Fixture,
  networkHelpers: { time: { increase(s: bigint): Promise<unknown> } },
  epoch: bigint,
  entitlements: [Address, bigint][],
) {
  const tree = StandardMerkleTree.of(
    entitlements.map(([a, n]) => [a, n.toString()]),
    ["address", "uint256"],
  );
  const message = {
    epoch,
    attempt: await f.distributor.read.proposalAttempt([epoch]),
    root: tree.root as Hex,
    cumulativeTotal: entitlements.reduce((s, [, n]) => s + n, 0n),
    ...commitments(epoch),
  };
  const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), f.chainId, f.distributor.address, message);
  await f.wait(
    await f.distributor.write.proposeRoot(
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
      { account: f.proposer.account },
    ),
  );
  await networkHelpers.time.increase(ONE_DAY + 1n);
  await f.wait(await f.distributor.write.finalize([epoch], { account: f.other.account }));
  const claim = async (index: number) => {
    const [account, amount] = tree.at(index) as [Address, string];
    return f.wait(
      await f.distributor.write.claim([account, BigInt(amount), tree.getProof(index) as Hex[]], {
        account: f.other.account,
      }),
    );
  };
  return { tree, message, claim };
}
