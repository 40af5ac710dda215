/**
 * The Admin view's Governance panel in a real browser (Debian's Chromium through playwright-core)
 * against a real stack: the API (buildApp on a fresh PGlite database, listening on loopback)
 * serving web/ and GraphQL; a RewardsTimelock (min delay 1 h) as the admin of a RewardsDistributor
 * on Hardhat's in-process EVM; the proposer, guardian and pauser roles granted by a timelock
 * operation scheduled and executed after the delay; a dispute-window change cancelled by the
 * guardian; an oracle signer's addition and an undecodable call pending; the chain indexer.
 * The page must say who holds which role, what each pending change does, count down to when it
 * can run, and list what ran or was cancelled — each compared with the API's GraphQL answer.
 * Screenshots go to test/browser/screenshots/ (gitignored).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL answers are untyped JSON; the assertions check their shape. */
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import type { Db } from "../../db/types.ts";
import { buildApp } from "../../server/app.ts";
import {
  deployGoverned,
  grantRolesThroughTimelock,
  NEW_SIGNER,
  scheduleChanges,
  TIMELOCK_MIN_DELAY,
  type Governed,
} from "../../indexer/governance-testing.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

if (!HAVE_CHROMIUM)
  console.error(
    `\n${"!".repeat(78)}\n!! SKIPPING the governance browser test: ${CHROMIUM} is missing.\n` +
      `!! Install it with: apt-get install -y chromium\n${"!".repeat(78)}\n`,
  );

const WIDTH = 1366;

/** "59 min 58 s", "1 h", "12 s" back to seconds. */
function seconds(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+) (d|h|min|s)\b/g))
    total += Number(n) * { d: 86_400, h: 3_600, min: 60, s: 1 }[unit as "d" | "h" | "min" | "s"];
  return total;
}

describe("dashboard: the Admin view's Governance panel (Chromium, real stack)", { skip: !HAVE_CHROMIUM }, () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let g: Governed;
  let db: Db;
  let app: FastifyInstance;
  let base: string;
  let indexer: Indexer;
  let browser: Browser;
  let page: Page;
  let changes: Awaited<ReturnType<typeof scheduleChanges>>;
  let grants: Awaited<ReturnType<typeof grantRolesThroughTimelock>>;

  const gql = async (query: string) => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
    return body.data;
  };
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  const looksRight = async () => {
    const text = await page.locator("body").innerText();
    expect(text).not.to.match(/something went wrong|cannot convert|undefined|\[object Object\]/i);
    expect(text).not.to.match(/\bNaN\b/); // case-sensitive: "Governance" contains "nan"
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "page width at a 1366 px window").to.be.at.most(WIDTH + 16);
  };
  const row = (id: string) => page.locator(`#governance tr[data-operation="${id}"]`);

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    conn = await network.create();
    g = await deployGoverned(conn);
    grants = await grantRolesThroughTimelock(g);
    changes = await scheduleChanges(g);
    db = await testBackends()[0]!.open();
    app = await buildApp({ db, chainId: g.chainId, distributorAddress: g.distributor.address, verifyWorkers: 1 });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    indexer = await createIndexer({
      db,
      client: g.publicClient,
      address: g.distributor.address,
      startBlock: 0n,
      confirmations: 0,
    });
    await indexer.syncToHead();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
    await conn?.provider.close();
  });

  it("shows who holds which role, each pending change in words with a live countdown, and what ran or was cancelled", async () => {
    const { governance } = await gql(`{ governance { chainTime timelock { address minDelaySeconds }
      operations { id status readyAt description } } }`);
    await page.goto(`${base}/dashboard/#/admin`);
    await row(changes.pending.id).waitFor();
    const panel = page.locator("#governance");
    const text = await panel.innerText();

    // The timelock and its delay.
    expect(text).to.include("Every safety change goes through the timelock");
    expect(text).to.include("1 h");
    expect(await panel.locator(`code[title="${governance.timelock.address}"]`).count()).to.be.greaterThan(0);

    // Pending: what each does, and the countdown to readyAt on the chain's clock.
    const pendingRow = row(changes.pending.id);
    expect(await pendingRow.innerText()).to.include(`Add ${NEW_SIGNER.toLowerCase()} as an oracle signer`);
    expect(await row(changes.opaque.id).innerText()).to.match(/Unknown call to 0x[0-9a-f]{40}/);
    const countdown = pendingRow.locator(".countdown");
    const op = governance.operations.find((o: any) => o.id === changes.pending.id);
    const expected = Number(op.readyAt) - Number(governance.chainTime);
    const first = seconds(await countdown.innerText());
    expect(first).to.be.within(expected - 5, expected);
    await page.waitForTimeout(2_100);
    const later = seconds(await countdown.innerText());
    expect(later, "the countdown ticks").to.be.within(first - 4, first - 1);

    // Settled: the executed role grants and the cancelled dispute-window change.
    expect(await row(grants.id).innerText()).to.include("executed");
    expect(await row(grants.id).innerText()).to.include("Grant PROPOSER_ROLE on the distributor to");
    expect(await row(changes.cancelled.id).innerText()).to.include("cancelled");
    expect(await row(changes.cancelled.id).innerText()).to.include("Set the dispute window to 7200 s (2 h)");

    // Who holds which role: the full address is on hover, the executor is "anyone".
    const roles = await panel.locator("table").nth(2).innerText();
    expect(roles).to.include("GUARDIAN_ROLE");
    expect(await panel.locator(`code[title="${g.guardian.account.address.toLowerCase()}"]`).count()).to.be.greaterThan(
      0,
    );
    expect(await panel.locator("table").nth(3).innerText()).to.match(/EXECUTOR_ROLE\s+anyone/);
    await looksRight();
    await shot("admin-governance");
  });

  it("once readyAt passes on the chain, the change reads READY and an alert says it can be executed", async () => {
    await g.elapse(TIMELOCK_MIN_DELAY);
    await conn.networkHelpers.mine(1);
    await indexer.syncToHead();
    await page.goto(`${base}/dashboard/#/supporter`);
    await page.goto(`${base}/dashboard/#/admin`);
    await row(changes.pending.id).waitFor();
    expect(await row(changes.pending.id).innerText()).to.match(/READY[\s\S]*now/);
    expect(await page.locator("ul.alerts").innerText()).to.include(
      `A timelock change is ready to execute: Add ${NEW_SIGNER.toLowerCase()} as an oracle signer.`,
    );
    await looksRight();
    await shot("admin-governance-ready");
  });
});
