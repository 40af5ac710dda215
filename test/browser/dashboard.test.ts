/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * stack: the API (buildApp on a fresh PGlite database) serving web/ and GraphQL, a
 * RewardsDistributor and MockUSD on Hardhat's in-process EVM with roots proposed 3-of-5 with
 * real EIP-712 signatures and finalized (and one vetoed), the chain indexer filling the
 * API's on-chain tables, and the coordinator's tables seeded with signed registrations,
 * grants and receipts (oracle/testing/seed.ts), plus a duplicate receipt sent through the real
 * `POST /v1/receipts`. The page gets an EIP-1193 `window.ethereum` that forwards JSON-RPC to
 * the in-process chain. Screenshots go to test/browser/screenshots/ (gitignored).
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import type { Address, Hex } from "../../core/eip712.ts";
import { keccak256Utf8 } from "../../core/keccak.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";
import type { Db } from "../../db/types.ts";
import { buildApp } from "../../api/app.ts";
import { createIndexer, type Indexer } from "../../api/indexer/sync.ts";
import {
  COORDINATOR_KEY,
  epochBounds,
  EPOCH_SECONDS,
  GENESIS,
  seedEpochs,
  testKey,
} from "../../oracle/testing/seed.ts";
import { commitments, deployFixture, ONE_DAY, ORACLE_SIGNERS, signEpochRoot } from "../contracts/fixture.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

if (!HAVE_CHROMIUM)
  console.error(
    `\n${"!".repeat(78)}\n!! SKIPPING the dashboard browser tests: ${CHROMIUM} is missing.\n` +
      `!! Install it with: apt-get install -y chromium\n${"!".repeat(78)}\n`,
  );

type Fixture = Awaited<ReturnType<typeof deployFixture>>;
type Entitlements = [Address, bigint][];

