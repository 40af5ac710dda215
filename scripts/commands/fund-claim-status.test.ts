import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { createPublicClient, createWalletClient, erc20Abi, http, parseAbi, type Address, type Hex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { distributorAbi } from "../../chain/abi.ts";
import { runLedgerCli, type CliRun } from "../../test/helpers/cli.ts";
import type { Actor } from "../lib/simulator.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const devKey = (index: number): Hex => {
  const hd = mnemonicToAccount("test test test test test test test test test test test junk", {
    addressIndex: index,
  }).getHdKey();
  return `0x${Buffer.from(hd.privateKey!).toString("hex")}`;
};

type Run = CliRun;
/** `ledger …` as a child process (asynchronously: the chain and the API live in another child). */
const ledger = (args: string[], env: Record<string, string> = {}) =>
  runLedgerCli(args, { LEDGER_PRIVATE_KEY: "", ...env });

/** One error line on stderr, nothing like a stack trace. */
function expectOneLine(r: Run, code: number, re: RegExp) {
  expect(r.status, r.stderr + r.stdout).to.equal(code);
  const lines = r.stderr.trim().split("\n");
  expect(lines[0], r.stderr).to.match(re);
  expect(r.stderr).to.not.match(/^\s+at /m);
}

/**
 * `ledger fund`, `ledger claim` (direct, and the gasless sign → relay path) and `ledger status`
 * against the real thing: `scripts/start.ts` as a child process (journaled dev chain over HTTP,
 * Ignition deployment, PGlite, API, indexer, oracle, simulated supporters), balances read
 * on-chain before and after.
 */
