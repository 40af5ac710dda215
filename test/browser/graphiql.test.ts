/**
 * GraphiQL in a real browser, offline: Debian's Chromium (playwright-core) opens GET /graphql
 * of the real API (buildApp on a fresh PGlite database) with every request to a host other
 * than the API's loopback address aborted — the page must render its editor and run a query
 * from what the API itself serves (the bundle is inlined by @graphql-yoga/render-graphiql).
 */
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { buildApp } from "../../server/app.ts";
import type { Db } from "../../db/types.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

describe("GraphiQL in Chromium without internet access", { skip: !HAVE_CHROMIUM && `${CHROMIUM} is missing` }, () => {
  let db: Db;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    db = await testBackends()[0]!.open();
    app = await buildApp({ db, verifyWorkers: 1 });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const origin = new URL(base).origin;
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("blob:") || url.startsWith("data:")) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    page.on("pageerror", (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it("renders the editor and runs a query, loading nothing from another host", async () => {
    // Open it with a query in the URL and run it the way a person does: the ▶ button.
    const query = "{ epochs(first: 1) { id } oracleEpochs(first: 1) { pageInfo { hasNextPage } } }";
    const res = await page.goto(`${base}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: "load" });
    expect(res?.status()).to.equal(200);
    expect(res?.headers()["content-security-policy"]).to.not.include("unpkg");
    // The editor (Monaco) appears once the inlined bundle has run.
    await page.waitForSelector(".graphiql-container", { timeout: 30_000 });
    await page.click(".graphiql-execute-button");
    const result = page.locator(".graphiql-response");
    await result.getByText('"oracleEpochs"').waitFor({ timeout: 30_000 });
    const text = (await result.innerText()).replace(/\s+/g, " "); // Monaco renders non-breaking spaces
    expect(text).to.include('"epochs": []');
    expect(text).to.not.include('"errors"');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}graphiql.png` });
    expect(foreign, `requests to other hosts: ${foreign.join(", ")}`).to.deep.equal([]);
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
