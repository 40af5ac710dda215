/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * stack: the API (buildApp on a fresh PGlite database) serving web/ and GraphQL; a
 * RewardsDistributor and MockUSD on Hardhat's in-process EVM; the coordinator's tables seeded with
 * signed registrations, grants, heartbeats and receipts (oracle/testing/seed.ts) plus receipts sent
 * through the real `POST /v1/receipts`; the real oracle closing, computing, signing (2-of-3),
 * proposing and finalizing the coordinator epochs 5, 6 and 7 as on-chain epochs 1, 2 and 3 (epoch 2
 * with a short budget, so it is scaled pro rata; epoch 3 vetoed by the guardian); a claim on-chain;
 * and the chain indexer. The page gets an EIP-1193 `window.ethereum` that forwards JSON-RPC to the
 * in-process chain. Every number the page shows is compared with the API's GraphQL answer.
 * Screenshots go to test/browser/screenshots/ (gitignored).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL answers are untyped JSON; the assertions check their shape. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "../../core/eip712/domain.ts";
import { hashTypedMessage } from "../../core/eip712/hash.ts";
import { receiptTypes } from "../../core/eip712/receipts.ts";
import { type Hex } from "../../core/hex.ts";
import { keccak256Utf8 } from "../../core/keccak.ts";
import { buildReceiptsTree, receiptLeafHash, verifyReceiptProof, type ReceiptLeaf } from "../../core/receipts-tree.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";
import type { Db } from "../../db/types.ts";
import { buildApp } from "../../server/app.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { domainOf } from "../../chain/client.ts";
import { driveEpoch, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, type DeployedChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import { startRelayer, type RunningRelayer } from "../../scripts/commands/relayer.ts";
import { devKey } from "../../scripts/lib/start/state.ts";
import { readChainEpoch } from "../../scripts/lib/verify/chain-epoch.ts";
import {
  COORDINATOR_KEY,
  epochBounds,
  EPOCH_SECONDS,
  GENESIS,
  recordTestBudget,
  seedEpochs,
  testKey,
} from "../../oracle/testing/seed.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium, SCREENSHOTS } from "../helpers/browser.ts";
import { testBackends } from "../helpers/db.ts";

if (!HAVE_CHROMIUM)
  console.error(
    `\n${"!".repeat(78)}\n!! SKIPPING the dashboard browser tests: ${CHROMIUM} is missing.\n` +
      `!! Install it with: apt-get install -y chromium\n${"!".repeat(78)}\n`,
  );

const WINDOW = 3_600n;
/** Bytes per receipt step: node 0 counts 3 × 11 731 667 = 35 195 001 bytes per seeded epoch, which
 * at $0.05/GB is 1 759.75005 µUSD — a statement whose exact amounts are not whole µUSD. */
const STEP_BYTES = 11_731_667n;
/** Coordinator epochs; the chain numbers them 1, 2, 3. */
const [E1, E2, E3] = [5n, 6n, 7n];
const WIDTH = 1366;
const ADMIN_KEY = `ledger_admin_${"d".repeat(40)}`;

/** µUSD (an integer or exact decimal string) as the page must print it, worked out independently. */
function dollars(microUsd: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(microUsd);
  if (!m) throw new Error(`not a decimal: ${microUsd}`);
  const whole = BigInt(m[2]!);
  const frac = ((whole % 1_000_000n).toString().padStart(6, "0") + (m[3] ?? "")).replace(/0+$/, "").padEnd(2, "0");
  return `${m[1] && microUsd !== "0" ? "−" : ""}$${(whole / 1_000_000n).toLocaleString("en-US")}.${frac}`;
}
/** µUSD (an integer or exact decimal string) as plain USD, as a CSV cell must hold it, worked out independently. */
function plainUsd(microUsd: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(microUsd);
  if (!m) throw new Error(`not a decimal: ${microUsd}`);
  const whole = BigInt(m[1]!);
  const frac = ((whole % 1_000_000n).toString().padStart(6, "0") + (m[2] ?? "")).replace(/0+$/, "").padEnd(2, "0");
  return `${whole / 1_000_000n}.${frac}`;
}
/** A CSV file (RFC 4180: quoted cells may hold commas, quotes and newlines) as rows keyed by the header. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(cell), (cell = ""));
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      ((row = []), (cell = ""), i++);
    } else cell += ch;
  }
  expect(cell === "" && row.length === 0, "the file ends with CRLF").to.equal(true);
  const [header, ...body] = rows;
  for (const r of body) expect(r.length, "every row has the header's cells").to.equal(header!.length);
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}
/** Bytes as the page must print them (10³ steps, 2 decimals floored). */
function humanBytes(n: string): string {
  const v = BigInt(n);
  const units = ["B", "kB", "MB", "GB"];
  let u = 0;
  while (u < 3 && v >= 1000n ** BigInt(u + 1)) u++;
  if (u === 0) return `${v} B`;
  const hundredths = (v * 100n) / 1000n ** BigInt(u);
  const frac = (hundredths % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return `${(hundredths / 100n).toLocaleString("en-US")}${frac ? `.${frac}` : ""} ${units[u]}`;
}

describe("web/format.js: exact amounts and human bytes", () => {
  type Format = {
    usd: (v: string | bigint | null) => string;
    bytes: (v: string | bigint | null) => string;
    percent: (v: string) => string;
    times: (v: string) => string;
    decimal: (v: string, o?: { shift?: number; minFrac?: number; maxFrac?: number }) => string;
  };
  const FORMAT_MODULE = new URL("../../web/format.js", import.meta.url).href;
  const load = () => import(FORMAT_MODULE) as Promise<Format>;

  it("default: every digit of integer and decimal µUSD strings, grouped, never a float", async () => {
    const f = await load();
    expect(f.usd("1759.75")).to.equal("$0.00175975");
    expect(f.usd("1759.75005")).to.equal("$0.00175975005");
    expect(f.usd("450000000")).to.equal("$450.00");
    expect(f.usd("123456789012345678901234567890.123456789")).to.equal(
      "$123,456,789,012,345,678,901,234.567890123456789",
    );
    expect(f.usd(12n)).to.equal("$0.000012");
    expect(f.usd("0")).to.equal("$0.00");
    expect(f.usd("-1500000")).to.equal("−$1.50");
    expect(f.usd("0.000")).to.equal("$0.00");
    expect(f.usd(null)).to.equal("—");
    expect(f.decimal("9007199254740993", { shift: -2 })).to.equal("90,071,992,547,409.93");
    expect(f.percent("9950")).to.equal("99.5 %");
    expect(f.times("11000")).to.equal("×1.1");
  });

  it("default: bytes in B/kB/MB/GB (10³ steps), floored, non-zero when there are bytes", async () => {
    const f = await load();
    expect(
      ["0", "1", "999", "1000", "1999", "35195001", "900000000", "2999999999", "1234567890123"].map((b) => f.bytes(b)),
    ).to.deep.equal(["0 B", "1 B", "999 B", "1 kB", "1.99 kB", "35.19 MB", "900 MB", "2.99 GB", "1,234.56 GB"]);
  });

  it("error: anything but a decimal number is a bug, not a zero", async () => {
    const f = await load();
    for (const bad of ["1e6", "abc", "1.2.3", "0x10", " "]) expect(() => f.usd(bad), bad).to.throw(TypeError);
  });
});

describe("dashboard in Chromium against a running stack", { skip: !HAVE_CHROMIUM && `${CHROMIUM} is missing` }, () => {
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
  let walletAccount: Address;
  /** JSON-RPC methods browsers called on the chain's RPC directly (requests with an Origin header). */
  const browserRpcMethods: string[] = [];
  /** The chain's RPC URL, as a public endpoint browsers may call. */
  let chainRpcUrl: string;
  /** What the injected wallet answers to eth_chainId: the real chain unless a test overrides it. */
  let walletChainOverride: string | undefined;
  /** Keys the injected wallet signs typed data with itself (accounts Hardhat does not hold). */
  const walletKeys = new Map<Address, Hex>();
  /** The gasless-claim relayer (`ledger relayer`) the dashboard's "Claim without gas" posts to. */
  let relayer: RunningRelayer;
  const RELAYER_FEE_CAP = 2_000n;

  const sync = async () => {
    for (const step of await indexer.syncToHead()) app.ledgerEvents.publishStep(step);
  };
  const increaseTime = async (seconds: bigint) => {
    await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
    await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
  };
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
  const STATEMENT = `epoch chainEpoch countedBytes claimedBytes withheldBytes ratePerGbMicroUsd baseMicroUsd founder
    multiplierBps uptimeBonusBps exactMicroUsd earnedMicroUsd proRata { numerator denominator } payoutMicroUsd
    cumulativeMicroUsd withheld { status reason bytes }`;
  const supporterAnswer = async (a: Address) =>
    (
      await gql(
        `query ($a: Bytes!) { supporter(address: $a) {
          totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd }
          statements(first: 10) { edges { node { ${STATEMENT} } } }
          flaggedReceipts(first: 10) { edges { node { epoch seq status reasons claimedBytes countedBytes } } }
          claims(first: 10) { edges { node { amountMicroUsd cumulativeClaimedMicroUsd epoch { epoch } } } }
          proof { account epoch cumulativeMicroUsd claimedMicroUsd claimableMicroUsd proof }
        } }`,
        { a: a.toLowerCase() },
      )
    ).supporter;
  const nodesOf = (c: { edges: { node: any }[] }) => c.edges.map((e) => e.node);
  /** How the page keys a receipt's row, its Check inclusion button and the answer. */
  const receiptKey = (r: any) => `${r.sessionId}:${r.supporter}:${r.seq}`;
  /**
   * The supporter's first page of receipts as the API lists them (each with `fields`) and, on it,
   * a counted receipt of a finalized epoch (1 or 2; epoch 3 was vetoed).
   */
  const firstReceipts = async (a: Address, fields = "sessionId supporter seq inclusion { chainEpoch }") => {
    const listed = nodesOf(
      (
        await gql(
          `query ($a: Bytes!) { supporter(address: $a) { receipts(first: 10) { edges { node { ${fields} } } } } }`,
          { a },
        )
      ).supporter.receipts,
    );
    return { listed, counted: listed.find((x: any) => x.inclusion && x.inclusion.chainEpoch !== "3") };
  };
  /** Clicks a receipt's Check inclusion button on page `p` and waits for the answer, which it returns. */
  const checkInclusion = async (p: Page, key: string) => {
    await p.locator(`button[data-check="${key}"]`).click();
    await p.waitForFunction((k) => document.querySelector(`[data-inclusion="${k}"]`)?.hasAttribute("data-ok"), key);
    return p.locator(`[data-inclusion="${key}"]`);
  };
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
  const message = () => page.locator("#message");
  /** What a person must never read on the page, and the page must fit a 1366 px window. */
  const looksRight = async (p: Page = page) => {
    const text = await p.locator("body").innerText();
    expect(text).not.to.match(/something went wrong|cannot convert|undefined|\[object Object\]/i);
    expect(text).not.to.match(/\bNaN\b/); // case-sensitive: the Admin view's "Governance" contains "nan"
    expect(text).not.to.match(/at .*\.js:\d+/);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "page width at a 1366 px window").to.be.at.most(WIDTH + 16);
  };

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), "dashboard-test-"));
    conn = await network.create();
    c = await deployTestChain(custom(conn.provider), { disputeWindowSeconds: WINDOW });
    db = await testBackends()[0]!.open();
    const domain = domainOf(c.chainId, c.distributor);

    // Coordinator records: 5 nodes (node 0 a founder, node 2 offline while serving: NODE_OFFLINE)
    // paying to 5 payout addresses, receipts in coordinator epochs 5, 6 and 7.
    ({ payouts } = await seedEpochs(db, {
      domain,
      epochs: [E1, E2, E3],
      nodes: 5,
      sessionsPerNode: 1,
      receiptsPerStream: 3,
      stepBytes: STEP_BYTES,
    }));

    // The chain over HTTP JSON-RPC, as a public RPC would serve it (with CORS): the dashboard's
    // read proxy forwards to it, and browsers without a wallet call it directly (`chainRpcUrl`).
    rpcServer = createServer((req, res) => {
      res.setHeader("access-control-allow-origin", "*");
      if (req.method === "OPTIONS") {
        res.writeHead(204, { "access-control-allow-headers": "content-type", "access-control-allow-methods": "POST" });
        res.end();
        return;
      }
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        if (req.headers.origin) browserRpcMethods.push(method);
        conn.provider.request({ method, params }).then(
          (result: unknown) => res.end(JSON.stringify({ jsonrpc: "2.0", id, result })),
          (err: Error) =>
            res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32603, message: err.message } })),
        );
      });
    });
    await new Promise<void>((resolve) => rpcServer.listen(0, "127.0.0.1", resolve));
    const rpcUrl = `http://127.0.0.1:${(rpcServer.address() as AddressInfo).port}`;
    chainRpcUrl = rpcUrl;

    // The gasless-claim relayer on the same public RPC, paying gas from Hardhat's account #9.
    relayer = await startRelayer(
      {
        LEDGER_RPC_URL: rpcUrl,
        LEDGER_DISTRIBUTOR_ADDRESS: c.distributor,
        LEDGER_RELAYER_PRIVATE_KEY: devKey(9),
        LEDGER_DEV_MODE: "1",
        LEDGER_RELAYER_MAX_FEE_MICRO_USD: RELAYER_FEE_CAP.toString(),
        LEDGER_RELAYER_RATE_LIMIT_SECONDS: "0",
        PORT: "0",
      },
      { quiet: true },
    );

    // The API, with the clock inside coordinator epoch 6 so the receipts below are on time.
    const sentAt = epochBounds(E2).start + 200n;
    app = await buildApp({
      db,
      chainId: c.chainId,
      distributorAddress: c.distributor,
      coordinatorPrivateKey: COORDINATOR_KEY,
      epochClock: { epochSeconds: Number(EPOCH_SECONDS), genesis: Number(GENESIS) },
      now: () => Number(sentAt + 60n) * 1000,
      verifyWorkers: 1,
      dashboardRpcUrl: rpcUrl,
      dashboardChainRpcUrl: rpcUrl,
      dashboardRelayerUrl: relayer.url,
      dataDir,
      adminApiKey: ADMIN_KEY,
      // As in production: the dashboard must not depend on schema introspection.
      graphql: { introspection: false },
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });

    // Node 0's session in epoch 6 through the real ingest: 3 GB within 210 s (more than the
    // grant's 100 Mbit/s allows: clipped at epoch close, BITRATE_EXCEEDED), then a receipt whose
    // cumulative bytes went backwards (stored for review as a NON_MONOTONIC duplicate).
    const viewerKey = testKey(`viewer-${E2}-0-0`);
    const sessionId: Hex = `0x${Buffer.from(keccak256Utf8(`session-${E2}-0-0`)).toString("hex")}`;
    const send = async (seq: bigint, cumulativeBytes: bigint) => {
      const receipt = {
        sessionId,
        supporter: privateKeyToAddress(testKey("node-0")),
        viewer: privateKeyToAddress(viewerKey),
        seq,
        cumulativeBytes,
        timestamp: sentAt + seq,
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
    expect(await send(10n, 3_000_000_000n)).to.include({ status: "accepted" });
    expect(await send(11n, 500_000_000n)).to.include({ status: "duplicate", code: "NON_MONOTONIC" });

    // The real oracle: coordinator epoch 5 → on-chain epoch 1, finalized; 6 → 2 with a budget short
    // of what was earned (pro rata), finalized; 7 → 3, proposed and then vetoed by the guardian.
    ctx = testOracleContext({ db, deployed: c, dataDir, nowSeconds: epochBounds(E3).end + 120n });
    indexer = await createIndexer({
      db,
      client: c.publicClient,
      address: c.distributor,
      startBlock: 0n,
      confirmations: 0,
    });
    await driveEpoch(ctx, E1);
    await increaseTime(WINDOW + 1n);
    await driveEpoch(ctx, E1);
    // a short signed budget for E2 (pro rata), the large one again from E2 + 1
    await recordTestBudget(db, domain, E2, 100_000n);
    await recordTestBudget(db, domain, E2 + 1n, 10n ** 12n);
    await driveEpoch(ctx, E2);
    await sync();

    // Payout address 0 claims epoch 1's entitlement with the API's proof.
    const p = (await supporterAnswer(payouts[0]!)).proof;
    expect(p.epoch).to.equal("1");
    const hash = await c.admin.writeContract({
      address: c.distributor,
      abi: c.abi,
      functionName: "claim",
      args: [payouts[0]!, BigInt(p.cumulativeMicroUsd), p.proof],
    });
    expect((await c.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");

    await increaseTime(WINDOW + 1n);
    await driveEpoch(ctx, E2);
    await driveEpoch(ctx, E3);
    const veto = await c.guardian.writeContract({
      address: c.distributor,
      abi: c.abi,
      functionName: "veto",
      args: [3n, "dataset hash does not match the published dataset"],
    });
    await c.publicClient.waitForTransactionReceipt({ hash: veto });
    await sync();
    const chainEpochs = await gql(`{ epochs { epoch status } }`);
    expect(chainEpochs.epochs).to.deep.equal([
      { epoch: "3", status: "Vetoed" },
      { epoch: "2", status: "Finalized" },
      { epoch: "1", status: "Finalized" },
    ]);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: WIDTH, height: 900 } });
    // An EIP-1193 wallet backed by the in-process chain, with one of Hardhat's unlocked accounts.
    walletAccount = (await conn.viem.getWalletClients())[5]!.account.address.toLowerCase() as Address;
    await context.exposeFunction("__ledgerRpc", async (method: string, params: unknown[]) => {
      try {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return { result: [walletAccount] };
        if (method === "eth_chainId" && walletChainOverride) return { result: walletChainOverride };
        if (method === "wallet_switchEthereumChain") {
          walletChainOverride = undefined;
          return { result: null };
        }
        const key = walletKeys.get(String(params[0]).toLowerCase() as Address);
        if (method === "eth_signTypedData_v4" && key)
          return { result: await privateKeyToAccount(key).signTypedData(JSON.parse(String(params[1]))) };
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
    await relayer?.close();
    await db?.close();
    rpcServer?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("static files: index, modules with JS content type, viem bundle, no traversal", async () => {
    const index = await fetch(`${base}/dashboard/`);
    expect(index.status).to.equal(200);
    expect(index.headers.get("content-type")).to.match(/^text\/html/);
    const js = await fetch(`${base}/dashboard/app.js`);
    expect(js.headers.get("content-type")).to.match(/^text\/javascript/);
    expect((await fetch(`${base}/dashboard/reasons.js`)).status).to.equal(200);
    const viem = await fetch(`${base}/dashboard/vendor/viem.js`);
    expect(viem.status).to.equal(200);
    expect(await viem.text()).to.include("keccak");
    const contracts = await fetch(`${base}/dashboard/vendor/contracts.js`);
    expect(contracts.status).to.equal(200);
    expect(await contracts.text(), "the distributor's ABI from the artifacts").to.include("RootProposed");
    expect((await fetch(`${base}/dashboard/views/supporter.js`)).status).to.equal(200);
    for (const bad of ["..%2Fpackage.json", "..%2F..%2Fetc%2Fpasswd", "vendor", "viem-entry.js", ".gitignore"])
      expect((await fetch(`${base}/dashboard/${bad}`)).status, bad).to.equal(404);
    const config = (await (await fetch(`${base}/dashboard/config.json`)).json()) as {
      chainId: number;
      distributor: string;
    };
    expect(config).to.include({ chainId: c.chainId, distributor: c.distributor.toLowerCase() });
    expect((await fetch(`${base}/`, { redirect: "manual" })).headers.get("location")).to.equal("/dashboard/");
  });

  it("supporter view: totals, statements, flags and claims exactly as the API answers them", async () => {
    // An admin announces a new card, as early as the notice period allows: shown beside the one in force.
    const { rateCardSchedule: before } = await gql("{ rateCardSchedule { earliestEffectiveEpoch noticeEpochs } }");
    const announce = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({
        query: `mutation ($e: BigInt!) { setRateCard(input: { effectiveEpoch: $e, ratePerGbMicroUsd: "60000",
          founderMultiplierBps: 11000, uptimeBonusBps: 500 }) { version } }`,
        variables: { e: before.earliestEffectiveEpoch },
      }),
    });
    const announced = (await announce.json()) as { errors?: unknown[] };
    expect(announced.errors, JSON.stringify(announced.errors)).to.equal(undefined);
    const addr = payouts[0]!.toLowerCase() as Address;
    const s = await supporterAnswer(addr);
    const statements = nodesOf(s.statements);
    expect(statements.map((st: any) => [st.epoch, st.chainEpoch])).to.deep.equal([
      [E3.toString(), "3"],
      [E2.toString(), "2"],
      [E1.toString(), "1"],
    ]);
    // the seeded epoch: 35 195 001 bytes at $0.05/GB is 1 759.75005 µUSD, × 1.1 for the founder
    const first = statements[2];
    expect(first).to.deep.include({ countedBytes: "35195001", ratePerGbMicroUsd: "50000", baseMicroUsd: "1759.75005" });
    expect(first.exactMicroUsd).to.match(/^\d+\.\d+$/);
    expect(statements[1].proRata, "epoch 2 was scaled to its budget").to.not.equal(null);
    const flagged = nodesOf(s.flaggedReceipts);
    const reasons = new Set(flagged.flatMap((f: any) => f.reasons as string[]));
    expect([...reasons]).to.include.members(["BITRATE_EXCEEDED", "NON_MONOTONIC"]);
    expect(nodesOf(s.claims)).to.have.length(1);

    await page.goto(`${base}/dashboard/#/supporter/${addr}`);
    await page.locator("#statement-table").waitFor();
    await page.locator("#flagged-table").waitFor();
    await page.locator("#claims-table").waitFor();
    const text = await page.locator("#sup").innerText();
    expect(text).to.include(addr);
    expect(text).to.include("founder");

    for (const k of ["accrued", "committed", "claimable", "claimed", "entitled"])
      expect(await page.locator(`[data-total="${k}"] .value`).innerText(), k).to.equal(
        dollars(s.totals[`${k}MicroUsd`]),
      );
    expect(s.totals.claimedMicroUsd).to.equal(first.cumulativeMicroUsd);

    // the earnings chart (Chart.js) plots each statement's payout, oldest first
    const plottedPayouts = await page.evaluate(async () => {
      const url = "/dashboard/vendor/chart.js";
      const { Chart } = await import(url);
      return Chart.getChart(document.querySelector("#earnings-chart canvas"))?.data.datasets[0].data ?? null;
    });
    expect(plottedPayouts).to.deep.equal([...statements].reverse().map((st: any) => Number(st.payoutMicroUsd)));
    for (const st of statements) {
      const row = page.locator(`tbody[data-statement="${st.chainEpoch}"]`);
      await row.locator("details").evaluate((d) => ((d as HTMLDetailsElement).open = true));
      const line = async (k: string) => (await row.locator(`[data-line="${k}"]`).innerText()).trim();
      expect(await line("counted")).to.equal(humanBytes(st.countedBytes));
      expect(await line("base")).to.equal(dollars(st.baseMicroUsd));
      expect(await line("exact")).to.equal(dollars(st.exactMicroUsd));
      expect(await line("earned")).to.equal(dollars(st.earnedMicroUsd));
      expect(await line("payout")).to.equal(dollars(st.payoutMicroUsd));
      expect(await line("cumulative")).to.equal(dollars(st.cumulativeMicroUsd));
      expect(await row.locator('[data-field="payout"]').innerText()).to.equal(dollars(st.payoutMicroUsd));
      const rowText = await row.innerText();
      expect(rowText).to.include(`epoch ${st.chainEpoch}`);
      expect(rowText).to.include(`coordinator epoch ${st.epoch}`);
      expect(rowText).to.include(st.proRata ? "budget was short" : "paid in full");
      for (const w of st.withheld) expect(rowText).to.include(w.reason);
    }
    // the hand-worked amounts: every digit of the exact decimals
    expect(await page.locator('tbody[data-statement="1"] [data-line="base"]').innerText()).to.equal("$0.00175975005");
    expect(await page.locator('tbody[data-statement="1"] [data-line="counted"]').innerText()).to.equal("35.19 MB");

    const flagText = await page.locator("#flagged").innerText();
    for (const code of reasons) {
      expect(flagText).to.include(code);
      const item = await page.locator(`#flagged li[data-reason="${code}"]`).innerText();
      expect(item).to.include("What you can do:");
    }
    for (const f of flagged) if (f.claimedBytes !== "0") expect(flagText).to.include(humanBytes(f.claimedBytes));
    const claims = await page.locator("#claims-table").innerText();
    for (const cl of nodesOf(s.claims)) {
      expect(claims).to.include(dollars(cl.amountMicroUsd));
      expect(claims).to.include(`epoch ${cl.epoch.epoch}`);
    }
    const rateCard = await page.locator("#rate-card").innerText();
    expect(rateCard).to.include("$0.05 / GB");
    expect(rateCard).to.include("Announced");
    expect(rateCard).to.include("$0.06 / GB");
    expect(rateCard).to.include(`from coordinator epoch ${before.earliestEffectiveEpoch}`);
    expect(rateCard).to.include(`${before.noticeEpochs} epochs of notice`);
    const verify = (await page.locator("#verify-card details.cli").textContent()) ?? "";
    expect(verify).to.include(`npx ledger claim ${addr} --api ${base}`);
    expect(verify).not.to.include("--dry-run");
    await looksRight();
    await shot("supporter");
  });

  it("supporter without an entitlement: flagged receipts explained, Verify says there is nothing yet", async () => {
    const addr = payouts[2]!.toLowerCase() as Address; // node 2 served while offline: nothing counted
    const s = await supporterAnswer(addr);
    expect(s.proof).to.equal(null);
    expect(nodesOf(s.flaggedReceipts).every((f: any) => f.reasons.includes("NODE_OFFLINE"))).to.equal(true);
    await page.goto(`${base}/dashboard/#/supporter/${addr}`);
    await page.locator("#flagged-table").waitFor();
    expect(await page.locator("#no-entitlement").innerText()).to.include("No entitlement yet");
    await page.locator("#verify").click();
    await page.locator("#verify-result.bad").waitFor();
    const result = await page.locator("#verify-result").innerText();
    expect(result).to.include("no entitlement yet");
    expect(result).not.to.include("does not serve proofs");
    expect(await page.locator('#flagged li[data-reason="NODE_OFFLINE"]').innerText()).to.include("heartbeats");
    await looksRight();
    await shot("supporter-no-entitlement");
  });

  it("supporter view: node status from heartbeats, uptime per epoch and sessions exactly as the API answers them", async () => {
    const addr = payouts[0]!.toLowerCase() as Address; // node 0: heartbeats all along, one session per epoch
    const s = (
      await gql(
        `query ($a: Bytes!) { supporter(address: $a) {
          nodes { address lastHeartbeatAt lastHeartbeatEpoch }
          uptime(first: 10) { epoch account uptimeBps uptimeTier uptimeBonusBps }
          sessions(first: 10) { edges { node { sessionId viewersServed durationSeconds lastReceiptAt claimedBytes
            countedBytes pendingBytes earningsMicroUsd complete } } pageInfo { hasNextPage } }
        } }`,
        { a: addr },
      )
    ).supporter;
    expect(s.nodes).to.have.length(1);
    const [node] = s.nodes;
    expect(node.lastHeartbeatAt, "node 0 sent heartbeats").to.not.equal(null);
    expect(s.uptime.length, "computed epochs have an uptime").to.be.greaterThan(0);
    const sessions = nodesOf(s.sessions);
    expect(sessions.length, "node 0 served sessions").to.be.greaterThan(0);
    const utc = (unix: string) =>
      new Date(Number(unix) * 1000)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC");
    const pct = (bps: string) => {
      const frac = (BigInt(bps) % 100n).toString().padStart(2, "0").replace(/0+$/, "");
      return `${BigInt(bps) / 100n}${frac ? `.${frac}` : ""} %`;
    };

    // The browser's clock 30 s after the node's newest heartbeat: online (a heartbeat within 120 s).
    const p = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    try {
      await p.clock.setFixedTime(new Date((Number(node.lastHeartbeatAt) + 30) * 1000));
      await p.goto(`${base}/dashboard/#/supporter/${addr}`);
      await p.locator("#sessions-table").waitFor();
      const row = p.locator(`#nodes-table tr[data-node="${node.address}"]`);
      expect(await row.getAttribute("data-status")).to.equal("online");
      const rowText = await row.innerText();
      expect(rowText).to.include("online");
      expect(rowText).to.include(utc(node.lastHeartbeatAt));
      expect(rowText).to.include(`coordinator epoch ${node.lastHeartbeatEpoch}`);
      for (const u of s.uptime) {
        const line = p.locator(`#uptime-table tr[data-uptime="${u.epoch}:${u.account}"]`);
        expect(await line.locator('[data-field="uptime"]').innerText()).to.equal(pct(u.uptimeBps));
        expect(await line.innerText()).to.include(u.uptimeTier === null ? "none" : `+${pct(u.uptimeBonusBps)}`);
      }
      expect(await p.locator("#sessions-table tbody tr").count()).to.equal(sessions.length);
      for (const x of sessions) {
        const line = p.locator(`#sessions-table tr[data-session="${x.sessionId}"]`);
        const cells = await line.locator("td").allInnerTexts();
        expect(cells[1]).to.include(utc(x.lastReceiptAt));
        expect(await line.locator("td:nth-child(3) span[title]").getAttribute("title")).to.equal(
          `${BigInt(x.durationSeconds).toLocaleString("en-US")} s`,
        );
        expect(cells[3]).to.equal(String(x.viewersServed));
        expect(cells[4]).to.equal(humanBytes(x.claimedBytes));
        expect(cells[5]).to.equal(humanBytes(x.countedBytes));
        expect(cells[6]).to.equal(dollars(x.earningsMicroUsd));
        expect(cells[7]).to.include(x.complete ? "final" : "growing");
      }
      expect(
        sessions.some((x: any) => BigInt(x.earningsMicroUsd) > 0n),
        "some session earned",
      ).to.equal(true);
      await looksRight(p);
      await p.screenshot({ path: `${SCREENSHOTS}supporter-nodes-sessions.png`, fullPage: true });

      // Two minutes and a second after that heartbeat: offline.
      await p.clock.setFixedTime(new Date((Number(node.lastHeartbeatAt) + 121) * 1000));
      await p.reload();
      await p.locator("#sessions-table").waitFor();
      expect(await row.getAttribute("data-status")).to.equal("offline");

      // At phone width nothing makes the page wider than the window (tables scroll on their own).
      await p.setViewportSize({ width: 390, height: 844 });
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
      await p.screenshot({ path: `${SCREENSHOTS}supporter-nodes-sessions-phone.png`, fullPage: true });
      await p.locator("#nodes-card").screenshot({ path: `${SCREENSHOTS}supporter-nodes-phone.png` });
      await p.locator("#sessions-table").screenshot({ path: `${SCREENSHOTS}supporter-sessions-phone.png` });
      await p.locator("header").screenshot({ path: `${SCREENSHOTS}header-phone.png` });
    } finally {
      await p.close();
    }
  });

  it("verify my payout: the proof is checked against the on-chain root in the browser", async () => {
    const addr = payouts[0]!.toLowerCase() as Address;
    const { proof } = await supporterAnswer(addr);
    expect(proof.epoch).to.equal("2");
    await page.goto(`${base}/dashboard/#/supporter/${addr}`);
    await page.locator("#verify").waitFor();
    // A tampered amount, pasted, leads to another root: not verified.
    await page.locator("#paste-proof summary").click();
    const tampered = {
      account: addr,
      cumulativeAmount: String(BigInt(proof.cumulativeMicroUsd) + 1n),
      proof: proof.proof,
    };
    await page.locator("#proof-json").fill(JSON.stringify(tampered));
    await page.locator("#verify").click();
    await page.locator("#verify-result.bad").waitFor();
    expect(await page.locator("#verify-result").innerText()).to.include("Not verified");
    expect(await page.locator("#claim").isDisabled()).to.equal(true);

    // The API's proof (nothing pasted) verifies.
    await page.locator("#proof-json").fill("");
    await page.locator("#verify").click();
    await page.locator("#verify-result.good").waitFor();
    const result = await page.locator("#verify-result").innerText();
    expect(result).to.include("Verified against the chain");
    expect(result).to.include(dollars(proof.cumulativeMicroUsd));
    expect(result).to.include("epoch 2");
    expect(await page.locator('[data-total="claimable"] .value').innerText()).to.equal(
      dollars(proof.claimableMicroUsd),
    );
    expect(await page.locator("#claim").isDisabled()).to.equal(false);
  });

  it("claim through the injected wallet: the balance changes on-chain and the page updates live", async () => {
    const addr = payouts[0]!.toLowerCase() as Address;
    const { proof } = await supporterAnswer(addr);
    const balance = () =>
      c.publicClient.readContract({
        address: c.usd,
        abi: c.usdAbi,
        functionName: "balanceOf",
        args: [addr],
      }) as Promise<bigint>;
    const before = await balance();
    await page.locator("#claim").click();
    await page.locator("#verify-result.good >> text=Claimed").waitFor({ timeout: 30_000 });
    expect(await balance()).to.equal(before + BigInt(proof.claimableMicroUsd));
    expect(await page.locator("#verify-result").innerText()).to.include(`Claimed ${dollars(proof.claimableMicroUsd)}`);
    expect(await page.locator("#verify-result [data-balance]").innerText()).to.equal(dollars(proof.cumulativeMicroUsd));
    expect(await page.locator('[data-total="claimable"] .value').innerText()).to.equal("$0.00");

    // The indexer sees the claim; the subscription re-renders the claims and totals.
    await sync();
    await page.locator('#live[data-status="live"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll("#claims-table tbody tr").length === 2, undefined, {
      timeout: 15_000,
    });
    const after = await supporterAnswer(addr);
    expect(after.totals.claimedMicroUsd).to.equal(proof.cumulativeMicroUsd);
    await page.waitForFunction(
      (v) => document.querySelector('[data-total="claimed"] .value')?.textContent === v,
      dollars(after.totals.claimedMicroUsd),
      { timeout: 15_000 },
    );
    // The live refresh kept the verify panel's result.
    expect(await page.locator("#verify-result").innerText()).to.include("Claimed");
    await looksRight();
    await shot("supporter-claimed");
  });

  it("receipt inclusion: one receipt checked in the browser against the chain's receiptsRoot, hashed as core hashes", async () => {
    const addr = payouts[0]!.toLowerCase() as Address;
    // a counted receipt of a finalized epoch, on the list's first page
    const { listed, counted: r } = await firstReceipts(
      addr,
      "epoch sessionId supporter viewer seq cumulativeBytes timestamp verdict inclusion { chainEpoch receiptId countedBytes leaf proof }",
    );
    expect(r, "a counted receipt of epoch 1 or 2 on the first page").to.not.equal(undefined);
    const inc = r.inclusion;
    expect(inc.proof.length, "a tree of more than one leaf").to.be.greaterThan(0);
    // core's own answer: the id from the receipt's fields, the leaf, the chain's receiptsRoot
    const receiptId = hashTypedMessage(domainOf(c.chainId, c.distributor), "Receipt", {
      sessionId: r.sessionId,
      supporter: r.supporter,
      viewer: r.viewer,
      seq: BigInt(r.seq),
      cumulativeBytes: BigInt(r.cumulativeBytes),
      timestamp: BigInt(r.timestamp),
    });
    expect(receiptId).to.equal(inc.receiptId.toLowerCase());
    const countedBytes = BigInt(inc.countedBytes);
    const leaf = receiptLeafHash({ receiptId, countedBytes });
    const onChain = await readChainEpoch(c.publicClient, c.distributor, BigInt(inc.chainEpoch));
    const receiptsRoot = onChain.proposal!.receiptsRoot.toLowerCase();
    expect(
      verifyReceiptProof({ receiptId, countedBytes, proof: inc.proof, receiptsRoot: receiptsRoot as Hex }),
    ).to.equal(true);

    await page.goto(`${base}/dashboard/#/supporter/${addr}`);
    await page.locator("#receipts-table").waitFor();
    expect(await page.locator("#receipts-table tbody").count()).to.equal(listed.length);
    const out = await checkInclusion(page, receiptKey(r));
    const text = await out.innerText();
    expect(await out.getAttribute("data-ok"), text).to.equal("true");
    expect(text).to.include(`Included in the on-chain receiptsRoot of epoch ${inc.chainEpoch}`);
    expect(text).to.include("finalized");
    expect(text).to.include(humanBytes(inc.countedBytes));
    expect(text).to.include("your wallet's chain connection");
    expect(await out.getAttribute("data-receipt-id")).to.equal(receiptId);
    expect(await out.getAttribute("data-leaf")).to.equal(leaf);
    expect(await out.getAttribute("data-computed-root")).to.equal(receiptsRoot);
    expect(await out.getAttribute("data-receipts-root")).to.equal(receiptsRoot);

    // The page's hashing against core's on a tree of many leaves: every leaf and every path.
    const leaves: ReceiptLeaf[] = Array.from({ length: 11 }, (_, i) => ({
      receiptId: `0x${Buffer.from(keccak256Utf8(`leaf-${i}`)).toString("hex")}`,
      countedBytes: (STEP_BYTES * BigInt(i + 1)) ** 2n,
    }));
    const tree = buildReceiptsTree({ receipts: leaves });
    const inBrowser = await page.evaluate(
      async ({ url, typesUrl, cases }) => {
        const m = await import(url);
        const types = (await import(typesUrl)).RECEIPT_TYPES;
        return {
          types,
          results: cases.map((x: { receiptId: string; countedBytes: string; proof: string[] }) => {
            const l = m.receiptLeafHash(x.receiptId, BigInt(x.countedBytes));
            return { leaf: l, root: m.foldProof(l, x.proof) };
          }),
        };
      },
      {
        url: `${base}/dashboard/merkle.js`,
        typesUrl: `${base}/dashboard/receipt-check.js`,
        cases: leaves.map((l, i) => ({ ...l, countedBytes: l.countedBytes.toString(), proof: tree.getProof(i) })),
      },
    );
    expect(inBrowser.types).to.deep.equal(receiptTypes);
    inBrowser.results.forEach((x: { leaf: string; root: string }, i: number) => {
      expect(x.leaf, `leaf ${i}`).to.equal(receiptLeafHash(leaves[i]!));
      expect(x.root, `path ${i}`).to.equal(tree.root);
    });
    await looksRight();
    await out.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}supporter-receipt-included.png` });
  });

  it("receipt inclusion: a tampered proof or count from the API fails visibly", async () => {
    const addr = payouts[0]!.toLowerCase() as Address;
    let tamper: (inc: any) => void = () => {};
    await page.route("**/graphql", async (route) => {
      if (!(route.request().postData() ?? "").includes("receiptInclusion")) return route.continue();
      const res = await route.fetch();
      const json = await res.json();
      if (json.data?.receiptInclusion) tamper(json.data.receiptInclusion);
      await route.fulfill({ response: res, json });
    });
    try {
      await page.goto(`${base}/dashboard/#/supporter/${addr}`);
      await page.locator("#receipts-table").waitFor();
      const { listed, counted: r } = await firstReceipts(addr);
      const key = receiptKey(r);
      const out = page.locator(`[data-inclusion="${key}"]`);
      const check = async () => {
        await page.evaluate((k) => document.querySelector(`[data-inclusion="${k}"]`)?.removeAttribute("data-ok"), key);
        await checkInclusion(page, key);
        return { ok: await out.getAttribute("data-ok"), text: await out.innerText() };
      };

      // one sibling of the path changed: the path leads elsewhere
      tamper = (inc) => {
        const h: string = inc.proof[0];
        inc.proof[0] = `${h.slice(0, -1)}${h.endsWith("0") ? "1" : "0"}`;
      };
      const badPath = await check();
      expect(badPath.ok, badPath.text).to.equal("false");
      expect(badPath.text).to.match(
        /Not included: the proof leads to 0x[0-9a-f]{64}, not to the on-chain receiptsRoot/,
      );
      expect(await out.getAttribute("class")).to.include("bad");
      await looksRight();
      await out.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOTS}supporter-receipt-tampered.png` });

      // a count raised by one byte (the API's leaf left as it was)
      tamper = (inc) => (inc.countedBytes = (BigInt(inc.countedBytes) + 1n).toString());
      const badCount = await check();
      expect(badCount.ok).to.equal("false");
      expect(badCount.text).to.include("is not the hash of this receipt");

      // a count and leaf both changed consistently: the path no longer reaches the root
      tamper = (inc) => {
        inc.countedBytes = (BigInt(inc.countedBytes) * 2n).toString();
        inc.leaf = receiptLeafHash({ receiptId: inc.receiptId, countedBytes: BigInt(inc.countedBytes) });
      };
      const forged = await check();
      expect(forged.ok).to.equal("false");
      expect(forged.text).to.include("not to the on-chain receiptsRoot");

      // a receipt that counted nothing: the API has no proof, said plainly
      const uncounted = listed.find((x: any) => !x.inclusion);
      expect(uncounted, "the NON_MONOTONIC duplicate is on the first page").to.not.equal(undefined);
      expect(await (await checkInclusion(page, receiptKey(uncounted))).innerText()).to.include(
        "has no inclusion proof",
      );

      // untouched again: a receipt of the vetoed epoch 3 is in its proposal's root, but not counted
      tamper = () => {};
      const vetoed = listed.find((x: any) => x.inclusion?.chainEpoch === "3");
      const vetoedText = await (await checkInclusion(page, receiptKey(vetoed))).innerText();
      expect(vetoedText).to.include("the guardian vetoed that root on-chain: wait until epoch 3 is proposed again");
      expect(vetoedText).to.include("npx ledger verify-receipt --epoch 3 --receipt 0x");

      // and the receipt of epoch 2 is included again
      expect((await check()).ok).to.equal("true");
    } finally {
      await page.unroute("**/graphql");
    }
  });

  it("receipt inclusion without a wallet: the receiptsRoot comes from the chain's public RPC, not the API", async () => {
    const bare = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    try {
      const addr = payouts[1]!.toLowerCase() as Address;
      const { counted: r } = await firstReceipts(addr);
      browserRpcMethods.length = 0;
      await bare.goto(`${base}/dashboard/#/supporter/${addr}`);
      const out = await checkInclusion(bare, receiptKey(r));
      const text = await out.innerText();
      expect(await out.getAttribute("data-ok"), text).to.equal("true");
      expect(text).to.include(`Included in the on-chain receiptsRoot of epoch ${r.inclusion.chainEpoch}`);
      expect(text).to.include(`the chain's RPC at ${chainRpcUrl}`);
      expect(browserRpcMethods).to.include.members(["eth_chainId", "eth_call", "eth_blockNumber", "eth_getLogs"]);
      await looksRight(bare);
    } finally {
      await bare.close();
    }
  });

  it("statements and claims as CSV: one row per epoch and per claim, exactly GraphQL's numbers", async () => {
    const addr = payouts[0]!.toLowerCase() as Address;
    const api = (
      await gql(
        `query ($a: Bytes!) { supporter(address: $a) {
          statements(first: 100) { edges { node { epoch chainEpoch epochStatus account rateCardVersion receipts
            claimedBytes countedBytes withheldBytes ratePerGbMicroUsd baseMicroUsd multiplierBps uptimeBps uptimeBonusBps
            exactMicroUsd earnedMicroUsd proRata { numerator denominator } payoutMicroUsd previousCumulativeMicroUsd
            cumulativeMicroUsd } } }
          claims(first: 100) { edges { node { account { id } recipient amountMicroUsd cumulativeClaimedMicroUsd relayer
            relayerFeeMicroUsd blockNumber blockTimestamp transactionHash epoch { epoch } } } }
        } }`,
        { a: addr },
      )
    ).supporter;
    const statements = nodesOf(api.statements).reverse(); // oldest first, as the file
    const claims = nodesOf(api.claims).reverse();
    expect(statements.length, "several epochs").to.be.at.least(3);
    expect(claims.length, "at least one claim").to.be.at.least(1);

    await page.goto(`${base}/dashboard/#/supporter/${addr}`);
    await page.locator("#claims-table").waitFor();
    const download = async (button: string, name: string) => {
      const [file] = await Promise.all([page.waitForEvent("download"), page.locator(button).click()]);
      expect(file.suggestedFilename()).to.equal(`${name}-${addr}.csv`);
      await file.saveAs(`${SCREENSHOTS}${name}.csv`);
      return parseCsv(readFileSync(`${SCREENSHOTS}${name}.csv`, "utf8"));
    };

    const st = await download("#download-statements", "statements");
    expect(st.map((row) => row.epoch)).to.deep.equal(statements.map((x: any) => x.chainEpoch));
    statements.forEach((x: any, i: number) => {
      const row = st[i]!;
      expect(row, `epoch ${x.chainEpoch}`).to.deep.include({
        coordinator_epoch: x.epoch,
        epoch_status: x.epochStatus,
        account: x.account,
        rate_card_version: String(x.rateCardVersion),
        receipts: String(x.receipts),
        claimed_bytes: x.claimedBytes,
        counted_bytes: x.countedBytes,
        withheld_bytes: x.withheldBytes,
        multiplier_bps: String(x.multiplierBps),
        uptime_bps: String(x.uptimeBps),
        uptime_bonus_bps: String(x.uptimeBonusBps),
        pro_rata: x.proRata ? `${x.proRata.numerator}/${x.proRata.denominator}` : "",
      });
      for (const [col, field] of [
        ["rate_per_gb", "ratePerGbMicroUsd"],
        ["base", "baseMicroUsd"],
        ["exact", "exactMicroUsd"],
        ["earned", "earnedMicroUsd"],
        ["payout", "payoutMicroUsd"],
        ["previous_cumulative", "previousCumulativeMicroUsd"],
        ["cumulative", "cumulativeMicroUsd"],
      ] as const) {
        expect(row[`${col}_micro_usd`], `${col} µUSD, epoch ${x.chainEpoch}`).to.equal(x[field]);
        expect(row[`${col}_usd`], `${col} USD, epoch ${x.chainEpoch}`).to.equal(plainUsd(x[field]));
      }
    });
    // the hand-worked amount of the seeded epoch: every digit of the exact decimal
    expect(st[0]!.base_usd).to.equal("0.00175975005");
    expect(st[0]!.base_micro_usd).to.equal("1759.75005");

    const cl = await download("#download-claims", "claims");
    expect(cl).to.have.length(claims.length);
    claims.forEach((x: any, i: number) => {
      expect(cl[i], `claim ${i}`).to.deep.equal({
        epoch: x.epoch.epoch,
        time_utc: new Date(Number(x.blockTimestamp) * 1000).toISOString(),
        block: x.blockNumber,
        transaction: x.transactionHash,
        account: x.account.id,
        recipient: x.recipient,
        amount_usd: plainUsd(x.amountMicroUsd),
        amount_micro_usd: x.amountMicroUsd,
        cumulative_claimed_usd: plainUsd(x.cumulativeClaimedMicroUsd),
        cumulative_claimed_micro_usd: x.cumulativeClaimedMicroUsd,
        relayer: x.relayer ?? "",
        relayer_fee_usd: x.relayer ? plainUsd(x.relayerFeeMicroUsd) : "",
        relayer_fee_micro_usd: x.relayer ? x.relayerFeeMicroUsd : "",
      });
    });
    // the claims add up to what was claimed in total
    const sum = claims.reduce((a: bigint, x: any) => a + BigInt(x.amountMicroUsd), 0n);
    expect(cl.at(-1)!.cumulative_claimed_micro_usd).to.equal(sum.toString());
    expect(await message().innerText()).to.include(`Downloaded ${claims.length} claims`);
    await looksRight();
    await shot("supporter-csv");
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
    expect(await message().innerText()).to.include(`on chain ${c.chainId}`);
    await shot("wrong-chain");
    await message().locator("button", { hasText: "Switch network" }).click();
    await page.waitForFunction((a) => location.hash === `#/supporter/${a}`, walletAccount);
    expect(walletChainOverride).to.equal(undefined);
    for (const text of await page.locator("body").allInnerTexts()) expect(text).not.to.match(/at .*\.js:\d+/);
  });

  it("auditor view: epochs with verification badges and summaries, reconciliation, paged ledger", async () => {
    const api = await gql(`{ epochs { epoch root cumulativeTotalMicroUsd claimedMicroUsd oracle { epoch } }
      reconciliation { fundedMicroUsd claimedMicroUsd outstandingLiabilityMicroUsd }
      ledgerEntries(first: 100) { edges { node { journalId } } } }`);
    await page.goto(`${base}/dashboard/#/auditor`);
    await page.locator("#epochs tbody tr").first().waitFor();
    expect(await page.locator("#epochs tbody tr").count()).to.equal(3);
    await page.waitForFunction(
      () => document.querySelectorAll("#epochs td.verification .badge.good").length === 3,
      undefined,
      { timeout: 60_000 },
    );
    const epochs = await page.locator("#epochs").innerText();
    expect(epochs).to.include("Finalized");
    expect(epochs).to.include("Vetoed");
    for (const e of api.epochs) {
      const row = await page.locator(`#epochs tr[data-epoch="${e.epoch}"]`).innerText();
      expect(row).to.include(`epoch ${e.epoch}`);
      expect(row).to.include(e.oracle.epoch); // the coordinator epoch, in its own column
      expect(row).to.include(dollars(e.cumulativeTotalMicroUsd));
      const cell = await page.locator(`#epochs tr[data-epoch="${e.epoch}"] td.verification`).innerText();
      expect(cell).to.match(/^✓ recomputed\s+\d+ checks passed/);
      expect(cell).not.to.match(/[{}]/);
    }
    const body = await page.locator("#view").innerText();
    expect(body).to.include("solvent");
    expect(body).to.include("balanced");
    expect(body).to.include(dollars(api.reconciliation.fundedMicroUsd));
    expect(body).to.include(dollars(api.reconciliation.outstandingLiabilityMicroUsd));
    expect(body).to.match(/claimed \(epoch 2\)/);

    // The double-entry ledger pages: 10 rows, then the next 10, then back.
    expect(api.ledgerEntries.edges.length).to.be.greaterThan(10);
    const firstJournal = await page.locator("#ledger-table tbody tr td").first().innerText();
    expect(await page.locator("#ledger-table tbody tr").count()).to.equal(10);
    await page.locator('#ledger [data-page="next"]').click();
    await page.waitForFunction(
      (j) => document.querySelector("#ledger-table tbody tr td")?.textContent !== j,
      firstJournal,
    );
    expect(await page.locator("#ledger").innerText()).to.include("Page 2");
    await page.locator('#ledger [data-page="prev"]').click();
    await page.waitForFunction(
      (j) => document.querySelector("#ledger-table tbody tr td")?.textContent === j,
      firstJournal,
    );
    await looksRight();

    await page.locator("#epochs a", { hasText: "epoch 2" }).click();
    await page.locator("#epoch-2").waitFor();
    const detail = await page.locator("#epoch-2").innerText();
    expect(detail).to.include(api.epochs[1].root);
    await page.locator("#detail-verification table").waitFor({ timeout: 60_000 });
    await looksRight();
    await shot("auditor");
  });

  it("admin view: epoch timeline, oracle record, vetoes, alerts", async () => {
    await page.goto(`${base}/dashboard/#/admin`);
    await page.locator("ol.timeline li").first().waitFor();
    await page.locator("#oracle-epochs table").waitFor();
    expect(await page.locator("ol.timeline li").count()).to.equal(3);
    const text = await page.locator("#view").innerText();
    expect(text).to.include("dataset hash does not match the published dataset");
    expect(text).to.include("Epoch 3 was vetoed");
    expect(text).to.include(`coordinator epoch ${E3}`);
    await looksRight();
    await shot("admin");
  });

  it("without a wallet: the page reads the chain's public RPC directly; the API's RPC proxy stays read-only", async () => {
    const bare = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    try {
      const config = (await (await fetch(`${base}/dashboard/config.json`)).json()) as {
        rpcUrl: string;
        chainRpcUrl: string;
        startBlock: string;
      };
      expect(config).to.deep.include({ rpcUrl: "/dashboard/rpc", chainRpcUrl, startBlock: "0" });
      const proxy = (method: string, params: unknown[]) =>
        fetch(`${base}/dashboard/rpc`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        }).then((r) => r.json() as Promise<{ result?: unknown; error?: { code: number } }>);
      expect((await proxy("eth_sendTransaction", [{}])).error?.code).to.equal(-32601);
      // the proxy serves the event logs the receipt check reads (for pages without a public RPC)
      const logs = await proxy("eth_getLogs", [{ address: c.distributor, fromBlock: "0x0", toBlock: "latest" }]);
      expect(logs.result).to.be.an("array").that.is.not.empty;

      const addr = payouts[1]!.toLowerCase() as Address;
      const { proof } = await supporterAnswer(addr);
      browserRpcMethods.length = 0;
      await bare.goto(`${base}/dashboard/#/supporter/${addr}`);
      await bare.locator("#verify").click();
      await bare.locator("#verify-result.good").waitFor();
      expect(await bare.locator("#verify-result").innerText()).to.include(dollars(proof.cumulativeMicroUsd));
      expect(browserRpcMethods, "the browser called the chain's RPC itself").to.include("eth_call");
      await bare.locator("#claim").click();
      await bare.locator("#verify-result.bad").waitFor();
      expect(await bare.locator("#verify-result").innerText()).to.include("No browser wallet found");
      await looksRight(bare);
    } finally {
      await bare.close();
    }
  });

  it("claim without gas: the wallet signs a ClaimAuthorization, the relayer submits it and keeps its fee", async () => {
    // the first payout address (not payouts[0], claimed above) with more to claim than the fee
    let i = 1;
    let proof: any = null;
    for (; i < payouts.length; i++) {
      proof = (await supporterAnswer(payouts[i]!.toLowerCase() as Address)).proof;
      if (proof && BigInt(proof.claimableMicroUsd) > RELAYER_FEE_CAP) break;
    }
    expect(i < payouts.length, "a payout address with something to claim beyond the fee").to.equal(true);
    const addr = payouts[i]!.toLowerCase() as Address;
    const balanceOf = (a: Address) =>
      c.publicClient.readContract({
        address: c.usd,
        abi: c.usdAbi,
        functionName: "balanceOf",
        args: [a],
      }) as Promise<bigint>;
    const relayerBefore = await balanceOf(relayer.address);
    const before = await balanceOf(addr);
    const gasBefore = await c.publicClient.getBalance({ address: addr });
    // The wallet is now the payout address itself, which holds no ETH, and signs with its own key.
    const previous = walletAccount;
    walletKeys.set(addr, testKey(`payout-${i}`));
    walletAccount = addr;
    try {
      await page.goto(`${base}/dashboard/#/supporter/${addr}`);
      await page.reload();
      await page.locator("#verify").click();
      await page.locator("#verify-result.good >> text=Verified against the chain").waitFor();
      expect(await page.locator("#claim-gasless").isDisabled()).to.equal(false);
      await page.locator("#claim-gasless").click();
      await page.locator("#verify-result.good >> text=without gas").waitFor({ timeout: 30_000 });
      const fee = RELAYER_FEE_CAP;
      expect(await balanceOf(addr)).to.equal(before + BigInt(proof.claimableMicroUsd) - fee);
      expect(await balanceOf(relayer.address)).to.equal(relayerBefore + fee);
      expect(await c.publicClient.getBalance({ address: addr }), "the supporter paid no gas").to.equal(gasBefore);
      const tx = await page.locator("#verify-result [data-tx]").innerText();
      const receipt = await c.publicClient.getTransactionReceipt({ hash: tx as Hex });
      expect(receipt.status).to.equal("success");
      expect(receipt.from.toLowerCase()).to.equal(relayer.address.toLowerCase());
      expect(await page.locator("#verify-result [data-fee]").innerText()).to.equal(dollars(fee.toString()));
      expect(await page.locator("#verify-result").innerText()).to.include(
        `Claimed ${dollars(proof.claimableMicroUsd)} without gas`,
      );
      await looksRight();
      await shot("supporter-claimed-gasless");

      expect(await page.locator("#claim-gasless").isDisabled(), "nothing left to claim").to.equal(true);
    } finally {
      walletAccount = previous;
      walletKeys.delete(addr);
    }
  });

  it("claim without gas, no relayer: a server that names none hides the button and says why", async () => {
    await page.route("**/dashboard/config.json", async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), relayerUrl: null } });
    });
    try {
      await page.goto(`${base}/dashboard/#/supporter/${payouts[0]!.toLowerCase()}`);
      await page.reload();
      await page.locator("#no-relayer").waitFor();
      expect(await page.locator("#claim-gasless").count()).to.equal(0);
      expect(await page.locator("#no-relayer").innerText()).to.equal(
        "Claiming without gas is not offered here: this server names no relayer.",
      );
      expect(await page.locator("#claim").count()).to.equal(1);
    } finally {
      await page.unroute("**/dashboard/config.json");
    }
  });

  it("error: an unreachable API gets one clear sentence", async () => {
    await page.route("**/graphql", (route) => route.abort());
    await page.goto(`${base}/dashboard/#/auditor`);
    await message().locator("text=The ledger API is unreachable").waitFor();
    await page.unroute("**/graphql");
  });
});
