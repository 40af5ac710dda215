import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";

const CLI = path.join(import.meta.dirname, "..", "ledger.ts");
const ledger = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, "deploy", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
const EXAMPLE = path.join(import.meta.dirname, "..", "..", "ignition", "parameters.example.json");

/**
 * `ledger deploy` runs Hardhat Ignition as a child process: the dev module on Hardhat's
 * in-process network (nothing recorded on disk, so the addresses come from Ignition's output),
 * and one plain line for each mistake.
 */
describe("ledger deploy", () => {
  it("default: --dev on the in-process network prints the deployed addresses", () => {
    const r = ledger(["--network", "default", "--dev", "--json"]);
    expect(r.status, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as { addresses: Record<string, string>; file: string | null };
    expect(result.file).to.equal(null);
    expect(result.addresses["MockUSD#MockUSD"]).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(result.addresses["DevRewardsDistributor#RewardsDistributor"]).to.match(/^0x[0-9a-fA-F]{40}$/);
  });

  it("error: usage mistakes exit 2 with one line; Ignition's own failure exits 1 with its error", () => {
    const one = (r: ReturnType<typeof ledger>, code: number, re: RegExp) => {
      expect(r.status, r.stderr).to.equal(code);
      const lines = r.stderr.trim().split("\n");
      expect(lines.at(-1)).to.match(re);
      expect(r.stderr).to.not.match(/^\s+at /m);
    };
    one(ledger([]), 2, /^ledger deploy: --network NAME is required$/);
    one(ledger(["--network", "base sepolia"]), 2, /^ledger deploy: --network must be a network name/);
    one(ledger(["--network", "baseSepolia"]), 2, /--parameters FILE is required for the production module/);
    one(
      ledger(["--network", "baseSepolia", "--parameters", "/nonexistent.json"]),
      2,
      /cannot read the parameters file/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), "ledger-deploy-"));
    writeFileSync(path.join(dir, "p.json"), "{not json");
    one(ledger(["--network", "baseSepolia", "--parameters", path.join(dir, "p.json")]), 2, /is not JSON/);
    one(
      ledger(["--network", "nope", "--dev"]),
      1,
      /^ledger deploy: hardhat ignition deploy failed \(exit 1\): .*HHE705.*"nope" is not defined/,
    );
  });

  it("error: a production parameters file is checked before Ignition runs: one line per problem, nothing deployed", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ledger-deploy-"));
    const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as { RewardsDistributor: Record<string, unknown> };
    const p = example.RewardsDistributor;
    // A deployer key in the environment as hardhat.config.ts reads it (Hardhat's public test key #0).
    const deployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const deployer = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    const bad = {
      RewardsDistributor: {
        ...p,
        guardian: undefined,
        proposer: p.governors && (p.governors as string[])[0],
        pauser: deployer,
        governanceDelaySeconds: 3_600,
        threshold: 4,
        sigers: [],
      },
    };
    writeFileSync(path.join(dir, "bad.json"), JSON.stringify(bad));
    const r = ledger(["--network", "baseSepolia", "--parameters", path.join(dir, "bad.json")], {
      BASE_SEPOLIA_PRIVATE_KEY: deployerKey,
    });
    expect(r.status, r.stderr).to.equal(2);
    const lines = r.stderr
      .trim()
      .split("\n")
      .map((l) => l.replace(/^.*bad\.json: /, ""));
    expect(lines).to.deep.equal([
      '"sigers" is not a parameter of the RewardsDistributor module (a typo?)',
      '"threshold" 4 is more than the 3 signers',
      '"governanceDelaySeconds" 3600 is shorter than "disputeWindowSeconds" 86400: a change must wait at least as long as the guardian\'s window (omit it to use the dispute window)',
      '"guardian" is required: the address that holds this role (never the deployer)',
      '"proposer" 0x7777777777777777777777777777777777777777 is also a governor: the oracle\'s poster must not schedule admin changes',
      `"pauser" is the deploying key ${deployer}: the deployer must hold no role after deployment`,
      `ledger deploy: the parameters file ${path.join(dir, "bad.json")} has 6 problems (above): nothing was deployed`,
    ]);
    expect(r.stderr).to.not.include(deployerKey.slice(2));

    const missing = { RewardsDistributor: { ...p, governors: undefined, proposer: "0x12" } };
    writeFileSync(path.join(dir, "missing.json"), JSON.stringify(missing));
    const m = ledger(["--network", "baseSepolia", "--parameters", path.join(dir, "missing.json")]);
    expect(m.status).to.equal(2);
    expect(m.stderr).to.include('"proposer" must be a 0x-prefixed 20-byte address');
    expect(m.stderr).to.include('"governors" is required: a non-empty list of addresses');

    // The example itself passes the checks and reaches Ignition (which then refuses the unknown network).
    const ok = ledger(["--network", "nope", "--parameters", EXAMPLE]);
    expect(ok.status, ok.stderr).to.equal(1);
    expect(ok.stderr.trim().split("\n").at(-1)).to.match(
      /hardhat ignition deploy failed \(exit 1\): .*"nope" is not defined/,
    );
  });
});
