import { describe, it } from "node:test";
import { expect } from "chai";
import { loadOracleConfig } from "./config.ts";
import { OracleConfigError } from "./errors.ts";

const BASE = {
  LEDGER_DISTRIBUTOR_ADDRESS: "0x000000000000000000000000000000000000dEaD",
  LEDGER_COORDINATOR_ADDRESS: "0x000000000000000000000000000000000000bEEF",
};

describe("oracle configuration: the submitter's fault settings", () => {
  it("default: 1 confirmation, fees bumped after 60 s", () => {
    const config = loadOracleConfig(BASE);
    expect(config.confirmations).to.equal(1);
    expect(config.bumpAfterMs).to.equal(60_000);
  });

  it("behavior: LEDGER_CONFIRMATIONS and LEDGER_FEE_BUMP_SECONDS are read", () => {
    const config = loadOracleConfig({ ...BASE, LEDGER_CONFIRMATIONS: "12", LEDGER_FEE_BUMP_SECONDS: "45" });
    expect(config.confirmations).to.equal(12);
    expect(config.bumpAfterMs).to.equal(45_000);
  });

  it("behavior: log scans start at LEDGER_START_BLOCK (default 0) in chunks of LEDGER_LOG_CHUNK_BLOCKS (default 10 000)", () => {
    expect(loadOracleConfig(BASE)).to.include({ startBlock: 0n, logChunkBlocks: 10_000 });
    const config = loadOracleConfig({ ...BASE, LEDGER_START_BLOCK: "23456789", LEDGER_LOG_CHUNK_BLOCKS: "2000" });
    expect(config).to.include({ startBlock: 23_456_789n, logChunkBlocks: 2_000 });
    expect(() => loadOracleConfig({ ...BASE, LEDGER_START_BLOCK: "-1" }))
      .to.throw(OracleConfigError)
      .with.property("shortMessage")
      .that.matches(/^LEDGER_START_BLOCK must be a block number$/);
  });

  for (const [name, value] of [
    ["LEDGER_LOG_CHUNK_BLOCKS", "0"],
    ["LEDGER_FEE_BUMP_SECONDS", "0"],
    ["LEDGER_FEE_BUMP_SECONDS", "3601"],
    ["LEDGER_FEE_BUMP_SECONDS", "1.5"],
    ["LEDGER_CONFIRMATIONS", "0"],
    ["LEDGER_CONFIRMATIONS", "many"],
  ] as const) {
    it(`error: ${name}=${value} is refused with one line naming the variable`, () => {
      expect(() => loadOracleConfig({ ...BASE, [name]: value }))
        .to.throw(OracleConfigError)
        .with.property("shortMessage")
        .that.matches(new RegExp(`^${name} must be an integer in \\d+…\\d+$`));
    });
  }
});
