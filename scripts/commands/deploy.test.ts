import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";

const CLI = path.join(import.meta.dirname, "..", "ledger.ts");
const ledger = (args: string[]) => spawnSync(process.execPath, [CLI, "deploy", ...args], { encoding: "utf8" });

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
});
