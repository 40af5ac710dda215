/**
 * The Admin view's actions in a real browser (Debian's Chromium through playwright-core) against a
 * real stack: a RewardsTimelock (min delay 1 h) as the admin of a RewardsDistributor on Hardhat's
 * in-process EVM, its roles granted through the timelock, a change cancelled and two pending
 * (indexer/governance-testing.ts); the coordinator's tables seeded with signed activity in
 * coordinator epochs 5, 6 and 7 (node 2 offline while serving: NODE_OFFLINE flags); the real oracle
 * closing, computing, signing (3-of-5) and finalizing epochs 5 and 6 on-chain; the API (buildApp on
 * PGlite, its clock in coordinator epoch 7) and the chain indexer running in the background.
 * The page gets an EIP-1193 `window.ethereum` whose transactions the test signs with the account's
 * own private key (viem's local account, `eth_sendRawTransaction`), switchable between Hardhat's
 * accounts: the pauser, a governor, the guardian, a stranger.
 * Every action goes through the UI — the admin API key typed into the page, each form confirmed in
 * its dialog — and its result is checked through the API (REST, GraphQL) or on-chain; a key
 * without the scope, a rate card without notice and a wallet without the role each get a plain
 * refusal. Screenshots go to test/browser/screenshots/ (gitignored).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL answers are untyped JSON; the assertions check their shape. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import { createWalletClient, custom, keccak256, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "../../core/eip712/domain.ts";
import { POLICY_ROLE } from "../../core/policy.ts";
import type { Db } from "../../db/types.ts";
import { buildApp } from "../../server/app.ts";
import { createRateCard } from "../../coordinator/services/admin.ts";
import { domainOf } from "../../chain/client.ts";
import { distributorAbi } from "../../chain/abi.ts";
import {
  deployGoverned,
  DISPUTE_WINDOW,
  NEW_SIGNER,
  roleGrants,
  scheduleChanges,
  TIMELOCK_MIN_DELAY,
  type Governed,
} from "../../indexer/governance-testing.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { driveEpoch } from "../../oracle/run-epoch.ts";
import { hardhatChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import {
  COORDINATOR_KEY,
  epochBounds,
  EPOCH_SECONDS,
  GENESIS,
  POLICY,
  POLICY_KEY,
  seedEpochs,
} from "../../oracle/testing/seed.ts";
import { devKey } from "../../scripts/lib/start/state.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

if (!HAVE_CHROMIUM)
  console.error(
    `\n${"!".repeat(78)}\n!! SKIPPING the admin-actions browser test: ${CHROMIUM} is missing.\n` +
      `!! Install it with: apt-get install -y chromium\n${"!".repeat(78)}\n`,
  );

const WIDTH = 1366;
const ADMIN_KEY = `ledger_admin_${"a".repeat(40)}`;
/** Coordinator epochs 5 and 6 are computed and finalized (on-chain epochs 1 and 2); the API's clock is in 7. */
const [E1, E2, E3] = [5n, 6n, 7n];
/** The oracle signers deployGoverned's distributor trusts (test/contracts/fixture.ts `ORACLE_SIGNERS`), threshold 3. */
const ORACLE_KEYS = [0, 1, 2].map((i) => keccak256(toHex(`streamr-rewards-test:oracle-${i}`)));
/** Hardhat's accounts as deployGoverned uses them. */
const ACCOUNT = { pauser: 3, guardian: 2, governor: 4, stranger: 5 } as const;

