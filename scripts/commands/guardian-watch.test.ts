import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { keccak256, toHex, type Address, type Hex } from "viem";
import { makeApp } from "../../coordinator/testing/fixtures.ts";
import { datasetHash as hashDataset, serializeDatasetToString } from "../../core/dataset/serialize.ts";
import type { EpochDataset } from "../../core/dataset/types.ts";
import type { EpochInputs } from "../../core/dataset/types.ts";
import { epochWorld } from "../../core/fixtures/epoch-world.ts";
import { recomputeEpoch, type RecomputeEpochReturnType } from "../../core/recompute-epoch.ts";
import { buildTree } from "../../core/tree.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import { publishDataset } from "../../db/dataset-store.ts";
import type { Db } from "../../db/types.ts";
import { ONE_DAY, ORACLE_SIGNERS, deployFixture, signEpochRoot } from "../../test/contracts/fixture.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { createWatchtower, type ProposalVerdict } from "../lib/watchtower.ts";

/**
 * The guardian's watchtower against a real distributor on Hardhat's in-process EVM and the real
 * API on PGlite serving the published datasets: an honest root is left alone, a root proposed
 * over a tampered leaf (signed by the oracle quorum, so the contract accepts it) is vetoed within
 * its dispute window naming the difference, a restarted watchtower vetoes nothing twice, and a
 * dataset still unpublished past the grace period is itself a reason to veto.
 */

type Connection = Awaited<ReturnType<typeof network.create>>;
type Commitment = {
  root: Hex;
  cumulativeTotal: bigint;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
};

