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

  for (const [name, value] of [
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
