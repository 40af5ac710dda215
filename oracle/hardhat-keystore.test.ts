/**
 * Oracle keys from the real Hardhat keystore: `hardhat keystore set --dev` stores a key in a
 * throw-away config directory (XDG_CONFIG_HOME), then a separate process loads the oracle's
 * configuration from `LEDGER_ORACLE_*_HARDHAT_KEYSTORE` exactly as `ledger oracle` does. The
 * child processes run without `CI` in their environment, since Hardhat never consults a
 * keystore in CI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HARDHAT = path.join(ROOT, "node_modules/.bin/hardhat");
const SIGNER_KEY = `0x${"5a".repeat(32)}` as const;
const PROPOSER_KEY = `0x${"6b".repeat(32)}` as const;
const BASE_ENV = {
  LEDGER_DISTRIBUTOR_ADDRESS: `0x${"11".repeat(20)}`,
  LEDGER_COORDINATOR_ADDRESS: `0x${"22".repeat(20)}`,
};

describe("oracle keys from the Hardhat keystore", () => {
  let configHome: string;
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome, ...BASE_ENV };
    delete e.CI;
    delete e.LEDGER_DEV_MODE;
    return { ...e, ...extra };
  };
  const setKey = (name: string, value: string) => {
    const res = spawnSync(HARDHAT, ["keystore", "set", "--dev", name], {
      cwd: ROOT,
      env: env({}),
      input: `${value}\n`,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status, res.stderr + res.stdout).to.equal(0);
  };
  /** Loads the oracle's config in a fresh process; returns its exit code and one output line. */
  const loadConfig = (extra: Record<string, string>) => {
    const script = `
      import { loadOracleConfigWithKeystores } from ${JSON.stringify(path.join(ROOT, "oracle/config.ts"))};
      try {
        const c = await loadOracleConfigWithKeystores();
        process.stdout.write(JSON.stringify({ signerKeys: c.signerKeys, proposerKey: c.proposerKey ?? null }));
      } catch (err) { process.stderr.write(err.shortMessage ?? err.message); process.exitCode = 1; }`;
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: env(extra),
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr.trim() };
  };

  before(() => {
    configHome = mkdtempSync(path.join(tmpdir(), "ledger-hh-keystore-"));
    setKey("ORACLE_SIGNER_KEY", SIGNER_KEY);
    setKey("ORACLE_PROPOSER_KEY", PROPOSER_KEY);
    setKey("NOT_A_KEY", "hello");
  });
  after(() => rmSync(configHome, { recursive: true, force: true }));

  it("default: loads the signer and proposer keys named by *_HARDHAT_KEYSTORE", () => {
    const res = loadConfig({
      LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "ORACLE_SIGNER_KEY",
      LEDGER_ORACLE_PROPOSER_HARDHAT_KEYSTORE: "ORACLE_PROPOSER_KEY",
    });
    expect(res.status, res.stderr).to.equal(0);
    const config = JSON.parse(res.stdout) as { signerKeys: string[]; proposerKey: string };
    expect(config.signerKeys).to.deep.equal([SIGNER_KEY]);
    expect(config.proposerKey).to.equal(PROPOSER_KEY);
  });

  it("error: a name the keystore does not hold fails with one line naming it", () => {
    const res = loadConfig({ LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "NO_SUCH_KEY" });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.equal("no key NO_SUCH_KEY in the Hardhat keystore (npx hardhat keystore set NO_SUCH_KEY)");
  });

  it("error: a stored value that is not a private key is refused without echoing it", () => {
    const res = loadConfig({ LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "NOT_A_KEY" });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.include("is not a private key").and.not.include("hello");
  });

  it("attack: an environment variable shadowing the keystore entry is a plain key, refused outside dev mode", () => {
    const res = loadConfig({
      LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "ORACLE_SIGNER_KEY",
      ORACLE_SIGNER_KEY: PROPOSER_KEY,
    });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.include("allowed only with LEDGER_DEV_MODE=1").and.not.include(PROPOSER_KEY.slice(2));
  });

  it("error: two key sources for one role are refused", () => {
    const res = loadConfig({
      LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "ORACLE_SIGNER_KEY",
      LEDGER_ORACLE_SIGNER_PRIVATE_KEY: PROPOSER_KEY,
      LEDGER_DEV_MODE: "1",
    });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.include("set one key source");
  });

  it("error: a malformed variable name is refused before Hardhat is asked", () => {
    const res = loadConfig({ LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE: "../etc/passwd" });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.include("must name a configuration variable");
  });
});
