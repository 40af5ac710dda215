import { describe, it } from "node:test";
import { expect } from "chai";
import { bumpFees } from "../submitter.ts";

const GWEI = 1_000_000_000n;
/** What nodes require of a same-nonce replacement: both fields up by ≥ 10 %. */
const replaces = (next: bigint, previous: bigint) => next * 10n >= previous * 11n && next > previous;

describe("bumpFees (same-nonce replacement fees)", () => {
  it("default: both EIP-1559 fields rise by 25 % (+1 wei) when the estimate has not moved", () => {
    const previous = { maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    const next = bumpFees(previous, previous);
    expect(next).to.deep.equal({ maxFeePerGas: 50n * GWEI + 1n, maxPriorityFeePerGas: (5n * GWEI) / 2n + 1n });
  });

  it("behavior: a falling estimate never makes the replacement underpriced", () => {
    const previous = { maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    const next = bumpFees(previous, { maxFeePerGas: GWEI, maxPriorityFeePerGas: 1n });
    expect(replaces(next.maxFeePerGas, previous.maxFeePerGas)).to.equal(true);
    expect(replaces(next.maxPriorityFeePerGas, previous.maxPriorityFeePerGas)).to.equal(true);
  });

  it("behavior: a rising estimate is followed when it is above the bump", () => {
    const previous = { maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI };
    const estimate = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 3n * GWEI };
    expect(bumpFees(previous, estimate)).to.deep.equal(estimate);
  });

  it("behavior: zero and tiny fees still rise; maxFeePerGas never falls below the tip", () => {
    for (const v of [0n, 1n, 3n, 9n]) {
      const next = bumpFees(
        { maxFeePerGas: v, maxPriorityFeePerGas: v },
        { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n },
      );
      expect(next.maxPriorityFeePerGas > v, `tip from ${v}`).to.equal(true);
      expect(next.maxFeePerGas >= next.maxPriorityFeePerGas).to.equal(true);
      if (v > 0n) expect(replaces(next.maxFeePerGas, v)).to.equal(true);
    }
    const tipAboveCap = bumpFees(
      { maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI },
      { maxFeePerGas: 0n, maxPriorityFeePerGas: 5n * GWEI },
    );
    expect(tipAboveCap.maxFeePerGas).to.equal(tipAboveCap.maxPriorityFeePerGas);
  });
});
