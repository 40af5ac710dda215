import { describe, it } from "node:test";
import { expect } from "chai";
import {
  InvalidAmountError,
  MAX_UINT256,
  formatUsd,
  microUsdToTokenUnits,
  parseUint,
  parseUsd,
  tokenUnitsToMicroUsd,
} from "./units.ts";

describe("units", () => {
  it("default: $0.05 is 50 000 µUSD and formats back", () => {
    expect(parseUsd("0.05")).to.equal(50_000n);
    expect(parseUsd("12")).to.equal(12_000_000n);
    expect(parseUsd("-1.000001")).to.equal(-1_000_001n);
    expect(formatUsd(50_000n)).to.equal("0.050000");
    expect(formatUsd(-1_000_001n)).to.equal("-1.000001");
  });

  it("behavior: converts to 18- and 2-decimal tokens at one boundary, rounding down", () => {
    expect(microUsdToTokenUnits(1_234_567n, 18)).to.equal(1_234_567_000_000_000_000n);
    expect(microUsdToTokenUnits(1_234_567n, 6)).to.equal(1_234_567n);
    expect(microUsdToTokenUnits(1_239_999n, 2)).to.equal(123n);
    expect(tokenUnitsToMicroUsd(1_234_567_999_999_999_999n, 18)).to.equal(1_234_567n);
    expect(tokenUnitsToMicroUsd(123n, 2)).to.equal(1_230_000n);
  });

  it("error: rejects sub-µUSD precision, garbage and out-of-range integers", () => {
    expect(() => parseUsd("0.0000001")).to.throw(InvalidAmountError, /6 decimal places/);
    expect(() => parseUsd("1e3")).to.throw(InvalidAmountError);
    expect(() => parseUint("01")).to.throw(InvalidAmountError);
    expect(() => parseUint("-1")).to.throw(InvalidAmountError);
    expect(() => parseUint((MAX_UINT256 + 1n).toString())).to.throw(InvalidAmountError, /2\^256/);
    expect(parseUint(MAX_UINT256.toString())).to.equal(MAX_UINT256);
    expect(() => microUsdToTokenUnits(1n, 1.5)).to.throw(InvalidAmountError);
  });
});
