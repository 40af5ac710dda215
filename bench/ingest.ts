/**
 * `npm run bench -- ingest [--receipts=100000] [--concurrency=4] [--backends=postgres,pglite] [--accrual-watchers=10]`:
 * receipt ingestion end to end (issue 5), with the live accrual on (issue 19): `accrual-watchers`
 * supporters' dashboards subscribe to `accrualUpdated` over SSE for the whole measured load, and
 * the report counts the pushes they received.
 *
 * For each backend, starts the real server (`node server/main.ts`, a child process, on a fresh
 * database: a new PostgreSQL database, or PGlite in memory), registers 1 000 supporters and
 * grants 10 000 viewer sessions through the API, then drives `POST /v1/receipts` over HTTP
 * with pre-signed receipts in batches of 1 000 from `concurrency` concurrent clients, and
 * reports acknowledged-and-durable receipts per second (every answer is sent after the
 * commit; the stored row count is checked afterwards) and the p99 batch latency. The
 * baseline is core's pure verification ceiling measured in the same run: `verifyBatch` on a
 * pool of one worker per core over the same receipts.
 *
 * Target: ≥ 15 000 receipts/s on PostgreSQL on this 2-core machine. The load generator
 * shares those cores with the server and the database.
 */
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import pg from "pg";
import type { Address, RewardsDomain } from "../core/eip712/domain.ts";
import type { Receipt } from "../core/eip712/receipts.ts";
import type { Hex } from "../core/hex.ts";
import { privateKeyToAddress, signTypedMessage } from "../core/sign.ts";
import { createVerifyPool } from "../core/verify-pool.ts";
import { loadPass } from "./_http-load.ts";
import { parallel, post, startApi, stopProcess } from "./_processes.ts";
import { report } from "./report.ts";

