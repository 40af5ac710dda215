/**
 * The Supporter view's "Earning now (this epoch)" panel in headless Chromium: a real API over HTTP
 * (PGlite, real ingest of signed receipts and heartbeats), the page following `accrualUpdated`
 * over SSE; more receipts ingested make the panel's figures rise without a reload, to exactly the
 * API's numbers. Screenshots go to test/browser/screenshots/ (gitignored).
 */
import { after, before, describe, it } from "node:test";
import { mkdirSync } from "node:fs";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../helpers/db.ts";
import { HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import {
  ADMIN_KEY,
  CURRENT_EPOCH,
  NOW_S,
  grant,
  makeApp,
  newKey,
  register,
  signedHeartbeat,
  signedReceipt,
  type Key,
} from "../../coordinator/testing/fixtures.ts";

if (!HAVE_CHROMIUM) console.error("!! SKIPPING the accrual browser test: /usr/bin/chromium is missing.");

describe("dashboard: Earning now (this epoch), live in Chromium", { skip: !HAVE_CHROMIUM }, () => {
  let db: Db;
  let pool: VerifyPool;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let node: Key;
  let payout: Key;
  let viewer: Key;
  let session: `0x${string}`;

  const send = async (path: string, body: unknown, method = "POST") => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).to.be.oneOf([200, 201]);
    return json;
  };
  const accrual = async () => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ supporter(address: "${payout.address}") { accrual { acceptedBytes provisionalMicroUsd conservativeMicroUsd } } }`,
      }),
    });
    return ((await res.json()) as { data: { supporter: { accrual: Record<string, string> } } }).data.supporter.accrual;
  };
  const ingest = async (seq: bigint, cumulativeBytes: bigint) => {
    const r = signedReceipt(viewer, {
      sessionId: session,
      supporter: node.address,
      seq,
      cumulativeBytes,
      timestamp: NOW_S - 100n + seq,
    });
    expect((await send("/v1/receipts", { receipts: [r] })).accepted).to.equal(1);
  };
  const shown = async (which: string) => (await page.locator(`[data-accrual="${which}"] .value`).innerText()).trim();

  before(async () => {
    db = await testBackends()[0]!.open();
    pool = createVerifyPool({ size: 1 });
    app = await makeApp(db, pool, { graphql: { accrual: { heartbeatSlotSeconds: 60n } } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    node = newKey();
    payout = newKey();
    viewer = newKey();
    expect((await register(app, node, payout.address)).statusCode).to.equal(201);
    session = await grant(app, viewer.address);
    await send(`/v1/admin/supporters/${node.address}/founder`, { founder: true, reason: "launch cohort" }, "PUT");
    await send("/v1/admin/budget", { fromEpoch: CURRENT_EPOCH, budgetMicroUsd: "1000000000" }, "PUT");
    const epochStart = BigInt(CURRENT_EPOCH) * 86_400n;
    // 700 of the 720 minutes so far (20 missed early on): on track for 97.2 %
    const beats = Array.from({ length: 720 }, (_, i) => i)
      .filter((i) => i < 100 || i >= 120)
      .map((i) => signedHeartbeat(node, epochStart + BigInt(i) * 60n + 5n));
    await send("/v1/heartbeats", { heartbeats: beats });
    await ingest(1n, 400_000_000n);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 1000 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await pool?.close();
    await db?.close();
  });

  it("default: the panel shows the API's accrual and rises after more receipts are ingested, without a reload", async () => {
    await page.goto(`${base}/dashboard/#/supporter/${payout.address}`);
    await page.locator('[data-accrual="conservative"]').waitFor({ timeout: 20_000 });
    const before = await accrual();
    // 400 MB: 20 000 µUSD × 1.1 founder × 1.1 (700 of 720 slots: 97.2 % → +5 %, so × 1.05) = 23 100
    expect(before).to.deep.equal({
      acceptedBytes: "400000000",
      provisionalMicroUsd: "23100",
      conservativeMicroUsd: "22000",
    });
    expect(await shown("provisional")).to.equal("$0.0231");
    expect(await shown("conservative")).to.equal("$0.022");
    expect(await shown("bytes")).to.equal("400 MB");
    const gapText = await page.locator('[data-accrual="gap"]').innerText();
    expect(gapText).to.include("UPTIME_BONUS_PENDING");
    await page.locator('[data-accrual-status="live"]').waitFor({ timeout: 10_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator("#accrual-card").screenshot({ path: `${SCREENSHOTS}accrual-before.png` });

    const reloads: string[] = [];
    page.on("framenavigated", (f) => reloads.push(f.url()));
    await ingest(2n, 1_400_000_000n); // +1 GB
    await page.waitForFunction(
      () => document.querySelector('[data-accrual="bytes"] .value')?.textContent?.trim() === "1.4 GB",
      undefined,
      { timeout: 10_000 },
    );
    const afterIngest = await accrual();
    // 1.4 GB: 70 000 × 1.1 × 1.05 = 80 850; certain 70 000 × 1.1 = 77 000
    expect(afterIngest).to.deep.equal({
      acceptedBytes: "1400000000",
      provisionalMicroUsd: "80850",
      conservativeMicroUsd: "77000",
    });
    expect(await shown("provisional")).to.equal("$0.08085");
    expect(await shown("conservative")).to.equal("$0.077");
    expect(reloads).to.deep.equal([]);
    await page.locator("#accrual-card").screenshot({ path: `${SCREENSHOTS}accrual-after.png` });
    await page.screenshot({ path: `${SCREENSHOTS}accrual-page.png`, fullPage: false });
  });
});
