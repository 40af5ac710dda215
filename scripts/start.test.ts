import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { parseDatasetChunks } from "../core/dataset/parse.ts";

const ROOT = path.join(import.meta.dirname, "..");

/**
 * The product in one command, end to end: `npm start`'s script on a fresh data directory
 * (in-process chain deployed through Ignition, PGlite, API, indexer, oracle, simulated network
 * with cheaters) must finalize epochs, and the auditor's `ledger verify-epoch` must accept an
 * honest epoch and reject one whose published dataset was tampered with. Then it restarts on
 * the same data directory and resumes.
 */
describe("npm start (the whole ledger) and ledger verify-epoch against it", () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  let output = "";
  let apiUrl = "";
  let rpcUrl = "";

  const start = () => {
    output = "";
    child = spawn(
      process.execPath,
      [
        path.join(ROOT, "scripts/start.ts"),
        "--data-dir",
        dataDir,
        "--port",
        "0",
        "--chain-port",
        "0",
        "--epoch-seconds",
        "8",
        "--dispute-seconds",
        "3",
        "--supporters",
        "6",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  };
  const waitFor = async (re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(output);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output so far:\n${output}`);
      if (child?.exitCode !== null && child?.exitCode !== undefined)
        throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGINT");
    await exited;
  };
  const verify = (epoch: number) =>
    spawnSync(
      process.execPath,
      [path.join(ROOT, "scripts/ledger.ts"), "verify-epoch", String(epoch), "--api", apiUrl, "--rpc", rpcUrl],
      { encoding: "utf8" },
    );

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "ledger-start-"));
    start();
  });
  after(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("default: prints its URLs and finalizes epochs 1 to 3, with supporters claiming", async () => {
    apiUrl = (await waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/, 120_000))[1]!;
    rpcUrl = (await waitFor(/chain RPC\s+(http:\/\/127\.0\.0\.1:\d+)/, 10_000))[1]!;
    // The distributor's admin is the dev RewardsTimelock: printed, and recorded in dev.json for other tools.
    const timelock = (await waitFor(/governance (0x[0-9a-f]{40}) \(the distributor's admin\)/, 10_000))[1]!;
    const devState = JSON.parse(readFileSync(path.join(dataDir, "dev.json"), "utf8")) as { timelock?: string };
    expect(devState.timelock).to.equal(timelock);
    await waitFor(/epoch 3 finalized/, 240_000);
    expect(output).to.match(/epoch 1 finalized/);
    // The guardian's watchtower runs in-process and recomputed each proposed root within its window.
    expect(output).to.match(/watchtower guardian 0x[0-9a-fA-F]{40}: recomputes every proposed root/);
    await waitFor(/watchtower: epoch 3 attempt 1 root 0x[0-9a-f]{64} verified: /, 10_000);
    expect(output).to.match(/watchtower: epoch 1 attempt 1 root 0x[0-9a-f]{64} verified: /);
    expect(output).to.not.match(/watchtower: epoch \d+ attempt \d+ root 0x[0-9a-f]{64} vetoed/);
    expect(output).to.match(/claimed up to \$/);
    const health = (await (await fetch(`${apiUrl}/healthz`)).json()) as { db: string };
    expect(health.db).to.equal("pglite");
    // The dashboard reads the dev chain directly from the browser (its CSP allows that origin).
    const page = await fetch(`${apiUrl}/dashboard/config.json`);
    const config = (await page.json()) as { chainRpcUrl: string | null; relayerUrl: string | null; startBlock: string };
    expect(config.chainRpcUrl).to.equal(rpcUrl);
    expect(config.startBlock).to.match(/^\d+$/);
    expect(page.headers.get("content-security-policy")).to.include(`connect-src 'self' ${new URL(rpcUrl).origin}`);
    // … and posts gasless claims to npm start's relayer, whose origin the CSP allows too.
    const relayerUrl = output.match(/relayer\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    expect(config.relayerUrl).to.equal(relayerUrl);
    expect(page.headers.get("content-security-policy")).to.include(new URL(relayerUrl!).origin);
    // The simulated platform reported its CDN's bytes for the computed epochs, as an admin would.
    const net = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ oracleEpochs(first: 20, status: "FINALIZED") { edges { node { epoch
          metrics { supporterCountedBytes cdnBytes cdnReports { provider servedBytes } } } } } }`,
      }),
    });
    type Metrics = { supporterCountedBytes: string; cdnBytes: string; cdnReports: { provider: string }[] };
    const finalized = (
      (await net.json()) as { data: { oracleEpochs: { edges: { node: { epoch: string; metrics: Metrics } }[] } } }
    ).data.oracleEpochs.edges;
    expect(finalized.length).to.be.at.least(3);
    for (const { node } of finalized) {
      expect(
        node.metrics.cdnReports.map((r) => r.provider),
        `window ${node.epoch}`,
      ).to.deep.equal(["simulated-cdn"]);
      const [counted, cdn] = [BigInt(node.metrics.supporterCountedBytes), BigInt(node.metrics.cdnBytes)];
      expect(cdn * 100n >= counted * 150n && cdn * 100n <= counted * 250n, `window ${node.epoch}`).to.equal(true);
    }
  });

  it("behavior: the fraud rules caught the simulated cheaters", async () => {
    const res = await fetch(`${apiUrl}/metrics`);
    const text = await res.text();
    expect(text).to.match(/INVALID_SIGNATURE/); // the forger's receipts, rejected at ingest
  });

  it("default: ledger verify-epoch 2 recomputes the epoch and exits 0", () => {
    const res = verify(2);
    expect(res.stdout, res.stderr).to.match(/^epoch 2: VERIFIED/);
    expect(res.status).to.equal(0);
  });

  it("default: ledger verify-chain walks epochs 1 to 3 of the run, each linked to the one before", () => {
    const res = spawnSync(
      process.execPath,
      [path.join(ROOT, "scripts/ledger.ts"), "verify-chain", "--api", apiUrl, "--rpc", rpcUrl, "--to", "3"],
      { encoding: "utf8" },
    );
    expect(res.stdout, res.stderr).to.match(/^chain VERIFIED: epochs 1–3, each linked to the one before\n$/);
    expect(res.stderr).to.match(/epoch 1: VERIFIED[\s\S]*epoch 2: VERIFIED[\s\S]*epoch 3: VERIFIED/);
    expect(res.status).to.equal(0);
  });

  it("default: ledger guardian watch --once with the dev guardian key follows the run and vetoes nothing", () => {
    const distributor = /RewardsDistributor (0x[0-9a-f]{40})/.exec(output)![1]!;
    const res = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "scripts/ledger.ts"),
        "guardian",
        "watch",
        "--once",
        "--rpc",
        rpcUrl,
        "--api",
        apiUrl,
        "--distributor",
        distributor,
      ],
      {
        encoding: "utf8",
        // Hardhat's account #0, the dev deployment's guardian (a public test key)
        env: {
          ...process.env,
          LEDGER_PRIVATE_KEY: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        },
      },
    );
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(
      /watchtower: guardian 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 follows RootProposed on 0x[0-9a-f]{40} \(chain 31337\)/,
    );
    expect(res.stdout).to.match(/proposal\(s\) no longer pending, skipped: epoch 1 attempt 1 \(Finalized\)/);
    expect(res.stdout).to.not.match(/vetoed \(tx/);
  });

  it("default: ledger dataset export mirrors epochs 1 and 2, and verify-epoch checks the files offline", () => {
    const cli = path.join(ROOT, "scripts/ledger.ts");
    const files = [1, 2].map((n) => path.join(dataDir, `mirror-${n}.ndjson`));
    for (const [i, file] of files.entries()) {
      const res = spawnSync(process.execPath, [cli, "dataset", "export", String(i + 1), file, "--api", apiUrl], {
        encoding: "utf8",
      });
      expect(res.status, res.stderr).to.equal(0);
      expect(res.stdout).to.match(new RegExp(`^epoch ${i + 1}: \\d+ bytes, datasetHash 0x[0-9a-f]{64} → `));
    }
    const res = spawnSync(
      process.execPath,
      [cli, "verify-epoch", "2", "--dataset", files[1]!, "--previous-dataset", files[0]!, "--rpc", rpcUrl],
      { encoding: "utf8" },
    );
    expect(res.stdout, res.stderr).to.match(/^epoch 2: VERIFIED/);
    expect(res.stdout).to.include("ok   carried over from epoch 1");
    expect(res.status).to.equal(0);
  });

  it("default: ledger verify-receipt proves a counted receipt against the on-chain receiptsRoot; a rejected one is not proven", async () => {
    const cli = path.join(ROOT, "scripts/ledger.ts");
    const bytes = new Uint8Array(await (await fetch(`${apiUrl}/v1/epochs/2/dataset`)).arrayBuffer());
    const { verdicts, receiptsRoot } = parseDatasetChunks([bytes]).dataset.outputs;
    const counted = verdicts.find((v) => v.id !== null && v.countedBytes > 0n)!;
    const rejected = verdicts.find((v) => v.id !== null && v.countedBytes === 0n && v.status === "rejected");
    const run = (id: string) =>
      spawnSync(
        process.execPath,
        [cli, "verify-receipt", "--epoch", "2", "--receipt", id, "--api", apiUrl, "--rpc", rpcUrl],
        {
          encoding: "utf8",
        },
      );
    const ok = run(counted.id!);
    expect(ok.stdout, ok.stderr).to.equal(
      `receipt ${counted.id}: COUNTED in epoch 2, ${counted.countedBytes} bytes, under the on-chain receiptsRoot ${receiptsRoot}\n`,
    );
    expect(ok.status).to.equal(0);
    for (const id of [rejected?.id ?? `0x${"ab".repeat(32)}`, `0x${"cd".repeat(32)}`]) {
      const res = run(id);
      expect(res.status, id).to.equal(1);
      expect(res.stdout).to.match(/NOT PROVEN in epoch 2: the API has no proof that receipt/);
      expect(res.stderr.trim().split("\n")).to.have.length(1);
    }
    const bad = run("0x1234");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--receipt ID must be the receipt's id/);
  });

  it("error: one tampered receipt in the served dataset makes verify-epoch exit 1, naming what differs", () => {
    const dir = path.join(dataDir, "datasets");
    const served = spawnSync("curl", ["-sI", `${apiUrl}/v1/epochs/2/dataset`], { encoding: "utf8" }).stdout;
    const hash = /x-dataset-hash: (0x[0-9a-f]{64})/i.exec(served)?.[1];
    const file = readdirSync(dir).find((f) => hash && f.startsWith(hash.toLowerCase()));
    expect(file, `dataset ${hash} in ${dir}`).to.be.a("string");
    const original = readFileSync(path.join(dir, file!), "utf8");
    const tampered = original.replace(
      /"cumulativeBytes":"(\d+)"/,
      (_m, n: string) => `"cumulativeBytes":"${BigInt(n) + 1_000_000n}"`,
    );
    expect(tampered).to.not.equal(original);
    writeFileSync(path.join(dir, file!), tampered);
    try {
      const res = verify(2);
      expect(res.status).to.equal(1);
      expect(res.stdout).to.match(/MISMATCH/);
      expect(res.stdout).to.match(/FAIL datasetHash/);
      expect(res.stdout).to.match(/differs in: verdicts/);
    } finally {
      writeFileSync(path.join(dir, file!), original);
    }
  });

  it("behavior: stops on SIGINT and resumes from its data directory", async () => {
    await stop();
    expect(output).to.match(/stopped; start again to resume/);
    const last = Math.max(...[...output.matchAll(/epoch (\d+) finalized/g)].map((m) => Number(m[1])));
    start();
    await waitFor(/chain: replayed \d+ transactions/, 60_000);
    apiUrl = (await waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1]!;
    rpcUrl = (await waitFor(/chain RPC\s+(http:\/\/127\.0\.0\.1:\d+)/, 10_000))[1]!;
    await waitFor(new RegExp(`epoch ${last + 1} finalized`), 120_000);
    expect(verify(2).status).to.equal(0);
    // Only what is new is announced: no epoch finalized before the restart, no failed claim.
    expect(output).to.match(/resuming: \d+ epoch windows already recorded/);
    for (let n = 1; n <= last; n++) expect(output).to.not.match(new RegExp(`\\] epoch ${n} finalized$`, "m"));
    expect(output).to.not.match(/claim for .* failed/);
    // The chain's clock follows real time after the replay.
    const block = (await (
      await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] }),
      })
    ).json()) as { result: { timestamp: string } };
    const lagSeconds = Date.now() / 1000 - Number(BigInt(block.result.timestamp));
    expect(lagSeconds, "chain clock behind real time").to.be.below(10);
  });

  it("behavior: a start stopped before it deployed leaves nothing that harms the next start", async () => {
    await stop();
    const fresh = mkdtempSync(path.join(tmpdir(), "ledger-start-undeployed-"));
    const previous = dataDir;
    dataDir = fresh;
    try {
      start();
      await waitFor(/deploying MockUSD and RewardsDistributor/, 60_000);
      await stop();
      expect(output).to.match(/stopped before the contracts were deployed/);
      expect(readdirSync(fresh).filter((f) => f === "dev.json" || f === "chain-journal.ndjson")).to.deep.equal([]);
      // The next start deploys afresh and its chain clock is now, not when the first one began.
      start();
      await waitFor(/epoch 1 finalized/, 180_000);
      const posted = /\[(\d\d:\d\d:\d\d)\] epoch 1 posted .*disputable until (\d\d:\d\d:\d\d)/.exec(output);
      expect(posted, output).to.not.equal(null);
      expect(posted![2]! >= posted![1]!, `dispute window ends ${posted![2]}, printed at ${posted![1]}`).to.equal(true);
    } finally {
      await stop();
      dataDir = previous;
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
