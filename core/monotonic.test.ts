import { expect } from "chai";
import { describe, it } from "node:test";
import { describeDecreasedLeaf, findDecreasedLeaf } from "./monotonic.ts";

const A = "0x00000000000000000000000000000000000000aa" as const;
const B = "0x00000000000000000000000000000000000000bb" as const;

describe("findDecreasedLeaf", () => {
  it("default: growing and new accounts pass", () => {
    expect(
      findDecreasedLeaf(
        [{ account: A, amount: 5n }],
        [
          { account: A, amount: 5n },
          { account: B, amount: 1n },
        ],
      ),
    ).to.be.null;
  });
  it("behavior: an account lowered and the difference moved to another is named", () => {
    const d = findDecreasedLeaf(
      [
        { account: A, amount: 100n },
        { account: B, amount: 100n },
      ],
      [
        { account: A, amount: 40n },
        { account: B, amount: 160n },
      ],
    );
    expect(d).to.deep.equal({ account: A, previousMicroUsd: 100n, cumulativeMicroUsd: 40n });
    expect(describeDecreasedLeaf(d!)).to.contain(A).and.contain("40 µUSD").and.contain("100 µUSD");
  });
  it("behavior: an account dropped from the tree counts as 0 (addresses compared case-insensitively)", () => {
    expect(
      findDecreasedLeaf([{ account: A.toUpperCase().replace("0X", "0x") as typeof A, amount: 1n }], []),
    ).to.deep.equal({
      account: A,
      previousMicroUsd: 1n,
      cumulativeMicroUsd: 0n,
    });
  });
});
