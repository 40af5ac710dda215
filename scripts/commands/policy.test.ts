import { describe, it } from "node:test";
import { expect } from "chai";
import { recoverTypedDataAddress } from "viem";
import { toTypedDataDomain } from "../../core/eip712/domain.ts";
import { eip712Types } from "../../core/eip712/messages.ts";
import { privateKeyToAddress } from "../../core/sign.ts";
import { runLedgerCli } from "../../test/helpers/cli.ts";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const; // Hardhat #1 (public)
const DISTRIBUTOR = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

const ledger = (args: string[], env: Record<string, string> = {}) =>
  runLedgerCli(["policy", ...args], { LEDGER_POLICY_PRIVATE_KEY: "", ...env });

describe("ledger policy sign", () => {
  it("default: signs a FounderStatus where the key lives; viem recovers the policy key; the key is never printed", async () => {
    const r = await ledger(
      [
        "sign",
        "founder",
        "0x00000000000000000000000000000000000000f1",
        "--founder",
        "false",
        "--effective-epoch",
        "12",
        "--reason",
        "left the programme (asked by the supporter)",
        "--issued-at",
        "1800000000",
        "--chain-id",
        "8453",
        "--distributor",
        DISTRIBUTOR,
      ],
      { LEDGER_POLICY_PRIVATE_KEY: KEY },
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.not.include(KEY.slice(2));
    const out = JSON.parse(r.stdout) as {
      primaryType: string;
      message: Record<string, unknown>;
      signer: string;
      policySignature: `0x${string}`;
    };
    expect(out.primaryType).to.equal("FounderStatus");
    expect(out.signer).to.equal(privateKeyToAddress(KEY));
    const signer = await recoverTypedDataAddress({
      domain: toTypedDataDomain({ chainId: 8453, verifyingContract: DISTRIBUTOR }),
      types: eip712Types.FounderStatus,
      primaryType: "FounderStatus",
      message: {
        node: "0x00000000000000000000000000000000000000f1",
        founder: false,
        effectiveEpoch: 12n,
        issuedAt: 1_800_000_000n,
        reason: "left the programme (asked by the supporter)",
      },
      signature: out.policySignature,
    });
    expect(signer.toLowerCase()).to.equal(privateKeyToAddress(KEY));
  });

  it("error: a bad argument is one line and exit 2 before any key is needed; no key is one line naming the variable", async () => {
    const bad = await ledger([
      "sign",
      "founder",
      "0x00000000000000000000000000000000000000f1",
      "--founder",
      "maybe",
      "--distributor",
      DISTRIBUTOR,
    ]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/--founder must be true \(grant\) or false \(revoke\)/);
    const noKey = await ledger(["sign", "budget", "--from-epoch", "3", "--usd", "1000", "--distributor", DISTRIBUTOR]);
    expect(noKey.status).to.equal(2);
    expect(noKey.stderr).to.match(/set LEDGER_POLICY_PRIVATE_KEY to the signing key/);
    const usd = await ledger(["sign", "budget", "--from-epoch", "3", "--usd", "1e3", "--distributor", DISTRIBUTOR], {
      LEDGER_POLICY_PRIVATE_KEY: KEY,
    });
    expect(usd.status).to.equal(2);
    expect(usd.stderr).to.match(/--usd must be a USD amount/);
  });
});