describe("ledger guardian watch", () => {
  let connection: Connection;
  let fx: Awaited<ReturnType<typeof deployFixture>>;
  let db: Db;
  let pool: VerifyPool;
  let app: FastifyInstance;
  let api: string;
  let dir: string;
  let hook: Server;
  let webhook: string;
  const posted: { epoch: number; root: string; verdict: string; reason: string }[] = [];
  const lines: string[] = [];
  let results: RecomputeEpochReturnType[] = [];

  /** Publishes `dataset` as the API's dataset of chain epoch `chainEpoch` (coordinator epoch `clockEpoch`). */
  async function publish(chainEpoch: bigint, clockEpoch: bigint, dataset: EpochDataset | string): Promise<Hex> {
    const text = typeof dataset === "string" ? dataset : serializeDatasetToString(dataset);
    const hash = typeof dataset === "string" ? keccak256(toHex(dataset)) : hashDataset(dataset);
    const file = path.join(dir, `${hash}.jsonl`);
    writeFileSync(file, text);
    await publishDataset(db, hash, file);
    const at = (h: bigint) => new Date(Number(clockEpoch * 3600n + h) * 1000);
    await db.query(
      `INSERT INTO epochs (number, status, starts_at, ends_at) VALUES ($1, 'POSTED', $2, $3) ON CONFLICT DO NOTHING`,
      [clockEpoch.toString(), at(0n), at(3600n)],
    );
    await db.query(
      `INSERT INTO epoch_state (epoch, chain_epoch, attempt, dataset_hash) VALUES ($1, $2, 1, $3)
       ON CONFLICT (epoch) DO UPDATE SET dataset_hash = EXCLUDED.dataset_hash`,
      [clockEpoch.toString(), chainEpoch.toString(), Buffer.from(hash.slice(2), "hex")],
    );
    return hash;
  }

  async function propose(epoch: bigint, attempt: bigint, c: Commitment): Promise<void> {
    const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), fx.chainId, fx.distributor.address, {
      epoch,
      attempt,
      ...c,
    });
    await fx.wait(
      await fx.distributor.write.proposeRoot(
        [epoch, attempt, c.root, c.cumulativeTotal, c.receiptsRoot, c.datasetHash, c.rateCardHash, signatures],
        { account: fx.proposer.account },
      ),
    );
  }

  const commitmentOf = (
    r: Pick<RecomputeEpochReturnType, "root" | "receiptsRoot" | "datasetHash" | "rateCardHash" | "leaves">,
  ): Commitment => ({
    root: r.root,
    cumulativeTotal: r.leaves.reduce((s, l) => s + l.amount, 0n),
    receiptsRoot: r.receiptsRoot,
    datasetHash: r.datasetHash,
    rateCardHash: r.rateCardHash,
  });

  /** Epoch `e`'s honest computation, carrying on from the epoch before. */
  function honestEpoch(e: bigint): RecomputeEpochReturnType {
    const domain = { chainId: fx.chainId, verifyingContract: fx.distributor.address.toLowerCase() as Address };
    const previous = results[Number(e) - 2];
    const inputs: EpochInputs = {
      ...epochWorld(10_000_000n, { domain, epoch: 6n + e }),
      predecessor: previous ? { chainEpoch: e - 1n, datasetHash: previous.datasetHash, root: previous.root } : null,
      previousLeaves: previous ? previous.leaves : [],
      checkpoints: previous ? previous.checkpoints : [],
    };
    return recomputeEpoch({ inputs });
  }

  const tower = () =>
    createWatchtower({
      publicClient: fx.publicClient,
      walletClient: fx.guardian,
      distributor: fx.distributor.address,
      api,
      webhook,
      log: (l) => lines.push(l),
    });

  const status = async (epoch: bigint) => (await fx.distributor.read.epochRecord([epoch])).status;
  const vetoes = async () =>
    fx.publicClient.getContractEvents({
      address: fx.distributor.address,
      abi: fx.distributor.abi,
      eventName: "RootVetoed",
      fromBlock: 0n,
    });

  before(async () => {
    connection = await network.create();
    fx = await deployFixture(connection);
    db = await testBackends()[0]!.open();
    pool = createVerifyPool({ size: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "guardian-watch-"));
    app = await makeApp(db, pool, { dataDir: path.join(dir, "api") });
    api = await app.listen({ host: "127.0.0.1", port: 0 });
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        posted.push(JSON.parse(body) as (typeof posted)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    webhook = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`;
    results = [];
  });
  after(async () => {
    await app?.close();
    await pool?.close();
    await db?.close();
    await new Promise((resolve) => hook?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("default: an honest root is left alone and logged verified; a tampered leaf is vetoed, once", async () => {
    // chain epoch 1: honest, published, proposed
    const first = honestEpoch(1n);
    results.push(first);
    await publish(1n, 7n, first.dataset);
    await propose(1n, 1n, commitmentOf(first));
    const watch = tower();
    const one = await watch.pass();
    expect(one.map((v) => [v.epoch, v.verdict])).to.deep.equal([[1n, "verified"]]);
    expect(await status(1n)).to.equal(1); // still Pending: nothing was sent
    expect(await vetoes()).to.have.length(0);
    expect(lines.at(-1)).to.match(/^watchtower: epoch 1 attempt 1 root 0x[0-9a-f]{64} verified: /);
    await connection.networkHelpers.time.increase(ONE_DAY + 1n);
    await fx.wait(await fx.distributor.write.finalize([1n]));

    // chain epoch 2: one leaf raised by $1 in the published outputs, the root built over it, signed by the quorum
    const honest = honestEpoch(2n);
    results.push(honest);
    const victim = honest.leaves[0]!;
    const leaves = honest.leaves.map((l) => (l === victim ? { ...l, amount: l.amount + 1_000_000n } : l));
    const root = buildTree({ entries: leaves }).root;
    const tampered: EpochDataset = { ...honest.dataset, outputs: { ...honest.dataset.outputs, leaves, root } };
    const datasetHash = await publish(2n, 8n, tampered);
    await propose(2n, 1n, { ...commitmentOf({ ...honest, leaves, root }), datasetHash });
    const two = await watch.pass();
    expect(two).to.have.length(1);
    const vetoed = two[0]!;
    expect(vetoed.verdict).to.equal("vetoed");
    expect(vetoed.tx).to.match(/^0x[0-9a-f]{64}$/);
    expect(vetoed.reason).to.match(/^published outputs recompute — differs in: .*leaves/);
    expect(vetoed.reason).to.include(victim.account.toLowerCase());
    expect(vetoed.reason).to.match(new RegExp(`recomputed \\{[^}]*"amount":"${victim.amount}"\\}`));
    expect(vetoed.reason).to.match(new RegExp(`published \\{[^}]*"amount":"${victim.amount + 1_000_000n}"\\}`));
    expect(await status(2n)).to.equal(3); // Vetoed, within the window
    const onChain = await vetoes();
    expect(onChain).to.have.length(1);
    expect(onChain[0]!.args.reason).to.equal(vetoed.reason);
    expect(onChain[0]!.args.guardian?.toLowerCase()).to.equal(fx.guardian.account.address.toLowerCase());
    expect(lines.at(-1)).to.match(/epoch 2 attempt 1 root .* vetoed \(tx 0x[0-9a-f]{64}\): published outputs/);
    expect(lines.at(-1)).to.include("[1 verified, 1 vetoed, 0 skipped, 0 missed]");
    expect(posted.map((p) => [p.epoch, p.verdict])).to.deep.equal([
      [1, "verified"],
      [2, "vetoed"],
    ]);
    expect(posted[1]!.root).to.equal(root.toLowerCase());
    expect(posted[1]!.reason).to.equal(vetoed.reason);

    // a restarted watchtower reads the same events and the chain: nothing is pending, nothing is sent
    const restarted = await tower().pass();
    expect(restarted.map((v) => [v.epoch, v.verdict, v.reason])).to.deep.equal([
      [1n, "skipped", "no longer pending (Finalized)"],
      [2n, "skipped", "no longer pending (Vetoed)"],
    ]);
    expect(lines.at(-1)).to.equal(
      "watchtower: 2 proposal(s) no longer pending, skipped: epoch 1 attempt 1 (Finalized), epoch 2 attempt 1 (Vetoed) [0 verified, 0 vetoed, 2 skipped, 0 missed]",
    );
    expect(posted).to.have.length(2); // skipped proposals are not posted
    expect(await vetoes()).to.have.length(1);
    // and the first one, passing again, has nothing new to say
    expect(await watch.pass()).to.deep.equal([]);
  });

  it("behavior: a dataset the API does not publish is waited for through the grace period, then vetoed", async () => {
    // epoch 2's second attempt, honest, but the API has no dataset for it (404)
    await db.query("DELETE FROM epoch_state WHERE chain_epoch = 2");
    const honest = results[1]!;
    await propose(2n, 2n, commitmentOf(honest));
    const watch = tower();
    const verdicts: ProposalVerdict[] = await watch.pass();
    // epochs 1 and 2/1 are settled (skipped), 2/2 waits
    expect(verdicts.map((v) => [v.epoch, v.attempt, v.verdict])).to.deep.equal([
      [1n, 1n, "skipped"],
      [2n, 1n, "skipped"],
    ]);
    expect(lines.some((l) => /epoch 2: waiting for epoch 2's dataset/.test(l))).to.equal(true);
    await connection.networkHelpers.time.increase(ONE_DAY / 2n + 5n);
    const late = await watch.pass();
    expect(late.map((v) => [v.epoch, v.attempt, v.verdict])).to.deep.equal([[2n, 2n, "vetoed"]]);
    expect(late[0]!.reason).to.equal("epoch 2's dataset is not published (the API answered 404) past the grace period");
    expect(await status(2n)).to.equal(3);

    // the third attempt, honest and published, is verified
    await publish(2n, 8n, honest.dataset);
    await propose(2n, 3n, commitmentOf(honest));
    const third = await watch.pass();
    expect(third.map((v) => [v.epoch, v.attempt, v.verdict])).to.deep.equal([[2n, 3n, "verified"]]);
    expect(await status(2n)).to.equal(1);
  });

  it("behavior: an unreachable API is retried, never a reason to veto; a failing webhook is logged, never fatal", async () => {
    await connection.networkHelpers.time.increase(ONE_DAY + 1n);
    await fx.wait(await fx.distributor.write.finalize([2n]));
    const third = honestEpoch(3n);
    results.push(third);
    await publish(3n, 9n, third.dataset);
    await propose(3n, 1n, commitmentOf(third));
    // a proxy in front of the API that drops every connection while `down`
    let down = true;
    const proxy = createServer((req, res) => {
      if (down) return req.socket.destroy();
      void fetch(`${api}${req.url}`).then(async (upstream) => {
        res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const from = lines.length;
      const watch = createWatchtower({
        publicClient: fx.publicClient,
        walletClient: fx.guardian,
        distributor: fx.distributor.address,
        api: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
        webhook: "http://127.0.0.1:9/unreachable",
        log: (l) => lines.push(l),
      });
      const controller = new AbortController();
      const running = watch.run({ signal: controller.signal, pollMs: 50, maxBackoffMs: 200 });
      const until = async (ok: () => boolean) => {
        for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
        expect(ok()).to.equal(true);
      };
      await until(() => lines.slice(from).some((l) => /cannot reach the API/.test(l) && /retrying in/.test(l)));
      expect(await status(3n)).to.equal(1); // still pending: nothing was vetoed while the API was down
      expect(watch.counters.vetoed).to.equal(0);
      down = false;
      await until(() => watch.counters.verified === 1);
      controller.abort();
      await running;
      const mine = lines.slice(from);
      expect(mine.some((l) => /^watchtower: epoch 3 attempt 1 root 0x[0-9a-f]{64} verified: /.test(l))).to.equal(true);
      expect(
        mine.some((l) => l.startsWith("watchtower: the webhook http://127.0.0.1:9/unreachable failed for epoch 3")),
      ).to.equal(true);
      expect(await status(3n)).to.equal(1);
      expect(await vetoes()).to.have.length(2); // the two of the tests before
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("error: a proposal committing to a dataset that does not parse is vetoed, not retried forever", async () => {
    await connection.networkHelpers.time.increase(ONE_DAY + 1n);
    await fx.wait(await fx.distributor.write.finalize([3n]));
    const fourth = honestEpoch(4n);
    const garbage = '{"t":"header","format":"streamr-epoch-dataset/2"}\nnot json\n';
    const datasetHash = await publish(4n, 10n, garbage);
    await propose(4n, 1n, { ...commitmentOf(fourth), datasetHash });
    const verdicts = await tower().pass();
    const v = verdicts.find((x) => x.epoch === 4n);
    expect(v?.verdict).to.equal("vetoed");
    expect(v?.reason).to.match(/^the published dataset cannot be recomputed: Invalid epoch dataset/);
    expect(await status(4n)).to.equal(3);
  });

  it("error: the CLI exits 2 with one line when an option is missing", () => {
    const cli = path.join(import.meta.dirname, "..", "ledger.ts");
    const res = spawnSync(
      process.execPath,
      [cli, "guardian", "watch", "--rpc", "http://127.0.0.1:9", "--distributor", fx.distributor.address],
      { encoding: "utf8" },
    );
    expect(res.status).to.equal(2);
    expect(res.stderr.trim().split("\n")).to.deep.equal(["ledger guardian: --api URL is required"]);
  });
});
