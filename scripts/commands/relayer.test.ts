/**
 * `ledger relayer` as a child process against a `hardhat node` with a deployed distributor: it
 * starts from the environment, prints its address and URL (never its key), answers `/healthz` and
 * refuses a bad body; configuration mistakes are one line and exit 2.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startHardhatNode, type HardhatNode } from "../../oracle/testing/hardhat-node.ts";
import { deployTestChain, type DeployedChain } from "../../oracle/testing/chain.ts";
import { runLedgerCli } from "../../test/helpers/cli.ts";

const CLI = fileURLToPath(new URL("../ledger.ts", import.meta.url));

describe("ledger relayer", () => {
  let node: HardhatNode;
  let chain: DeployedChain;
  let child: ChildProcess | undefined;
  const key = generatePrivateKey();
  let output = "";

  before(async () => {
    node = await startHardhatNode();
    chain = await deployTestChain(http(node.url));
  });
  after(() => {
    child?.kill("SIGTERM");
    node?.stop();
  });

  it("serves /healthz and POST /v1/claims from its environment, and never prints its key", async () => {
    child = spawn(process.execPath, [CLI, "relayer"], {
      env: {
        ...process.env,
        LEDGER_RPC_URL: node.url,
        LEDGER_DISTRIBUTOR_ADDRESS: chain.distributor,
        LEDGER_RELAYER_PRIVATE_KEY: key,
        LEDGER_DEV_MODE: "1",
        PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    let m: RegExpExecArray | null;
    while (!(m = /relayer (0x[0-9a-fA-F]{40}) at (http:\/\/\S+)/.exec(output))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`relayer did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(m[1]).to.equal(privateKeyToAccount(key).address);
    const url = m[2]!;
    const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).to.include({ ok: true, relayer: privateKeyToAccount(key).address, chainId: chain.chainId });
    const res = await fetch(`${url}/v1/claims`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: "0x00" }),
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { code: string }).code).to.equal("VALIDATION_FAILED");
    expect(output.toLowerCase()).to.not.include(key.slice(2).toLowerCase());
  });

  it("refuses a missing configuration with one line, exit 2", async () => {
    const r = await runLedgerCli(["relayer"], { LEDGER_RPC_URL: "", LEDGER_DISTRIBUTOR_ADDRESS: "" });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")[0]).to.match(/LEDGER_RPC_URL/);
    const noKey = await runLedgerCli(["relayer"], {
      LEDGER_RPC_URL: node.url,
      LEDGER_DISTRIBUTOR_ADDRESS: chain.distributor,
      LEDGER_RELAYER_PRIVATE_KEY: "",
      LEDGER_RELAYER_KEYSTORE: "",
    });
    expect(noKey.status, noKey.stderr).to.equal(2);
    expect(noKey.stderr).to.match(/LEDGER_RELAYER_KEYSTORE/);
  });
});
