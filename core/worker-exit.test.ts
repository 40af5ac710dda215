import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "chai";

const SCRIPT = fileURLToPath(new URL("./fixtures/close-workers-early.ts", import.meta.url));

describe("worker-exit", () => {
  it("attack: pools and line verifiers closed while their workers load or recover never abort the process", () => {
    const res = spawnSync(process.execPath, [SCRIPT, "6"], { encoding: "utf8", timeout: 300_000 });
    expect(res.signal, res.stderr).to.equal(null);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.include("closed 6 pools and 6 line verifiers");
    expect(res.stderr).not.to.include("Napi::Error");
  });
});