const SUPPORTERS = 1_000;
const SESSIONS = 10_000;
const BATCH = 1_000;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString("hex")}`;
const CHAIN_ID = 31_337;
const DISTRIBUTOR: Address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const DOMAIN: RewardsDomain = { chainId: CHAIN_ID, verifyingContract: DISTRIBUTOR };

function arg(args: string[], name: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** One dashboard following a supporter's accrual over SSE: counts the pushes it receives. */
function watchAccrual(base: string, address: Address): { pushes(): number; stop(): void } {
  const controller = new AbortController();
  let pushes = 0;
  void fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({
      query: `subscription { accrualUpdated(address: "${address}") { acceptedBytes provisionalMicroUsd conservativeMicroUsd gap { reason microUsd } } }`,
    }),
    signal: controller.signal,
  })
    .then(async (res) => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) pushes += (decoder.decode(chunk).match(/^data: /gm) ?? []).length;
    })
    .catch(() => {});
  return { pushes: () => pushes, stop: () => controller.abort() };
}

const key = (seed: number): Hex => `0x${(BigInt(seed) + 0x1000n).toString(16).padStart(64, "0")}`;

type Fixture = {
  supporters: { address: Address; privateKey: Hex }[];
  viewers: { address: Address; privateKey: Hex }[];
  sessionIds: Hex[];
  notBefore: bigint;
  notAfter: bigint;
  registrations: string[];
  batches: string[];
  signed: { message: Receipt; signature: Hex }[];
};

function buildFixture(totalReceipts: number): Fixture {
  const nowS = BigInt(Math.floor(Date.now() / 1000));
  const epoch = nowS / 86_400n;
  const supporters = Array.from({ length: SUPPORTERS }, (_, i) => {
    const privateKey = key(i);
    return { privateKey, address: privateKeyToAddress(privateKey) };
  });
  const viewers = Array.from({ length: SESSIONS }, (_, i) => {
    const privateKey = key(100_000 + i);
    return { privateKey, address: privateKeyToAddress(privateKey) };
  });
  const sessionIds = viewers.map((_, i): Hex => `0x${(BigInt(i) + 0xabc000n).toString(16).padStart(64, "0")}`);
  const registrations = supporters.map((s) => {
    const message = { node: s.address, payout: s.address, effectiveEpoch: epoch, nonce: 1n };
    const signature = signTypedMessage({
      domain: DOMAIN,
      primaryType: "SupporterRegistration",
      message,
      privateKey: s.privateKey,
    });
    return JSON.stringify({
      node: s.address,
      payout: s.address,
      effectiveEpoch: epoch.toString(),
      nonce: "1",
      signature,
    });
  });
  // Round r: every session's supporter sends seq r with cumulative r·1 MB; timestamps inside the grant window.
  const signed: Fixture["signed"] = [];
  const rounds = Math.ceil(totalReceipts / SESSIONS);
  for (let r = 1; r <= rounds && signed.length < totalReceipts; r++)
    for (let s = 0; s < SESSIONS && signed.length < totalReceipts; s++) {
      const message = {
        sessionId: sessionIds[s]!,
        supporter: supporters[s % SUPPORTERS]!.address,
        viewer: viewers[s]!.address,
        seq: BigInt(r),
        cumulativeBytes: BigInt(r) * 1_000_000n,
        timestamp: nowS - 600n + BigInt(r),
      };
      signed.push({
        message,
        signature: signTypedMessage({
          domain: DOMAIN,
          primaryType: "Receipt",
          message,
          privateKey: viewers[s]!.privateKey,
        }),
      });
    }
  const batches: string[] = [];
  for (let i = 0; i < signed.length; i += BATCH)
    batches.push(
      JSON.stringify({
        receipts: signed.slice(i, i + BATCH).map(({ message: m, signature }) => ({
          sessionId: m.sessionId,
          supporter: m.supporter,
          viewer: m.viewer,
          seq: m.seq.toString(),
          cumulativeBytes: m.cumulativeBytes.toString(),
          timestamp: m.timestamp.toString(),
          signature,
        })),
      }),
    );
  return {
    supporters,
    viewers,
    sessionIds,
    notBefore: nowS - 3600n,
    notAfter: nowS + 3n * 3600n,
    registrations,
    batches,
    signed,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runBackend(
  name: "postgres" | "pglite",
  fixture: Fixture,
  concurrency: number,
  ceiling: number,
  adminUrl: string,
  accrualWatchers: number,
): Promise<void> {
  let databaseUrl = "pglite:memory";
  let dbName: string | undefined;
  if (name === "postgres") {
    dbName = `ledger_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`CREATE DATABASE ${dbName}`);
    await c.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const { child, base } = await startApi({
    DATABASE_URL: databaseUrl,
    LEDGER_ADMIN_API_KEY: ADMIN_KEY,
    LEDGER_COORDINATOR_PRIVATE_KEY: key(999_999),
    LEDGER_CHAIN_ID: String(CHAIN_ID),
    LEDGER_DISTRIBUTOR_ADDRESS: DISTRIBUTOR,
    LEDGER_RATE_LIMIT_PER_MINUTE: "100000000",
  });
  try {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const t0 = performance.now();
    await parallel(fixture.registrations, 16, async (body) => void (await post(base, "/v1/supporters", body)));
    await parallel(
      fixture.sessionIds.map((id, i) => ({ id, i })),
      16,
      async ({ id, i }) =>
        void (await post(
          base,
          "/v1/sessions",
          JSON.stringify({
            sessionId: id,
            viewer: fixture.viewers[i]!.address,
            streamId: id,
            maxBitsPerSecond: 8_000_000,
            notBefore: fixture.notBefore.toString(),
            notAfter: fixture.notAfter.toString(),
          }),
          auth,
        )),
    );
    const setupSeconds = (performance.now() - t0) / 1000;

    // The live accrual's subscribers: every push is a read of the open epoch and a computation in core.
    const watchers = fixture.supporters.slice(0, accrualWatchers).map((s) => watchAccrual(base, s.address));
    await new Promise((r) => setTimeout(r, 500));

    // Warm-up: one batch (JIT, partitions, connections), not counted.
    const [warm, ...rest] = fixture.batches;
    const warmAnswer = JSON.parse(await post(base, "/v1/receipts", warm!)) as { accepted: number };
    let accepted = warmAnswer.accepted;
    let notAccepted = 0;
    // The measured load: autocannon, `concurrency` keep-alive connections, every batch sent once.
    let next = 0;
    let failure: string | undefined;
    const pass = await loadPass({
      url: `${base}/v1/receipts`,
      method: "POST",
      connections: concurrency,
      body: () => rest[next++],
      ms: Infinity,
      max: rest.length,
      exact: true,
      record: true,
      check: (status, text) => {
        if (status >= 300) {
          failure ??= `/v1/receipts: ${status} ${text.slice(0, 300)}`;
          return false;
        }
        const answer = JSON.parse(text) as {
          accepted: number;
          duplicate: number;
          rejected: number;
          results: { code?: string }[];
        };
        accepted += answer.accepted;
        notAccepted += answer.duplicate + answer.rejected;
        if (answer.rejected > 0 && notAccepted === answer.duplicate + answer.rejected)
          console.error(`bench: first rejected codes: ${[...new Set(answer.results.map((r) => r.code))].join(",")}`);
        return true;
      },
    });
    const accrualPushes = watchers.reduce((n, w) => n + w.pushes(), 0);
    for (const w of watchers) w.stop();
    if (failure) throw new Error(failure);
    if (pass.errors > 0) throw new Error(`/v1/receipts: ${pass.errors} requests failed`);
    const seconds = pass.seconds;
    const latencies = [...pass.latencies];
    const measured = rest.length * BATCH;
    latencies.sort((a, b) => a - b);

    // Where the server spent its time (its own histograms): verification vs storage per batch.
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const stage = (st: string) => {
      const sum = new RegExp(`ledger_ingest_batch_duration_seconds_sum\\{kind="receipt",stage="${st}"\\} (\\S+)`).exec(
        metricsText,
      );
      const count = new RegExp(
        `ledger_ingest_batch_duration_seconds_count\\{kind="receipt",stage="${st}"\\} (\\S+)`,
      ).exec(metricsText);
      return sum && count ? Math.round((Number(sum[1]) / Number(count[1])) * 1000) : undefined;
    };
    const serverVerifyMs = stage("verify");
    const serverStoreMs = stage("store");

    let storedRows: number | undefined;
    if (dbName) {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      storedRows = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM receipts")).rows[0]!.n);
      await c.end();
    }
    const value = (accepted - warmAnswer.accepted) / seconds;
    report({
      bench: "ingest",
      metric: "receipts_per_second",
      backend: name,
      value,
      unit: "receipts/s",
      baseline: `core verifyBatch ceiling (${availableParallelism()} workers)`,
      baselineValue: ceiling,
      target: name === "postgres" ? 15_000 : undefined,
      meetsTarget: name === "postgres" ? value >= 15_000 : undefined,
      receipts: measured,
      accepted: accepted - warmAnswer.accepted,
      notAccepted,
      storedRows,
      batchSize: BATCH,
      concurrency,
      supporters: SUPPORTERS,
      sessions: SESSIONS,
      setupSeconds: Math.round(setupSeconds * 10) / 10,
      loadavg1: Math.round(loadavg()[0]! * 100) / 100,
      accrualWatchers: watchers.length,
      accrualPushes,
    });
    report({
      bench: "ingest",
      metric: "p99_batch_latency",
      backend: name,
      value: percentile(latencies, 99),
      unit: "ms",
      p50: Math.round(percentile(latencies, 50)),
      serverVerifyMsPerBatch: serverVerifyMs,
      serverStoreMsPerBatch: serverStoreMs,
      max: Math.round(latencies[latencies.length - 1]!),
      batchSize: BATCH,
      concurrency,
    });
  } finally {
    await stopProcess(child);
    if (dbName) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    }
  }
}

