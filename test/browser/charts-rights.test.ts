/**
 * The dashboard's charts (Chart.js, bundled at build time) and the Supporter Bill of Rights in a
 * real browser (Debian's Chromium through playwright-core) against a real stack: the API on a
 * fresh PGlite database; a RewardsDistributor on Hardhat's in-process EVM behind a JSON-RPC server
 * the page calls directly; ten coordinator epochs seeded with signed registrations, grants,
 * heartbeats (node 0's cut short by a different amount each epoch, so its uptime and bonus vary)
 * and receipts, each epoch with its own signed budget (some short: pro rata); the real oracle
 * closing, computing, signing, proposing and finalizing each as on-chain epochs 1 … 10; CDN usage
 * reported by an admin for most epochs. Every plotted value is compared with the API's GraphQL
 * answer, at a desktop width and at a 390 px phone width; the Bill of Rights is checked against a
 * rate card set through the admin API, a dispute window changed on-chain, and every reason code in
 * core. Screenshots go to test/browser/screenshots/ (gitignored).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL answers and chart data read from the page are untyped JSON; the assertions check their shape. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import { custom } from "viem";
import type { Address } from "../../core/eip712/domain.ts";
import { DEFAULT_RATE_CARD } from "../../core/ratecard.ts";
import { INGEST_REASONS, REASONS } from "../../core/verdict.ts";
import type { Db } from "../../db/types.ts";
import { buildApp } from "../../server/app.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { domainOf } from "../../chain/client.ts";
import { driveEpoch, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, type DeployedChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import {
  COORDINATOR_KEY,
  epochBounds,
  EPOCH_SECONDS,
  GENESIS,
  POLICY_KEY,
  recordTestBudget,
  seedEpochs,
} from "../../oracle/testing/seed.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

const WINDOW = 3_600n;
/** Coordinator epochs 5 … 14: the chain numbers them 1 … 10. */
const EPOCHS = Array.from({ length: 10 }, (_, i) => 5n + BigInt(i));
const LAST = EPOCHS[EPOCHS.length - 1]!;
const ADMIN_KEY = `ledger_admin_${"c".repeat(40)}`;
const GRACE_SECONDS = 5_400;
const DESKTOP = 1366;
const PHONE = 390;

/** Plain "1 h 30 min (5,400 s)", worked out independently of web/format.js. */
function span(seconds: bigint): string {
  const units: [bigint, string][] = [
    [seconds / 86_400n, "d"],
    [(seconds % 86_400n) / 3_600n, "h"],
    [(seconds % 3_600n) / 60n, "min"],
    [seconds % 60n, "s"],
  ];
  const first = units.findIndex(([n]) => n > 0n);
  const words = units
    .slice(first, first + 2)
    .filter(([n]) => n > 0n)
    .map(([n, u]) => `${n} ${u}`)
    .join(" ");
  return `${words} (${seconds.toLocaleString("en-US")} s)`;
}

/**
 * What a chart on the page plots, read from the Chart.js instance itself: labels, each dataset's
 * values, and for every point whether its drawn position is where the y scale puts its value.
 */
async function plotted(p: Page, id: string) {
  return p.evaluate(async (boxId) => {
    const url = "/dashboard/vendor/chart.js";
    const { Chart } = await import(url);
    const canvas = document.querySelector(`#${boxId} canvas`);
    const chart = Chart.getChart(canvas);
    if (!chart) return null;
    const y = chart.scales.y;
    return {
      labels: chart.data.labels,
      datasets: chart.data.datasets.map((d: any, i: number) => ({
        label: d.label,
        data: d.data,
        placed: chart
          .getDatasetMeta(i)
          .data.every(
            (el: any, j: number) => d.data[j] === null || Math.abs(el.y - y.getPixelForValue(d.data[j])) < 0.5,
          ),
      })),
      yMax: y.max,
      canvasWidth: canvas!.getBoundingClientRect().width,
      boxWidth: document.getElementById(boxId)!.getBoundingClientRect().width,
    };
  }, id);
}