describe("dashboard: the Admin view acts (Chromium, real stack)", { skip: !HAVE_CHROMIUM }, () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let g: Governed;
  let db: Db;
  let app: FastifyInstance;
  let base: string;
  let indexer: Indexer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let nodes: Address[];
  let changes: Awaited<ReturnType<typeof scheduleChanges>>;
  let walletIndex: number = ACCOUNT.pauser;
  let oracleAt: (nowSeconds: bigint) => ReturnType<typeof testOracleContext>;
  let syncing: Promise<void> = Promise.resolve();
  let syncTimer: ReturnType<typeof setInterval> | undefined;

  const sync = () =>
    (syncing = syncing.then(async () => {
      for (const step of await indexer.syncToHead()) app.ledgerEvents.publishStep(step);
    }));
  const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
    return body.data;
  };
  const rest = async (method: string, url: string, body?: unknown, key = ADMIN_KEY): Promise<any> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status, `${method} ${url}`).to.be.lessThan(300);
    return res.json();
  };
  const paused = () =>
    g.publicClient.readContract({ address: g.distributor.address, abi: distributorAbi(), functionName: "paused" });
  const operations = async () =>
    (await gql(`{ governance { operations { id status description } } }`)).governance.operations;
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  const message = () => page.locator("#message");
  const looksRight = async () => {
    const text = await page.locator("body").innerText();
    expect(text).not.to.match(/something went wrong|cannot convert|undefined|\[object Object\]/i);
    expect(text).not.to.match(/\bNaN\b/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "page width at a 1366 px window").to.be.at.most(WIDTH + 16);
  };
  /** Opens the Admin view afresh and waits for its action panels. */
  const openAdmin = async () => {
    await page.goto(`${base}/dashboard/#/supporter`);
    await page.goto(`${base}/dashboard/#/admin`);
    await page.locator("#admin-acts #rate-card-form").waitFor();
    await page.locator("#safety #pause-state").waitFor();
  };
  /** Waits for the confirmation dialog, returns its text, and presses confirm (or cancel). */
  const confirm = async (yes = true, screenshot?: string) => {
    const dialog = page.locator("dialog.confirm[open]");
    await dialog.waitFor();
    const text = await dialog.innerText();
    if (screenshot) await dialog.screenshot({ path: `${SCREENSHOTS}${screenshot}.png` });
    await dialog.locator(`[data-confirm="${yes ? "yes" : "no"}"]`).click();
    await dialog.waitFor({ state: "detached" });
    return text;
  };
  const waitForMessage = async (kind: "ok" | "error" | "info") => {
    await page.waitForFunction(
      (k) => {
        const el = document.querySelector("#message");
        return (
          el &&
          !(el as HTMLElement).hidden &&
          el.classList.contains(k) &&
          !/^(Waiting for|Sending…)/.test(el.textContent ?? "")
        );
      },
      kind,
      { timeout: 30_000 },
    );
    return message().innerText();
  };
  const useKey = async (key: string) => {
    await page.fill("#admin-key", key);
    await page.click('#admin-key-form button[type="submit"]');
    await page.locator("#admin-key-status", { hasText: "A key is set" }).waitFor();
  };

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), "admin-acts-test-"));
    conn = await network.create();
    g = await deployGoverned(conn);
    // The day-to-day roles and the policy key's POLICY_ROLE, through the timelock (schedule → delay → execute).
    const grants = [...roleGrants(g), g.onDistributor("grantRole", [POLICY_ROLE, POLICY])];
    await g.schedule(grants);
    await g.elapse(TIMELOCK_MIN_DELAY + 1n);
    await g.execute(grants);
    changes = await scheduleChanges(g);

    db = await testBackends()[0]!.open();
    const domain = domainOf(g.chainId, g.distributor.address);
    ({ nodes } = await seedEpochs(db, {
      domain,
      epochs: [E1, E2, E3],
      nodes: 4,
      sessionsPerNode: 2,
      receiptsPerStream: 3,
    }));

    // The API (its clock in coordinator epoch 7) and, as in production, a rate card in force from epoch 0
    // ($0.05/GB, founders 1.1×, +5 % from 95 % uptime), signed by the policy key that holds POLICY_ROLE.
    app = await buildApp({
      db,
      chainId: g.chainId,
      distributorAddress: g.distributor.address,
      coordinatorPrivateKey: COORDINATOR_KEY,
      policyPrivateKey: POLICY_KEY,
      epochClock: { epochSeconds: Number(EPOCH_SECONDS), genesis: Number(GENESIS) },
      now: () => Number(epochBounds(E3).start + 600n) * 1000,
      verifyWorkers: 1,
      dataDir,
      adminApiKey: ADMIN_KEY,
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    await createRateCard(db, { apiKeyId: "bootstrap-admin", requestId: "seed" }, app.policyKey, {
      effectiveEpoch: 0,
      rateMicroUsdPerGb: 50_000n,
      founderMultiplierBps: 11_000,
      uptimeBonusBps: 500,
      currentEpoch: 0,
      noticeEpochs: 0,
    });
    for (const [name, i] of Object.entries({ proposer: 1, ...ACCOUNT }))
      if (name !== "stranger")
        expect(privateKeyToAccount(devKey(i)).address.toLowerCase(), name).to.equal(
          (g[name as "proposer" | "pauser" | "guardian" | "governor"] as any).account.address.toLowerCase(),
        );
    // The real oracle: coordinator epochs 5 and 6 → on-chain epochs 1 and 2, each finalized after the dispute window.
    oracleAt = (nowSeconds: bigint) =>
      testOracleContext({
        db,
        deployed: {
          chainId: g.chainId,
          distributor: g.distributor.address,
          chain: {
            publicClient: g.publicClient,
            walletClient: createWalletClient({
              account: privateKeyToAccount(devKey(1)),
              chain: hardhatChain,
              transport: custom(conn.provider),
            }),
            distributor: g.distributor.address,
            confirmations: 1,
          },
        },
        dataDir,
        nowSeconds,
        config: { signerKeys: ORACLE_KEYS },
      });
    const ctx = oracleAt(epochBounds(E2).end + 120n);
    for (const e of [E1, E2]) {
      await driveEpoch(ctx, e);
      await g.elapse(DISPUTE_WINDOW + 1n);
      await conn.networkHelpers.mine(1);
      await driveEpoch(ctx, e);
    }

    indexer = await createIndexer({
      db,
      client: g.publicClient,
      address: g.distributor.address,
      startBlock: 0n,
      confirmations: 0,
    });
    await sync();
    syncTimer = setInterval(() => void sync().catch(() => {}), 300);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: WIDTH, height: 900 } });
    // The wallet: Hardhat's account `walletIndex`; transactions signed here with its private key.
    await context.exposeFunction("__ledgerRpc", async (method: string, params: unknown[]) => {
      try {
        const account = privateKeyToAccount(devKey(walletIndex));
        if (method === "eth_requestAccounts" || method === "eth_accounts")
          return { result: [account.address.toLowerCase()] };
        if (method === "eth_sendTransaction") {
          const tx = params[0] as { from: string; to: Address; data: Hex };
          if (tx.from.toLowerCase() !== account.address.toLowerCase()) throw new Error("unknown account");
          const wallet = createWalletClient({ account, chain: hardhatChain, transport: custom(conn.provider) });
          return { result: await wallet.sendTransaction({ to: tx.to, data: tx.data }) };
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
    clearInterval(syncTimer);
    await syncing.catch(() => {});
    await browser?.close();
    await app?.close();
    await db?.close();
    await conn?.provider.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("the data behind the view is real: two finalized epochs with NODE_OFFLINE flags", async () => {
    const { epochs } = await gql(`{ epochs { epoch status } }`);
    expect(epochs).to.deep.equal([
      { epoch: "2", status: "Finalized" },
      { epoch: "1", status: "Finalized" },
    ]);
    const { supporter } = await gql(
      `query ($a: Bytes!) { supporter(address: $a) { flaggedReceipts(first: 5) { edges { node { epoch reasons } } } } }`,
      { a: nodes[2] },
    );
    expect(JSON.stringify(supporter.flaggedReceipts)).to.include("NODE_OFFLINE");
  });

  it("without a key the actions say so; a key is kept in sessionStorage only and never shown", async () => {
    await openAdmin();
    expect(await page.locator("#admin-key-status").innerText()).to.include("No key set");
    expect(await page.locator("#audit-log").innerText()).to.include("Enter an admin API key");
    await useKey(ADMIN_KEY);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem("ledger.adminApiKey"),
      local: Object.keys(localStorage),
      cookie: document.cookie,
    }));
    expect(stored).to.deep.equal({ session: ADMIN_KEY, local: [], cookie: "" });
    expect(await page.locator("body").innerText()).not.to.include(ADMIN_KEY);
    expect(await page.locator("#admin-key").inputValue()).to.equal("");
  });

  it("proposes a rate card: the notice period and the epoch it implies, confirmed, audited, and listed by the API", async () => {
    const { rateCardSchedule: s } = await gql(
      `{ rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch } }`,
    );
    expect(s).to.deep.equal({ currentEpoch: "7", noticeEpochs: 2, earliestEffectiveEpoch: "9" });
    const notice = await page.locator("#rate-card-notice").innerText();
    expect(notice).to.include("Notice period: 2 epochs. The current coordinator epoch is 7");
    expect(notice).to.include("takes effect from coordinator epoch 9 at the earliest");
    expect(notice).to.include("In force: v1, $0.05/GB, founders 1.1×, +5 % from 95 % uptime.");

    // Too soon: the page says so as it is typed, and the server's 409 comes back in words.
    await page.fill('#rate-card-form [name="effectiveEpoch"]', "8");
    expect(await page.locator("#rate-card-implied").innerText()).to.include("Too soon");
    await page.locator("#rate-card-form input[name=effectiveEpoch]").evaluate((el) => el.removeAttribute("min"));
    await page.click('#rate-card-form button[type="submit"]');
    await confirm();
    expect(await waitForMessage("error")).to.equal(
      "The server refused the change: effectiveEpoch must be 9 or later: a rate card takes effect no earlier than 2 epochs after the current epoch (7).",
    );

    await openAdmin();
    await page.fill('#rate-card-form [name="effectiveEpoch"]', "9");
    await page.fill('#rate-card-form [name="rateMicroUsdPerGb"]', "60000");
    await page.fill('#rate-card-form [name="founderMultiplierBps"]', "11000");
    await page.fill('#rate-card-form [name="uptimeBonusBps"]', "700");
    expect(await page.locator("#rate-card-implied").innerText()).to.equal(
      "Implies: supporters are paid $0.06/GB from coordinator epoch 9, 2 epochs after the current one (7).",
    );
    // Cancel sends nothing.
    await page.click('#rate-card-form button[type="submit"]');
    await confirm(false);
    expect(await message().innerText()).to.equal("Nothing was sent.");
    expect((await rest("GET", "/v1/admin/rate-cards")).length).to.equal(1);

    await page.click('#rate-card-form button[type="submit"]');
    const dialog = page.locator("dialog.confirm[open]");
    await dialog.waitFor();
    await shot("admin-acts-confirm-rate-card");
    const text = await confirm();
    expect(text).to.include("POST /v1/admin/rate-cards");
    expect(text).to.include('"effectiveEpoch": 9');
    expect(text).to.include('"rateMicroUsdPerGb": "60000"');
    expect(text).not.to.include(ADMIN_KEY);
    expect(await waitForMessage("ok")).to.equal("Rate card v2 recorded: effective from coordinator epoch 9.");

    const cards = await rest("GET", "/v1/admin/rate-cards");
    expect(
      cards.map((c: any) => [
        c.version,
        c.effectiveEpoch,
        c.rateMicroUsdPerGb,
        c.founderMultiplierBps,
        c.uptimeBonusBps,
      ]),
    ).to.deep.equal([
      [1, 0, "50000", 11000, 500],
      [2, 9, "60000", 11000, 700],
    ]);
    // Reflected: the page re-read the schedule (the card is announced) and the audit log.
    await page.locator("#rate-card-notice", { hasText: "Announced: v2 from coordinator epoch 9" }).waitFor();
    const audit = await rest("GET", "/v1/admin/audit-log?limit=1");
    expect(audit[0]).to.include({ action: "rate_card.create", actor: "bootstrap-admin", subject: "v2" });
    expect(await page.locator(`#audit-log tr[data-audit="${audit[0].id}"]`).innerText()).to.include("rate_card.create");
    await looksRight();
  });

  it("grants founder status and overrides a flag with its required note; the API shows both", async () => {
    const node = nodes[1]!.toLowerCase();
    await page.fill('#founder-form [name="node"]', node);
    await page.selectOption('#founder-form [name="founder"]', "true");
    await page.fill('#founder-form [name="reason"]', "early supporter programme");
    await page.click('#founder-form button[type="submit"]');
    const founderText = await confirm();
    expect(founderText).to.include(`PUT /v1/admin/supporters/${node}/founder`);
    expect(await waitForMessage("ok")).to.equal(`${node} is now a founder.`);
    const { supporter } = await gql(`query ($a: Bytes!) { supporter(address: $a) { nodes { address founder } } }`, {
      a: node,
    });
    expect(supporter.nodes).to.deep.equal([{ address: node, founder: true }]);

    // The note is required: nothing is sent without it.
    const offline = nodes[2]!.toLowerCase();
    await page.fill('#flag-form [name="epoch"]', String(E3));
    await page.fill('#flag-form [name="node"]', offline);
    await page.fill('#flag-form [name="reasonCode"]', "NODE_OFFLINE");
    await page.selectOption('#flag-form [name="decision"]', "include");
    await page.click('#flag-form button[type="submit"]');
    expect(await waitForMessage("error")).to.include("The note is required");
    expect(await page.locator("dialog.confirm").count()).to.equal(0);

    await page.fill('#flag-form [name="note"]', "monitoring outage: the node was online");
    await page.click('#flag-form button[type="submit"]');
    const flagText = await confirm();
    expect(flagText).to.include('"note": "monitoring outage: the node was online"');
    expect(await waitForMessage("ok")).to.match(
      /^Override \d+ recorded: NODE_OFFLINE included for 0x[0-9a-f]{40} in coordinator epoch 7\.$/,
    );
    const overrides = await rest("GET", `/v1/admin/flag-overrides?epoch=${E3}`);
    expect(overrides.map((o: any) => [o.node, o.reasonCode, o.decision, o.note])).to.deep.equal([
      [offline, "NODE_OFFLINE", "include", "monitoring outage: the node was online"],
    ]);
    const audit = await rest("GET", "/v1/admin/audit-log?limit=3");
    expect(audit.map((a: any) => a.action)).to.deep.equal([
      "flag_override.create",
      "supporter.founder.set",
      "rate_card.create",
    ]);
    const shown = await page.locator("#audit-log").innerText();
    expect(shown).to.include("NODE_OFFLINE included: monitoring outage");
    await looksRight();
    await shot("admin-acts-api");
    await page.locator("#admin-acts").screenshot({ path: `${SCREENSHOTS}admin-acts-card.png` });
  });

  it("a key without the scope gets the server's refusal in plain words, and nothing is written", async () => {
    const readOnly = await rest("POST", "/v1/admin/api-keys", { name: "auditor", scopes: ["admin:read"] });
    const [newest] = await rest("GET", "/v1/admin/audit-log?limit=1");
    expect(newest.action).to.equal("api_key.create");
    await useKey(readOnly.key);
    // admin:read is enough to see the audit log
    await page.locator(`#audit-log tr[data-audit="${newest.id}"]`).waitFor();
    await page.fill('#founder-form [name="node"]', nodes[3]!.toLowerCase());
    await page.click('#founder-form button[type="submit"]');
    await confirm();
    expect(await waitForMessage("error")).to.equal(
      'Refused (wrong scope): This API key lacks the scope "admin:supporters" this route needs.',
    );
    // said beside the form too
    expect(await page.locator("#founder-form .act-status").innerText()).to.equal(await message().innerText());
    const audit = await rest("GET", "/v1/admin/audit-log?limit=1");
    expect(audit[0].id, "no audit entry after the refusal").to.equal(newest.id);
    await shot("admin-acts-wrong-scope");
    await useKey(ADMIN_KEY);
  });

  it("the oracle prices coordinator epoch 7 with them: node 1 at the founder multiplier, node 2's offline bytes included", async () => {
    const statement = async (node: Address, epoch: bigint) => {
      const { supporter } = await gql(
        `query ($a: Bytes!) { supporter(address: $a) { statements(first: 10) { edges { node {
          epoch countedBytes claimedBytes multiplierBps founder } } } } }`,
        { a: node.toLowerCase() },
      );
      return supporter.statements.edges.map((e: any) => e.node).find((n: any) => n.epoch === String(epoch));
    };
    await driveEpoch(oracleAt(epochBounds(E3).end + 120n), E3);
    await sync();
    const [before1, after1] = [await statement(nodes[1]!, E2), await statement(nodes[1]!, E3)];
    expect([before1.founder, before1.multiplierBps]).to.deep.equal([false, "10000"]);
    expect([after1.founder, after1.multiplierBps]).to.deep.equal([true, "11000"]);
    const [before2, after2] = [await statement(nodes[2]!, E2), await statement(nodes[2]!, E3)];
    expect(
      BigInt(before2.countedBytes) < BigInt(before2.claimedBytes),
      "epoch 6: NODE_OFFLINE excluded bytes",
    ).to.equal(true);
    expect(after2.countedBytes, "epoch 7: the override includes them").to.equal(after2.claimedBytes);
  });

  it("pause: a wallet without PAUSER_ROLE is refused by the contract; the pauser's wallet pauses at once", async () => {
    expect(await paused()).to.equal(false);
    walletIndex = ACCOUNT.stranger;
    await page.click("#act-pause");
    await confirm();
    const refusal = await waitForMessage("error");
    expect(refusal).to.match(
      /^The contract refused: AccessControlUnauthorizedAccount\(0x[0-9a-fA-F]{40}, PAUSER_ROLE\): your wallet 0x[0-9a-f]{40} is not the pauser/,
    );
    expect(await paused()).to.equal(false);

    walletIndex = ACCOUNT.pauser;
    await page.click("#act-pause");
    const text = await confirm(true, "admin-acts-confirm-pause");
    expect(text).to.include("call      pause()");
    expect(text).to.include(g.distributor.address.toLowerCase());
    expect(await waitForMessage("ok")).to.match(/^The distributor is paused\. Transaction 0x[0-9a-f]{64}\.$/);
    expect(await paused()).to.equal(true);
    expect(await page.locator("#safety h3").innerText()).to.include("paused");
    expect(await page.locator("#act-pause").isDisabled()).to.equal(true);
  });

  it("unpause is only scheduled through the timelock (by a governor), counted down, and executed once ready", async () => {
    // The pauser cannot schedule: only a governor may.
    walletIndex = ACCOUNT.pauser;
    await page.click("#act-unpause");
    await confirm();
    expect(await waitForMessage("error")).to.match(
      /AccessControlUnauthorizedAccount\(.*PROPOSER_ROLE\): your wallet .* is not a governor/,
    );

    walletIndex = ACCOUNT.governor;
    const before = new Set((await operations()).map((o: any) => o.id));
    await page.click("#act-unpause");
    const text = await confirm();
    expect(text).to.include("call      schedule(");
    expect(text).to.include("delay");
    expect(await waitForMessage("ok")).to.match(/^Unpause is scheduled/);
    const added = (await operations()).filter((o: any) => !before.has(o.id));
    expect(added.map((o: any) => o.status)).to.deep.equal(["PENDING"]);
    const unpause = added[0];
    const row = page.locator(`#governance tr[data-operation="${unpause.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).to.include(unpause.description.split(" ")[0]);
    expect(await row.locator(".countdown").innerText()).to.match(/59 min|1 h/);
    expect(await paused(), "still paused until the delay passes").to.equal(true);
    await looksRight();
    await shot("admin-acts-unpause-scheduled");

    // After the delay anyone may execute it: a stranger's wallet does.
    await g.elapse(TIMELOCK_MIN_DELAY);
    await conn.networkHelpers.mine(1);
    await sync();
    await openAdmin();
    walletIndex = ACCOUNT.stranger;
    await page.click(`#governance tr[data-operation="${unpause.id}"] button[data-op-act="execute"]`);
    expect(await confirm()).to.include("call      execute(");
    expect(await waitForMessage("ok")).to.match(/^The change ran\./);
    expect(await paused()).to.equal(false);
    expect((await operations()).find((o: any) => o.id === unpause.id).status).to.equal("DONE");
    expect(await page.locator("#safety h3").innerText()).to.include("running");
  });

  it("cancels a scheduled change from the guardian's wallet; a stranger's cancel is refused", async () => {
    const id = changes.pending.id;
    walletIndex = ACCOUNT.stranger;
    await page.click(`#governance tr[data-operation="${id}"] button[data-op-act="cancel"]`);
    await confirm();
    expect(await waitForMessage("error")).to.match(
      /CANCELLER_ROLE\): your wallet .* is not the guardian or a governor/,
    );

    walletIndex = ACCOUNT.guardian;
    await page.click(`#governance tr[data-operation="${id}"] button[data-op-act="cancel"]`);
    const text = await confirm();
    expect(text).to.include(`Add ${NEW_SIGNER.toLowerCase()} as an oracle signer`);
    expect(await waitForMessage("ok")).to.match(/^The change is cancelled\./);
    expect((await operations()).find((o: any) => o.id === id).status).to.equal("CANCELLED");
    expect(await page.locator(`#governance tr[data-operation="${id}"]`).innerText()).to.include("cancelled");
    await looksRight();
    await shot("admin-acts-governance");
    await page.locator("#safety").screenshot({ path: `${SCREENSHOTS}admin-acts-pause-card.png` });
    await page.locator("#governance").screenshot({ path: `${SCREENSHOTS}admin-acts-governance-card.png` });
  });

  it("at phone width (390 px) the forms wrap and nothing is wider than the window", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openAdmin();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "page width at a 390 px window").to.be.at.most(390 + 16);
    await page.locator("#admin-acts").screenshot({ path: `${SCREENSHOTS}admin-acts-phone.png` });
    await page.setViewportSize({ width: WIDTH, height: 900 });
  });
});