describe("dashboard in Chromium against a running stack", { skip: !HAVE_CHROMIUM && `${CHROMIUM} is missing` }, () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let f: Fixture;
  let db: Db;
  let app: FastifyInstance;
  let indexer: Indexer;
  let base: string;
  let rpcServer: Server;
  let browser: Browser;
  let page: Page;
  let payouts: Address[];
  let tree2: StandardMerkleTree<[string, string]>;
  let epoch2: Entitlements;
  /** What the injected wallet answers to eth_chainId: the real chain unless a test overrides it. */
  let walletChainOverride: string | undefined;

  const sync = async () => {
    for (const step of await indexer.syncToHead()) app.ledgerEvents.publishStep(step);
  };

  async function propose(epoch: bigint, entitlements: Entitlements) {
    const tree = StandardMerkleTree.of(
      entitlements.map(([a, n]) => [a, n.toString()] as [string, string]),
      ["address", "uint256"],
    );
    const message = {
      epoch,
      attempt: await f.distributor.read.proposalAttempt([epoch]),
      root: tree.root as Hex,
      cumulativeTotal: entitlements.reduce((s, [, n]) => s + n, 0n),
      ...commitments(epoch),
    };
    const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), f.chainId, f.distributor.address, message);
    await f.wait(
      await f.distributor.write.proposeRoot(
        [
          epoch,
          message.attempt,
          message.root,
          message.cumulativeTotal,
          message.receiptsRoot,
          message.datasetHash,
          message.rateCardHash,
          signatures,
        ],
        { account: f.proposer.account },
      ),
    );
    return tree;
  }
  async function finalize(epoch: bigint) {
    await conn.networkHelpers.time.increase(ONE_DAY + 1n);
    await f.wait(await f.distributor.write.finalize([epoch], { account: f.other.account }));
  }
  const proofJson = (account: Address) => {
    for (const [i, [a, amount]] of tree2.entries())
      if (a.toLowerCase() === account.toLowerCase())
        return JSON.stringify({ account, cumulativeAmount: amount, proof: tree2.getProof(i), epoch: 2 });
    throw new Error(`no leaf for ${account}`);
  };
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  const message = () => page.locator("#message");

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    conn = await network.create();
    f = await deployFixture(conn, { disputeWindowSeconds: ONE_DAY });
    db = await testBackends()[0]!.open();

    // Coordinator records: 3 nodes paying to 3 payout addresses, receipts in epochs 1 and 2.
    const domain = { chainId: f.chainId, verifyingContract: f.distributor.address.toLowerCase() as Address };
    ({ payouts } = await seedEpochs(db, {
      domain,
      epochs: [1n, 2n],
      nodes: 3,
      sessionsPerNode: 1,
      receiptsPerStream: 3,
    }));

    // The chain over HTTP JSON-RPC, as a public RPC would serve it (the dashboard's read proxy).
    rpcServer = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        conn.provider.request({ method, params }).then(
          (result: unknown) => res.end(JSON.stringify({ jsonrpc: "2.0", id, result })),
          (err: Error) =>
            res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32603, message: err.message } })),
        );
      });
    });
    await new Promise<void>((resolve) => rpcServer.listen(0, "127.0.0.1", resolve));
    const rpcUrl = `http://127.0.0.1:${(rpcServer.address() as AddressInfo).port}`;

    // The API, with the clock inside epoch 2 so a re-sent receipt is a duplicate, not late.
    const firstReceiptAt = epochBounds(2n).start + 60n;
    app = await buildApp({
      db,
      chainId: f.chainId,
      distributorAddress: f.distributor.address,
      coordinatorPrivateKey: COORDINATOR_KEY,
      epochClock: { epochSeconds: Number(EPOCH_SECONDS), genesis: Number(GENESIS) },
      now: () => Number(firstReceiptAt + 30n) * 1000,
      verifyWorkers: 1,
      dashboardRpcUrl: rpcUrl,
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });

    // A viewer session of node 0 through the real ingest: a receipt, then one whose cumulative
    // bytes went backwards: stored for review as a NON_MONOTONIC duplicate, nothing counted.
    const viewerKey = testKey("viewer-2-0-0");
    const sessionId: Hex = `0x${Buffer.from(keccak256Utf8("session-2-0-0")).toString("hex")}`;
    const send = async (seq: bigint, cumulativeBytes: bigint) => {
      const receipt = {
        sessionId,
        supporter: privateKeyToAddress(testKey("node-0")),
        viewer: privateKeyToAddress(viewerKey),
        seq,
        cumulativeBytes,
        timestamp: firstReceiptAt + seq,
      };
      const signature = signTypedMessage({ domain, primaryType: "Receipt", message: receipt, privateKey: viewerKey });
      const res = await fetch(`${base}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          receipts: [
            {
              ...receipt,
              seq: seq.toString(),
              cumulativeBytes: cumulativeBytes.toString(),
              timestamp: receipt.timestamp.toString(),
              signature,
            },
          ],
        }),
      });
      const batch = (await res.json()) as { results?: { status: string; code?: string }[] };
      return batch.results?.[0] ?? batch;
    };
    expect(await send(10n, 900_000_000n)).to.include({ status: "accepted" });
    expect(await send(11n, 500_000_000n)).to.include({ status: "duplicate", code: "NON_MONOTONIC" });

    // The chain: epoch 1 and 2 finalized, epoch 3 proposed and vetoed.
    await propose(1n, [
      [payouts[0]!, 300_000_000n],
      [payouts[1]!, 200_000_000n],
    ]);
    await finalize(1n);
    epoch2 = [
      [payouts[0]!, 450_000_000n],
      [payouts[1]!, 250_000_000n],
      [payouts[2]!, 100_000_000n],
    ];
    tree2 = await propose(2n, epoch2);
    await finalize(2n);
    await propose(3n, [...epoch2.map(([a, n]) => [a, n + 1_000_000n] as [Address, bigint])]);
    await f.wait(
      await f.distributor.write.veto([3n, "dataset hash does not match the published dataset"], {
        account: f.guardian.account,
      }),
    );

    indexer = await createIndexer({
      db,
      client: f.publicClient,
      address: f.distributor.address,
      startBlock: 0n,
      confirmations: 0,
    });
    await sync();

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    // An EIP-1193 wallet backed by the in-process chain; its account is `other`.
    const walletAccount = f.other.account.address;
    await context.exposeFunction("__ledgerRpc", async (method: string, params: unknown[]) => {
      try {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return { result: [walletAccount] };
        if (method === "eth_chainId" && walletChainOverride) return { result: walletChainOverride };
        if (method === "wallet_switchEthereumChain") {
          walletChainOverride = undefined;
          return { result: null };
        }
        return { result: (await conn.provider.request({ method, params })) as unknown };
      } catch (err) {
        const e = err as { message?: string; code?: number; data?: unknown };
        return { error: { message: String(e.message ?? err), code: e.code ?? -32603, data: e.data } };
      }
    });
    await context.addInitScript(() => {
      const w = window as unknown as {
        ethereum: unknown;
        __ledgerRpc(m: string, p: unknown[]): Promise<{ result?: unknown; error?: { message: string } }>;
      };
      w.ethereum = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const r = await w.__ledgerRpc(method, params ?? []);
          if (r.error) throw Object.assign(new Error(r.error.message), r.error);
          return r.result;
        },
      };
    });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
    rpcServer?.close();
  });

  it("static files: index, modules with JS content type, viem bundle, no traversal", async () => {
    const index = await fetch(`${base}/dashboard/`);
    expect(index.status).to.equal(200);
    expect(index.headers.get("content-type")).to.match(/^text\/html/);
    const js = await fetch(`${base}/dashboard/app.js`);
    expect(js.headers.get("content-type")).to.match(/^text\/javascript/);
    const viem = await fetch(`${base}/dashboard/vendor/viem.js`);
    expect(viem.status).to.equal(200);
    expect(await viem.text()).to.include("keccak");
    for (const bad of ["..%2Fpackage.json", "..%2F..%2Fetc%2Fpasswd", "vendor", "viem-entry.js", ".gitignore"])
      expect((await fetch(`${base}/dashboard/${bad}`)).status, bad).to.equal(404);
    const config = (await (await fetch(`${base}/dashboard/config.json`)).json()) as {
      chainId: number;
      distributor: string;
    };
    expect(config).to.include({ chainId: f.chainId, distributor: f.distributor.address.toLowerCase() });
    expect((await fetch(`${base}/`, { redirect: "manual" })).headers.get("location")).to.equal("/dashboard/");
  });

  it("supporter view: nodes, earnings chart, flagged receipts, lifecycle totals", async () => {
    await page.goto(`${base}/dashboard/#/supporter/${payouts[0]!.toLowerCase()}`);
    await page.locator("#sup h3").first().waitFor();
    const text = await page.locator("#sup").innerText();
    expect(text).to.include(payouts[0]!.toLowerCase());
    expect(text).to.include("founder"); // node 0 is a founder in the seed
    expect(await page.locator("#sup svg.chart rect").count()).to.equal(2); // epochs 1 and 2
    expect(text).to.match(/Flagged receipts\s*1/);
    expect(text).to.include("duplicate");
    expect(await page.locator('[data-total="claimed"] .value').innerText()).to.equal("$0.00");
    await shot("supporter");
  });

  it("verify my payout: the proof is checked against the on-chain root in the browser", async () => {
    // A tampered amount leads to another root: not verified.
    const tampered = JSON.parse(proofJson(payouts[0]!)) as { cumulativeAmount: string };
    tampered.cumulativeAmount = "451000000";
    await page.locator("#proof-json").fill(JSON.stringify(tampered));
    await page.locator("#verify").click();
    await page.locator("#verify-result.bad").waitFor();
    expect(await page.locator("#verify-result").innerText()).to.include("Not verified");
    expect(await page.locator("#claim").isDisabled()).to.equal(true);

    await page.locator("#proof-json").fill(proofJson(payouts[0]!));
    await page.locator("#verify").click();
    await page.locator("#verify-result.good").waitFor();
    const result = await page.locator("#verify-result").innerText();
    expect(result).to.include("Verified against the chain");
    expect(result).to.include("$450.00");
    expect(result).to.include("epoch 2");
    expect(await page.locator('[data-total="claimable"] .value').innerText()).to.equal("$450.00");
    expect(await page.locator("#claim").isDisabled()).to.equal(false);
  });

  it("claim through the injected wallet: the balance changes on-chain and the page updates live", async () => {
    const before = await f.usd.read.balanceOf([payouts[0]!]);
    await page.locator("#claim").click();
    await page.locator("#verify-result.good >> text=Claimed").waitFor({ timeout: 30_000 });
    expect(await f.usd.read.balanceOf([payouts[0]!])).to.equal(before + 450_000_000n);
    expect(await f.distributor.read.claimed([payouts[0]!])).to.equal(450_000_000n);
    expect(await page.locator("#verify-result [data-balance]").innerText()).to.equal("$450.00");
    expect(await page.locator('[data-total="claimable"] .value').innerText()).to.equal("$0.00");
    await shot("supporter-claimed");

    // The indexer sees the claim; the subscription re-renders the claims list.
    await sync();
    await page.waitForFunction(() => document.querySelector("#sup")?.textContent?.includes("$450.00") ?? false);
    await page.locator('#live[data-status="live"]').waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-total="claimed"] .value')?.textContent === "$450.00",
      undefined,
      { timeout: 15_000 },
    );
    // The live refresh kept the verify panel's result.
    expect(await page.locator("#verify-result").innerText()).to.include("Claimed $450.00");
  });

  it("bad input: a wrong address, an unknown supporter, an unknown epoch, a wallet on the wrong chain", async () => {
    await page.goto(`${base}/dashboard/#/supporter`);
    await page.locator("#address").fill("0x1234");
    await page.locator("#lookup button[type=submit]").click();
    expect(await message().innerText()).to.include("is not an address");

    await page.locator("#address").fill(`0x${"77".repeat(20)}`);
    await page.locator("#lookup button[type=submit]").click();
    await page.waitForFunction(() => location.hash.endsWith("7777"));
    await message().waitFor();
    await page.waitForTimeout(500);
    expect(await message().innerText()).to.match(/No supporter/);

    await page.goto(`${base}/dashboard/#/auditor/epoch/99`);
    await message().locator("text=Epoch 99 is unknown").waitFor();
    expect(await message().innerText()).to.include("the latest epoch is 3");

    walletChainOverride = "0x1";
    await page.goto(`${base}/dashboard/#/supporter`);
    await page.locator("#connect").click();
    await message().locator("text=Your wallet is on chain 1").waitFor();
    expect(await message().innerText()).to.include(`on chain ${f.chainId}`);
    await shot("wrong-chain");
    await message().locator("button", { hasText: "Switch network" }).click();
    await page.waitForFunction((a) => location.hash === `#/supporter/${a}`, f.other.account.address.toLowerCase());
    expect(walletChainOverride).to.equal(undefined);
    for (const text of await page.locator("body").allInnerTexts()) expect(text).not.to.match(/at .*\.js:\d+/);
  });

  it("auditor view: epochs with status and chain verification badges, reconciliation, ledger", async () => {
    await page.goto(`${base}/dashboard/#/auditor`);
    await page.locator("#epochs tbody tr").first().waitFor();
    expect(await page.locator("#epochs tbody tr").count()).to.equal(3);
    await page.waitForFunction(() => document.querySelectorAll("#epochs td.verification .badge.good").length === 3);
    const epochs = await page.locator("#epochs").innerText();
    expect(epochs).to.include("Finalized");
    expect(epochs).to.include("Vetoed");
    const body = await page.locator("#view").innerText();
    expect(body).to.include("solvent");
    expect(body).to.include("balanced");
    expect(body).to.match(/claimed \(epoch 2\)/);
    await page.locator("#epochs a", { hasText: "#2" }).click();
    await page.locator("#epoch-2").waitFor();
    expect(await page.locator("#epoch-2").innerText()).to.include(tree2.root);
    await shot("auditor");
  });

  it("admin view: epoch timeline, vetoes, alerts", async () => {
    await page.goto(`${base}/dashboard/#/admin`);
    await page.locator("ol.timeline li").first().waitFor();
    expect(await page.locator("ol.timeline li").count()).to.equal(3);
    const text = await page.locator("#view").innerText();
    expect(text).to.include("dataset hash does not match the published dataset");
    expect(text).to.include("Epoch 3 was vetoed");
    await shot("admin");
  });

  it("without a wallet: the page reads the chain through the API's read-only RPC proxy", async () => {
    const bare = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      const config = (await (await fetch(`${base}/dashboard/config.json`)).json()) as { rpcUrl: string };
      expect(config.rpcUrl).to.equal("/dashboard/rpc");
      const refused = await fetch(`${base}/dashboard/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [{}] }),
      });
      expect(((await refused.json()) as { error: { code: number } }).error.code).to.equal(-32601);

      await bare.goto(`${base}/dashboard/#/auditor`);
      await bare.waitForFunction(() => document.querySelectorAll("#epochs td.verification .badge.good").length === 3);
      await bare.goto(`${base}/dashboard/#/supporter/${payouts[1]!.toLowerCase()}`);
      await bare.locator("#proof-json").fill(proofJson(payouts[1]!));
      await bare.locator("#verify").click();
      await bare.locator("#verify-result.good").waitFor();
      expect(await bare.locator("#verify-result").innerText()).to.include("$250.00");
      await bare.locator("#claim").click();
      await bare.locator("#verify-result.bad").waitFor();
      expect(await bare.locator("#verify-result").innerText()).to.include("No browser wallet found");
    } finally {
      await bare.close();
    }
  });

  it("error: an unreachable API gets one clear sentence", async () => {
    await page.route("**/graphql", (route) => route.abort());
    await page.goto(`${base}/dashboard/#/auditor`);
    await message().locator("text=The ledger API is unreachable").waitFor();
    await page.unroute("**/graphql");
  });
});