describe(
  "charts and the Supporter Bill of Rights in Chromium",
  { skip: !HAVE_CHROMIUM && `${CHROMIUM} is missing` },
  () => {
    let conn: Awaited<ReturnType<typeof network.create>>;
    let c: DeployedChain;
    let db: Db;
    let app: FastifyInstance;
    let ctx: OracleContext;
    let indexer: Indexer;
    let base: string;
    let dataDir: string;
    let rpcServer: Server;
    let browser: Browser;
    let page: Page;
    let payouts: Address[];
    /** The API's wall clock (ms): moved forward to let an announced rate card come into force. */
    let nowMs = Number(epochBounds(LAST + 1n).start + 60n) * 1000;

    const sync = async () => {
      for (const step of await indexer.syncToHead()) app.ledgerEvents.publishStep(step);
    };
    const increaseTime = async (seconds: bigint) => {
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const gql = async (query: string, variables: Record<string, unknown> = {}, admin = false): Promise<any> => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(admin ? { authorization: `Bearer ${ADMIN_KEY}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data;
    };
    const nodesOf = (conn: { edges: { node: any }[] }) => conn.edges.map((e) => e.node);
    const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
    const open = async (hash: string, ready: string) => {
      await page.goto("about:blank"); // a fresh load, even when the page is at this hash already
      await page.goto(`${base}/dashboard/${hash}`);
      await page.waitForSelector(ready, { timeout: 20_000 });
    };
    const fitsWidth = async (width: number) => {
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scroll, `page width at a ${width} px window`).to.be.at.most(width);
      const text = await page.locator("body").innerText();
      expect(text).not.to.match(/undefined|\bNaN\b|\[object Object\]|something went wrong/i);
    };

    before(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      dataDir = mkdtempSync(path.join(tmpdir(), "charts-test-"));
      conn = await network.create();
      c = await deployTestChain(custom(conn.provider), { disputeWindowSeconds: WINDOW });
      db = await testBackends()[0]!.open();
      const domain = domainOf(c.chainId, c.distributor);
      ({ payouts } = await seedEpochs(db, { domain, epochs: EPOCHS, nodes: 3, sessionsPerNode: 2 }));
      // Node 0's heartbeats stop 0, 4, 8 … minutes before each epoch's end: uptime 100 % … ≈ 60 %.
      // Its receipts come in the first minutes, so they still count; its uptime bonus tier varies.
      const founder = await db.query<{ address: Buffer }>("SELECT address FROM nodes WHERE founder LIMIT 1");
      for (const [i, e] of EPOCHS.entries()) {
        const cut = epochBounds(e).end - BigInt((i % 6) * 4 * 60);
        await db.query("DELETE FROM heartbeats WHERE node_address = $1 AND epoch = $2 AND timestamp >= $3", [
          founder.rows[0]!.address,
          e.toString(),
          cut.toString(),
        ]);
        // every third epoch's budget is short of what was earned (scaled pro rata)
        await recordTestBudget(db, domain, e, i % 3 === 1 ? 150_000n : 10n ** 12n);
      }

      rpcServer = createServer((req, res) => {
        res.setHeader("access-control-allow-origin", "*");
        if (req.method === "OPTIONS") {
          res.writeHead(204, {
            "access-control-allow-headers": "content-type",
            "access-control-allow-methods": "POST",
          });
          res.end();
          return;
        }
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
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

      app = await buildApp({
        db,
        chainId: c.chainId,
        distributorAddress: c.distributor,
        coordinatorPrivateKey: COORDINATOR_KEY,
        policyPrivateKey: POLICY_KEY,
        epochClock: { epochSeconds: Number(EPOCH_SECONDS), genesis: Number(GENESIS) },
        epochGraceSeconds: GRACE_SECONDS,
        now: () => nowMs,
        verifyWorkers: 1,
        dashboardRpcUrl: rpcUrl,
        dashboardChainRpcUrl: rpcUrl,
        dataDir,
        adminApiKey: ADMIN_KEY,
        graphql: { introspection: false },
      });
      base = await app.listen({ host: "127.0.0.1", port: 0 });

      ctx = testOracleContext({ db, deployed: c, dataDir, nowSeconds: epochBounds(LAST).end + 7_200n });
      indexer = await createIndexer({
        db,
        client: c.publicClient,
        address: c.distributor,
        startBlock: 0n,
        confirmations: 0,
      });
      for (const e of EPOCHS) {
        await driveEpoch(ctx, e); // close, compute, sign 2-of-3, propose
        await increaseTime(WINDOW + 1n);
        await driveEpoch(ctx, e); // finalize
      }
      await sync();
      const chainEpochs = await gql("{ epochs(first: 20) { epoch status } }");
      expect(chainEpochs.epochs).to.have.length(EPOCHS.length);
      for (const e of chainEpochs.epochs) expect(e.status, `epoch ${e.epoch}`).to.equal("Finalized");

      // An admin reports the CDN's bytes for every epoch but the last, each a different figure.
      for (const [i, e] of EPOCHS.slice(0, -1).entries()) {
        const res = await fetch(`${base}/v1/admin/cdn-usage`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
          body: JSON.stringify({
            epoch: Number(e),
            provider: i % 4 === 3 ? "backup-cdn" : "main-cdn",
            servedBytes: (3_000_000_000n + BigInt(i) * 1_234_567_891n).toString(),
          }),
        });
        expect(res.status, await res.text()).to.be.oneOf([200, 201]);
      }

      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: DESKTOP, height: 900 } })).newPage();
    });

    after(async () => {
      await browser?.close();
      await app?.close();
      await db?.close();
      rpcServer?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it("static files: the charting library is served from this server's bundle, allowed by the CSP", async () => {
      const res = await fetch(`${base}/dashboard/vendor/chart.js`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^text\/javascript/);
      expect(await res.text()).to.include("getChart");
      const csp = (await fetch(`${base}/dashboard/`)).headers.get("content-security-policy") ?? "";
      expect(csp).to.match(/script-src 'self'/);
      expect(csp).not.to.match(/https?:\/\/(?!127\.0\.0\.1)/, "no other origin may serve scripts");
    });

    for (const width of [DESKTOP, PHONE])
      it(`supporter charts at ${width} px: the earnings and uptime plotted are the API's, epoch by epoch`, async () => {
        await page.setViewportSize({ width, height: 900 });
        const addr = payouts[0]!.toLowerCase();
        const s = (
          await gql(
            `query ($a: Bytes!) { supporter(address: $a) {
              statements(first: 20) { edges { node { epoch chainEpoch payoutMicroUsd } } }
              uptime(first: 10) { epoch account uptimeBps } } }`,
            { a: addr },
          )
        ).supporter;
        const statements = nodesOf(s.statements).reverse();
        expect(statements).to.have.length(EPOCHS.length);
        expect(
          new Set(statements.map((st: any) => st.payoutMicroUsd)).size,
          "payouts differ by epoch",
        ).to.be.greaterThan(2);

        await open(`#/supporter/${addr}`, "#earnings-chart canvas");
        await page.waitForFunction(() => document.querySelector("#uptime-chart canvas") !== null);
        const earnings = (await plotted(page, "earnings-chart"))!;
        expect(earnings.labels).to.deep.equal(statements.map((st: any) => `epoch ${st.chainEpoch}`));
        expect(earnings.datasets).to.have.length(1);
        expect(earnings.datasets[0].data).to.deep.equal(statements.map((st: any) => Number(st.payoutMicroUsd)));
        expect(earnings.datasets[0].placed, "each bar drawn at its value").to.equal(true);
        expect(earnings.canvasWidth).to.be.at.most(earnings.boxWidth + 0.5);
        expect(earnings.canvasWidth).to.be.at.most(width);

        const uptime = [...s.uptime].reverse();
        const uptimePlot = (await plotted(page, "uptime-chart"))!;
        expect(uptimePlot.labels).to.have.length(uptime.length);
        expect(uptimePlot.datasets[0].data).to.deep.equal(uptime.map((u: any) => Number(u.uptimeBps) / 100));
        expect(new Set(uptimePlot.datasets[0].data).size, "uptime differs by epoch").to.be.greaterThan(2);
        expect(uptimePlot.yMax).to.equal(100);
        expect(uptimePlot.datasets[0].placed).to.equal(true);

        await fitsWidth(width);
        await shot(`charts-supporter-${width}`);
        const card = (id: string) => page.locator("section.card", { has: page.locator(`#${id}`) });
        await card("earnings-chart").screenshot({ path: `${SCREENSHOTS}charts-earnings-${width}.png` });
        await page.locator("#uptime-chart").screenshot({ path: `${SCREENSHOTS}charts-uptime-${width}.png` });
      });

    for (const width of [DESKTOP, PHONE])
      it(`network chart at ${width} px: supporter vs CDN bytes per epoch are the API's, the CDN figure's source stated`, async () => {
        await page.setViewportSize({ width, height: 900 });
        const d = await gql(`{ oracleEpochs(first: 20) { edges { node { epoch chainEpoch
          metrics { supporterCountedBytes cdnBytes cdnReports { provider servedBytes reportedAt } } } } } }`);
        const rows = nodesOf(d.oracleEpochs).reverse();
        expect(rows).to.have.length(EPOCHS.length);
        await open("#/auditor", "#cdn-source");
        const net = (await plotted(page, "network-chart"))!;
        expect(net.labels).to.deep.equal(rows.map((o: any) => `epoch ${o.chainEpoch}`));
        expect(net.datasets.map((x: any) => x.label)).to.deep.equal(["supporters", "CDN"]);
        const gb = (b: string) => Number(b) / 1e9;
        expect(net.datasets[0].data).to.deep.equal(rows.map((o: any) => gb(o.metrics.supporterCountedBytes)));
        expect(net.datasets[1].data).to.deep.equal(rows.map((o: any) => gb(o.metrics.cdnBytes)));
        expect(rows.at(-1).metrics.cdnBytes, "the last epoch has no report").to.equal("0");
        expect(rows[3].metrics.cdnReports.map((r: any) => r.provider)).to.deep.equal(["backup-cdn"]);
        expect(net.datasets.every((x: any) => x.placed)).to.equal(true);
        expect(net.canvasWidth).to.be.at.most(width);
        const source = await page.locator("#cdn-source").innerText();
        expect(source).to.include("Source of the CDN figure: entered by an admin");
        expect(source).to.include("POST /v1/admin/cdn-usage");
        expect(source).to.include(`Reports for ${EPOCHS.length - 1} of these ${EPOCHS.length} epochs`);
        expect(source).to.include("from providers backup-cdn, main-cdn");
        await page.locator("#network-card").scrollIntoViewIfNeeded();
        await fitsWidth(width);
        await page.locator("#network-card").screenshot({ path: `${SCREENSHOTS}charts-network-${width}.png` });
      });

    it("Bill of Rights: generated from the enforced rules; a new rate card, its notice, and an on-chain window change show", async () => {
      await page.setViewportSize({ width: DESKTOP, height: 900 });
      await open("#/rights", "#reason-codes");
      const text = async (rule: string) => (await page.locator(`[data-rule="${rule}"]`).innerText()).trim();
      // No card set yet: the page states the one the oracle prices with, core's default.
      expect(await text("rate")).to.equal(`$${Number(DEFAULT_RATE_CARD.ratePerGbMicroUsd) / 1e6} / GB`);
      expect(await text("founder-multiplier")).to.equal(`×${Number(DEFAULT_RATE_CARD.founderMultiplierBps) / 1e4}`);
      const { rateCardSchedule: s0 } = await gql(
        "{ rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch } }",
      );
      // An admin sets a card through the API, as early as the notice allows.
      await gql(
        `mutation ($e: BigInt!) { setRateCard(input: { effectiveEpoch: $e, ratePerGbMicroUsd: "72500",
          founderMultiplierBps: 12500, uptimeBonusBps: 700 }) { version } }`,
        { e: s0.earliestEffectiveEpoch },
        true,
      );
      await open("#/rights", "#reason-codes");
      expect(await text("rate"), "announced, not in force yet").to.equal(
        `$${Number(DEFAULT_RATE_CARD.ratePerGbMicroUsd) / 1e6} / GB`,
      );
      expect(await text("notice-epochs")).to.equal(`${s0.noticeEpochs} epochs`);
      expect(await text("earliest-effective")).to.equal(String(s0.earliestEffectiveEpoch));
      expect(await page.locator("[data-announced]").innerText()).to.equal(
        `$0.0725 / GB from coordinator epoch ${s0.earliestEffectiveEpoch}`,
      );
      expect(await text("epoch-length")).to.equal(span(EPOCH_SECONDS));
      expect(await text("grace")).to.equal(span(BigInt(GRACE_SECONDS)));
      expect(await text("dispute-window")).to.equal(span(WINDOW));

      // Every reason code core knows is on the page, with whether an admin can override it.
      const codes = [...new Set([...Object.keys(REASONS), ...Object.keys(INGEST_REASONS)])];
      expect(await page.locator("#reason-codes tr[data-code]").count()).to.equal(codes.length);
      for (const code of codes) {
        const row = page.locator(`#reason-codes tr[data-code="${code}"]`);
        const status = (REASONS as Record<string, { status: string }>)[code]?.status ?? "rejected";
        expect(await row.locator("td.override").innerText(), code).to.equal(
          status === "rejected" || status === "duplicate" ? "cannot be overridden" : "an admin can review it",
        );
        expect(await row.innerText(), code).not.to.include("does not describe yet");
      }
      await shot("rights-before");

      // The notice passes: the card is in force, and the page says so with its rate and founder multiplier.
      nowMs = Number(epochBounds(BigInt(s0.earliestEffectiveEpoch)).start + 10n) * 1000;
      // The admin lengthens the dispute window on-chain: the page reads the contract, not a copy.
      const hash = await c.admin.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "setDisputeWindow",
        args: [WINDOW * 2n + 900n],
      });
      expect((await c.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
      await open("#/rights", "#reason-codes");
      expect(await text("rate")).to.equal("$0.0725 / GB");
      expect(await text("founder-multiplier")).to.equal("×1.25");
      expect(await text("dispute-window")).to.equal(span(WINDOW * 2n + 900n));
      const { rateCardSchedule: s1 } = await gql("{ rateCardSchedule { earliestEffectiveEpoch } }");
      expect(await text("earliest-effective")).to.equal(String(s1.earliestEffectiveEpoch));
      await shot("rights-desktop");
      await page.setViewportSize({ width: PHONE, height: 900 });
      await open("#/rights", "#reason-codes");
      await fitsWidth(PHONE);
      await shot("rights-390");
      await page.locator("#rights-payout").screenshot({ path: `${SCREENSHOTS}rights-payout-390.png` });
      await page
        .locator('#reason-codes tr[data-code="SELF_DEALING"]')
        .screenshot({ path: `${SCREENSHOTS}rights-reason-390.png` });
    });
  },
);
