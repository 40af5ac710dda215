import { describe, it } from "node:test";
import { expect } from "chai";
import type { Address } from "./eip712/domain.ts";
import { payoutProofs, proofOf } from "./proof.ts";
import { buildTree, verifyPayoutProof, type TreeEntry } from "./tree.ts";

const account = (i: number): Address => `0x${i.toString(16).padStart(40, "0")}`;
const LEAVES: TreeEntry[] = [1, 2, 3, 0xabc].map((i) => ({ account: account(i), amount: BigInt(i) * 1_000_000n }));

describe("core/proof", () => {
  it("default: proofOf gives the root, the cumulative amount and a proof the contract's check accepts", () => {
    const p = proofOf(LEAVES, account(3))!;
    expect(p.root).to.equal(buildTree({ entries: LEAVES }).root);
    expect(p.cumulativeMicroUsd).to.equal(3_000_000n);
    expect(verifyPayoutProof({ root: p.root, account: account(3), amount: 3_000_000n, proof: p.proof })).to.equal(true);
  });

  it("edge: an account compares lowercase; one without a leaf (or no leaves at all) has no proof", () => {
    const upper = account(0xabc).replace("abc", "ABC") as Address;
    expect(proofOf(LEAVES, upper)?.cumulativeMicroUsd).to.equal(0xabcn * 1_000_000n);
    expect(proofOf(LEAVES, account(9))).to.equal(undefined);
    expect(proofOf([], account(1))).to.equal(undefined);
  });

  it("default: payoutProofs builds the tree once and answers every account as proofOf does", () => {
    const proofs = payoutProofs(LEAVES);
    expect(proofs.root).to.equal(buildTree({ entries: LEAVES }).root);
    for (const l of LEAVES) expect(proofs.proofOf(l.account)).to.deep.equal(proofOf(LEAVES, l.account));
    expect(proofs.proofOf(account(9))).to.equal(undefined);
  });
});