export default async function ingest(args: string[]): Promise<void> {
  const total = Number(arg(args, "receipts", "100000"));
  const concurrency = Number(arg(args, "concurrency", "4"));
  const accrualWatchers = Number(arg(args, "accrual-watchers", "10"));
  const backends = arg(args, "backends", "postgres,pglite").split(",") as ("postgres" | "pglite")[];
  const adminUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

  const s0 = performance.now();
  const fixture = buildFixture(total + BATCH);
  console.error(
    `bench ingest: signed ${fixture.signed.length} receipts in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
  );

  // The ceiling: core's verification alone, on every core, over the same receipts.
  const pool = createVerifyPool();
  await pool.verifyBatch({ domain: DOMAIN, primaryType: "Receipt", items: fixture.signed.slice(0, 5_000) });
  const v0 = performance.now();
  const results = await pool.verifyBatch({ domain: DOMAIN, primaryType: "Receipt", items: fixture.signed });
  const ceiling = fixture.signed.length / ((performance.now() - v0) / 1000);
  await pool.close();
  if (results.some((r) => !r.valid)) throw new Error("bench fixture: a pre-signed receipt does not verify");
  report({
    bench: "ingest",
    metric: "verify_ceiling",
    value: ceiling,
    unit: "receipts/s",
    workers: pool.size,
    receipts: fixture.signed.length,
  });

  for (const backend of backends) {
    if (backend === "pglite" && total > 50_000) {
      // PGlite is one WebAssembly connection: a smaller run says as much.
      await runBackend(
        backend,
        { ...fixture, batches: fixture.batches.slice(0, 51) },
        concurrency,
        ceiling,
        adminUrl,
        accrualWatchers,
      );
    } else await runBackend(backend, fixture, concurrency, ceiling, adminUrl, accrualWatchers);
  }
}