describe("ledger fund, claim and status against npm start", () => {
  let dataDir: string;
  let child: ChildProcess;
  let output = "";
  let api = "";
  let rpc = "";
  let distributor: Address;
  let token: Address;
  let actors: Actor[];
  let client: ReturnType<typeof createPublicClient>;

  const waitFor = async (re: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(output);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output so far:\n${output}`);
      if (child.exitCode !== null) throw new Error(`start.ts exited ${child.exitCode}:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const balance = (who: Address) =>
    client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  /** Claims race the oracle finalizing a newer root every few seconds: one retry when they lose. */
  const retrying = async (args: string[], env: Record<string, string>) => {
    const r = await ledger(args, env);
    if (r.status !== 0 && /API has caught up|RootMismatch/.test(r.stderr)) {
      await new Promise((res) => setTimeout(res, 3_000));
      return ledger(args, env);
    }
    return r;
  };
  // Honest supporters beyond the first two (whom start.ts itself claims for).
  const unclaimed = () => actors.filter((a) => a.behaviour === "honest").slice(2);

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "ledger-cli-"));
    child = spawn(
      process.execPath,
      [
        path.join(ROOT, "scripts/start.ts"),
        ...["--data-dir", dataDir, "--port", "0", "--chain-port", "0"],
        ...["--epoch-seconds", "8", "--dispute-seconds", "3", "--supporters", "8"],
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    api = (await waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/, 120_000))[1]!;
    rpc = (await waitFor(/chain RPC\s+(http:\/\/127\.0\.0\.1:\d+)/, 10_000))[1]!;
    const state = JSON.parse(readFileSync(path.join(dataDir, "dev.json"), "utf8")) as {
      distributor: Address;
      token: Address;
      actors: Actor[];
    };
    ({ distributor, token, actors } = state);
    client = createPublicClient({ transport: http(rpc) });
    await waitFor(/epoch 1 finalized/, 180_000);
    // The indexer must have seen the finalization before the API hands out proofs for it.
    await new Promise((r) => setTimeout(r, 2_000));
  });
  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("default: ledger fund approves and funds AMOUNT USD from the key in LEDGER_PRIVATE_KEY", async () => {
    const funderKey = devKey(3);
    const funder = privateKeyToAccount(funderKey);
    const wallet = createWalletClient({ account: funder, transport: http(rpc) });
    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: token,
        abi: parseAbi(["function mint(address to, uint256 amount)"]),
        functionName: "mint",
        args: [funder.address, 100_000_000n],
        chain: null,
      }),
    });
    const abi = distributorAbi();
    const netBefore = await client.readContract({ address: distributor, abi, functionName: "netFunded" });
    const r = await ledger(["fund", "12.5", "--rpc", rpc, "--distributor", distributor], {
      LEDGER_PRIVATE_KEY: funderKey,
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/funded \$12\.500000 \(12500000 token units\)/);
    expect(r.stdout + r.stderr).to.not.include(funderKey.slice(2));
    expect(await client.readContract({ address: distributor, abi, functionName: "netFunded" })).to.equal(
      netBefore + 12_500_000n,
    );
    expect(await balance(funder.address)).to.equal(87_500_000n);
  });

  it("default: ledger claim pays ACCOUNT its entitlement (balance changes on-chain)", async () => {
    const a = unclaimed()[0]!;
    const before = await balance(a.payout);
    const r = await retrying(["claim", a.payout, "--api", api, "--rpc", rpc], { LEDGER_PRIVATE_KEY: devKey(2) });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^claimed \$\d+\.\d{6} for 0x/);
    const after = await balance(a.payout);
    expect(after > before, `${before} → ${after}`).to.equal(true);
  });

  it("default: claimWithSig — the account signs (--sign-only), a relayer submits (--with-sig) and earns its fee", async () => {
    const a = unclaimed()[1]!;
    const recipient = privateKeyToAccount(devKey(11)).address.toLowerCase() as Address;
    const relayer = privateKeyToAccount(devKey(4)).address.toLowerCase() as Address;
    const signed = await ledger(
      [
        "claim",
        a.payout,
        "--sign-only",
        "--api",
        api,
        "--rpc",
        rpc,
        "--recipient",
        recipient,
        "--max-fee",
        "0.000010",
        "--deadline-seconds",
        "600",
        "--key-env",
        "SUPPORTER_KEY",
      ],
      { SUPPORTER_KEY: a.payoutKey },
    );
    expect(signed.status, signed.stderr).to.equal(0);
    const auth = JSON.parse(signed.stdout.trim()) as { account: string; signature: string; maxRelayerFee: string };
    expect(auth.account).to.equal(a.payout.toLowerCase());
    expect(auth.maxRelayerFee).to.equal("10");
    expect(auth.signature).to.match(/^0x[0-9a-f]{130}$/);

    const [recipientBefore, relayerBefore] = [await balance(recipient), await balance(relayer)];
    const relay = ["claim", a.payout, "--with-sig", signed.stdout.trim(), "--api", api, "--rpc", rpc];
    const r = await retrying(relay, { LEDGER_PRIVATE_KEY: devKey(4) });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/relayed claimWithSig/);
    expect(await balance(relayer)).to.equal(relayerBefore + 10n);
    expect((await balance(recipient)) > recipientBefore).to.equal(true);

    // The same authorization again: its nonce is spent (one line, exit 1 or 2, never a trace).
    const again = await ledger(relay, { LEDGER_PRIVATE_KEY: devKey(4) });
    expect(again.status).to.not.equal(0);
    expect(again.stderr.trim().split("\n")).to.have.length(1);
    expect(again.stderr).to.match(/nonce 0 is spent or out of order/);
  });

  it("default: ledger status shows health, epochs, reconciliation and the chain's epochs", async () => {
    const r = await ledger(["status", "--api", api, "--rpc", rpc]);
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/: ok \(database pglite\)/);
    expect(r.stdout).to.match(/epoch +\d+ +Finalized/);
    expect(r.stdout).to.match(/solvent: yes/);
    expect(r.stdout).to.match(/latestEpoch \d+, finalizedEpoch [1-9]\d*/);
  });

  it("error: bad inputs each get one line and the right exit code", async () => {
    const key = { LEDGER_PRIVATE_KEY: devKey(3) };
    const a = unclaimed()[0]!;
    expectOneLine(
      await ledger(["claim", "0x123", "--api", api, "--rpc", rpc], key),
      2,
      /^ledger claim: ACCOUNT must be a 0x-prefixed 20-byte address/,
    );
    expectOneLine(
      await ledger(["claim", "0x000000000000000000000000000000000000dead", "--api", api, "--rpc", rpc], key),
      2,
      /^ledger claim: No supporter, node or claiming account has address 0x0+dead/,
    );
    expectOneLine(
      await ledger(["claim", a.payout, "--api", "http://127.0.0.1:9", "--rpc", rpc], key),
      2,
      /cannot reach the API at http:\/\/127\.0\.0\.1:9$/,
    );
    expectOneLine(
      await ledger(["claim", a.payout, "--api", api, "--rpc", "http://127.0.0.1:9"], key),
      2,
      /cannot reach the RPC at http:\/\/127\.0\.0\.1:9$/,
    );
    expectOneLine(
      await ledger(["claim", a.payout, "--api", api, "--rpc", rpc]),
      2,
      /set LEDGER_PRIVATE_KEY to the signing key/,
    );
    expectOneLine(
      await ledger(["claim", a.payout, "--sign-only", "--api", api, "--rpc", rpc], key),
      2,
      /not .*'s: --sign-only needs the account's own key/,
    );
    expectOneLine(
      await ledger(["fund", "0", "--rpc", rpc, "--distributor", distributor], key),
      2,
      /^ledger fund: AMOUNT must be between \$0\.000001 and/,
    );
    expectOneLine(
      await ledger(["fund", "1.1234567", "--rpc", rpc, "--distributor", distributor], key),
      2,
      /at most 6 decimals/,
    );
    expectOneLine(
      await ledger(["fund", "5", "--rpc", rpc, "--distributor", token], key),
      2,
      /is not a RewardsDistributor/,
    );
    expectOneLine(
      await ledger(["fund", "5", "--rpc", rpc, "--distributor", distributor, "--chain-id", "8453"], key),
      2,
      /^ledger fund: wrong chain: .* is chain 31337, expected chain 8453/,
    );
    expectOneLine(
      await ledger(["fund", "5", "--rpc", rpc, "--distributor", distributor], { LEDGER_PRIVATE_KEY: "0x1234" }),
      2,
      /LEDGER_PRIVATE_KEY is not a private key/,
    );
    const broke = await ledger(["fund", "5", "--rpc", rpc, "--distributor", distributor], {
      LEDGER_PRIVATE_KEY: devKey(12),
    });
    expectOneLine(broke, 2, /holds \$0\.000000 of the token/);
    expectOneLine(await ledger(["status", "--api", "http://127.0.0.1:9"]), 2, /cannot reach the API/);
    expectOneLine(
      await ledger(["status", "--api", api, "--epochs", "1000"]),
      2,
      /--epochs must be an integer in 1…100/,
    );
    expectOneLine(
      await ledger(["claim", a.payout, "--with-sig", "{}", "--api", api, "--rpc", rpc], key),
      2,
      /--with-sig: signature is not 65 bytes/,
    );
    // A supporter's own key with no ETH: refused before sending, saying who pays gas and what to do.
    const noGas = await ledger(["claim", unclaimed()[2]!.payout, "--api", api, "--rpc", rpc], {
      LEDGER_PRIVATE_KEY: `0x${"7".repeat(64)}`,
    });
    expectOneLine(noGas, 1, /^ledger claim: the key paying gas, 0x[0-9a-fA-F]{40}, holds 0 ETH .*--sign-only/);
    expect(noGas.stderr).to.not.match(/Missing or invalid parameters/);
    const help = await ledger(["claim", "--help"]);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/--sign-only/);
  });
});
