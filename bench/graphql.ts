/**
 * `npm run bench -- graphql [--supporters=100000] [--epochs=30] [--concurrency=16] [--seconds=10]
 * [--load-budget-seconds=120] [--max-db-mib=800] [--distinct=20000] [--cache-mib=256]`: the supporter-earnings GraphQL query under load (issue 7, item 7).
 *
 * Creates a fresh PostgreSQL database (`TEST_DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/postgres;
 * dropped afterwards), migrates it and bulk-loads, with generate_series in SQL, what the oracle
 * and the indexer would have written: `supporters` nodes (payout = node address), `epochs` epochs
 * (all FINALIZED but the newest, POSTED) with their epoch_state, on-chain proposals and
 * finalizations, one itemized statement per supporter per epoch (core's Statement as jsonb; the
 * inserts fire migration 0032's triggers, which fill the read projection `statement_figures` as
 * they do for the oracle's writes),
 * the leaves of the last 3 epochs (the only ones the lifecycle totals read), and one claim for
 * every second supporter. Statements are loaded newest epoch first until the time or size budget
 * runs out (a full statement is ≈ 650 bytes of jsonb: 100 000 × 30 take ≈ 2.3 GB and ≈ 100 s
 * here); the scale reached is in every JSON line. Then VACUUM (ANALYZE) and a CHECKPOINT, so the
 * measurement sees a settled database rather than autovacuum working through the bulk load.
 *
 * Then starts the real API (server/app.ts `buildApp`, listening on loopback) twice — as configured,
 * with its response cache (`--cache-mib`, default the product's 256), and with the cache off —
 * and, as the ceiling, a tiny fastify app with one GET returning JSON, all in this process, and
 * drives each for `seconds` (after a 3 s warm-up) from a load generator in a child process
 * (bench/_http-load.ts: autocannon, `concurrency` keep-alive connections). The query:
 * `supporter(address)` with its lifecycle totals and its 30 newest statements, for a random one
 * of `--distinct` supporters (default 20 000, drawn from all of them) per request. Lines:
 * - `earnings.uncached.*`: every request read from PostgreSQL and executed;
 * - `earnings.cold.*`: with the cache, each distinct supporter's first request (computed, stored);
 * - `earnings.*`: with the cache, afterwards (the steady state between data changes).
 * Besides req/s and latency, the lines report CPU time per request of the API process and of its
 * PostgreSQL backends (`apiCpuUsPerRequest`, `postgresCpuUsPerRequest`), which a machine busy with
 * other work disturbs less than throughput, and the cache's hit ratio and size.
 *
 * Target: ≥ 8 000 req/s and p99 ≤ 15 ms on this 2-core machine (server, PostgreSQL and the load
 * generator share both cores); with the cache off (issue 18) ≥ 5 000 req/s and p99 ≤ 15 ms.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import pg from "pg";
import { buildApp } from "../server/app.ts";
import { migrate } from "../db/migrate.ts";
import { DEFAULT_RESPONSE_CACHE_MIB } from "../read-api/graphql/plugin.ts";
import { createPostgresDb } from "../db/postgres.ts";
import type { Db } from "../db/types.ts";
import { EARNINGS_QUERY, supporterAddress } from "./_http-load.ts";
import { report } from "./report.ts";

const BENCH = "graphql";
const LOADER = fileURLToPath(new URL("./_http-load.ts", import.meta.url));

function arg(args: string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

/** The i-th address in SQL: the first 20 bytes of sha256(int8send(i)) (= supporterAddress(i)). */
const ADDR = (i: string) => `substring(sha256(int8send(${i}::int8)) from 1 for 20)`;
const HASH = (tag: string, i: string) => `sha256(convert_to('${tag}' || ${i}::text, 'UTF8'))`;

export async function load(
  db: Db,
  supporters: number,
  epochs: number,
  budgetS: number,
  maxMiB: number,
): Promise<number> {
  const t0 = performance.now();
  await db.exec(`
    INSERT INTO nodes (address, founder, registration_nonce)
      SELECT ${ADDR("i")}, i % 50 = 0, 0 FROM generate_series(1, ${supporters}) i;
    INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
      SELECT ${ADDR("i")}, 0, ${ADDR("i")}, 0, decode(repeat('00', 65), 'hex'), 0 FROM generate_series(1, ${supporters}) i;
    INSERT INTO epochs (number, status, starts_at, ends_at)
      SELECT e, CASE WHEN e = ${epochs} THEN 'POSTED' ELSE 'FINALIZED' END,
             timestamptz '2026-01-01' + (e - 1) * interval '1 day', timestamptz '2026-01-01' + e * interval '1 day'
        FROM generate_series(1, ${epochs}) e;
    INSERT INTO epoch_state (epoch, chain_epoch, attempt, closed_at, computed_at, signed_at, posted_at, finalized_at,
                             budget_micro_usd, earned_micro_usd, payout_micro_usd, unallocated_micro_usd,
                             cumulative_total, supporters, root, receipts_root, dataset_hash, rate_card_hash,
                             rate_card_version, valid_at)
      SELECT e, e, 1, now(), now(), now(), now(), CASE WHEN e < ${epochs} THEN now() END,
             10^12, ${supporters}::numeric * 50000, ${supporters}::numeric * 50000, 0,
             ${supporters}::numeric * 50000 * e, ${supporters}, ${HASH("root", "e")}, ${HASH("receipts", "e")},
             ${HASH("dataset", "e")}, ${HASH("ratecard", "1")}, 1, 1767225600 + e * 86400 + 3600
        FROM generate_series(1, ${epochs}) e;
    INSERT INTO chain_root_proposals (id, epoch, root, cumulative_total, receipts_root, dataset_hash, rate_card_hash,
                                      valid_at, signers, block_number, log_index, block_timestamp, transaction_hash)
      SELECT ${HASH("proposal", "e")}, e, ${HASH("root", "e")}, ${supporters}::numeric * 50000 * e, ${HASH("receipts", "e")},
             ${HASH("dataset", "e")}, ${HASH("ratecard", "1")}, 1767225600 + e * 86400 + 3600, '{}', e * 100, 0,
             1767225600 + e * 86400, ${HASH("proposal-tx", "e")}
        FROM generate_series(1, ${epochs}) e;
    INSERT INTO chain_root_finalizations (id, epoch, cumulative_total, block_number, log_index, block_timestamp, transaction_hash)
      SELECT ${HASH("finalization", "e")}, e, ${supporters}::numeric * 50000 * e, e * 100 + 50, 0,
             1767225600 + e * 86400 + 3700, ${HASH("finalization-tx", "e")}
        FROM generate_series(1, ${epochs - 1}) e;
  `);
  let loaded = 0;
  for (let e = epochs; e >= 1; e--) {
    // newest first: the query reads the 30 newest; stop when the budget is spent
    if ((performance.now() - t0) / 1000 > budgetS) break;
    const { rows } = await db.query<{ b: bigint }>("SELECT pg_database_size(current_database()) AS b");
    if (loaded > 0 && Number(rows[0]!.b) / 2 ** 20 + Number(rows[0]!.b) / 2 ** 20 / loaded > maxMiB) break;
    await db.exec(`
      INSERT INTO epoch_statements (epoch, account, counted_bytes, payout_micro_usd, cumulative_micro_usd, statement)
        SELECT ${e}, ${ADDR("i")}, 1000000000, 50000, 50000 * ${e},
               jsonb_build_object('epoch', '${e}', 'account', '0x' || encode(${ADDR("i")}, 'hex'),
                 'rateCardVersion', '1', 'receipts', 10, 'claimedBytes', '1000000000', 'countedBytes', '1000000000',
                 'ratePerGbMicroUsd', '50000', 'baseMicroUsd', '50000', 'founder', i % 50 = 0, 'multiplierBps', '10000',
                 'uptimeBps', '10000', 'uptimeTier', 0, 'uptimeBonusBps', '0', 'exactMicroUsd', '50000',
                 'earnedMicroUsd', '50000', 'proRata', null, 'scaledFloorMicroUsd', '50000', 'remainderMicroUsd', '0',
                 'payoutMicroUsd', '50000', 'previousCumulativeMicroUsd', (50000 * ${e - 1})::text,
                 'cumulativeMicroUsd', (50000 * ${e})::text, 'withheld', '[]'::jsonb)
          FROM generate_series(1, ${supporters}) i;
    `);
    if (e > epochs - 3)
      await db.exec(`
        INSERT INTO epoch_leaves (epoch, account, cumulative_micro_usd)
          SELECT ${e}, ${ADDR("i")}, 50000 * ${e} FROM generate_series(1, ${supporters}) i;
      `);
    loaded++;
  }
  await db.exec(`
    INSERT INTO chain_claims (id, account, recipient, amount, cumulative_claimed, epoch, block_number, log_index,
                              block_timestamp, transaction_hash)
      SELECT ${HASH("claim", "i")}, ${ADDR("i")}, ${ADDR("i")}, 50000 * ${epochs - 1}, 50000 * ${epochs - 1}, ${epochs - 1},
             ${epochs} * 100 + (i / 1000), i % 1000, 1767225600 + ${epochs} * 86400, ${HASH("claim-tx", "i")}
        FROM generate_series(2, ${supporters}, 2) i;
  `);
  // A steady state, not the minutes after a bulk load: without this, autovacuum (insert-triggered)
  // and the checkpointer work through the freshly written gigabyte during the measurement.
  await db.exec("VACUUM (ANALYZE)");
  await db.exec("CHECKPOINT");
  return loaded;
}

/**
 * CPU time (µs) the PostgreSQL backends serving `dbName` have used so far, from /proc (the server
 * runs on this machine in the bench setup); null when a backend's stat is not readable.
 */
async function backendCpuMicros(db: Db, dbName: string): Promise<number | null> {
  const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [dbName]);
  let ticks = 0;
  try {
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
    }
  } catch {
    return null;
  }
  return ticks * 10_000;
}

type LoadResult = {
  cold?: LoadResult;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
};

function drive(config: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADER, JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

export default async function graphqlBench(args: string[]): Promise<void> {
  const supporters = arg(args, "supporters", 100_000);
  const epochs = arg(args, "epochs", 30);
  const concurrency = arg(args, "concurrency", 16);
  const seconds = arg(args, "seconds", 10);
  const budgetS = arg(args, "load-budget-seconds", 120);
  const maxMiB = arg(args, "max-db-mib", 800);
  const distinct = arg(args, "distinct", 20_000);
  const cacheMiB = arg(args, "cache-mib", DEFAULT_RESPONSE_CACHE_MIB);
  const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `ledger_bench_graphql_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${dbName}`;
  const db = createPostgresDb({ connectionString: u.toString(), max: 8 });
  const common = { bench: BENCH, cores: availableParallelism(), concurrency };
  try {
    await migrate(db);
    const t0 = performance.now();
    const loaded = await load(db, supporters, epochs, budgetS, maxMiB);
    const { rows } = await db.query<{ n: bigint; bytes: bigint }>(
      "SELECT (SELECT count(*) FROM epoch_statements) AS n, pg_database_size(current_database()) AS bytes",
    );
    const scale = { supporters, epochs: loaded, statements: Number(rows[0]!.n) };
    report({
      ...common,
      metric: "load",
      value: (performance.now() - t0) / 1000,
      unit: "s",
      ...scale,
      databaseMiB: Math.round(Number(rows[0]!.bytes) / 2 ** 20),
    });

    // The product as configured (response cache on), and the same API with the cache off.
    const app = await buildApp({
      db,
      rateLimitPerMinute: 1_000_000_000,
      verifyWorkers: 1,
      graphql: { responseCacheMiB: cacheMiB },
    });
    const uncachedApp = await buildApp({
      db,
      rateLimitPerMinute: 1_000_000_000,
      verifyWorkers: 1,
      graphql: { responseCacheMiB: 0 },
    });
    const ceiling = Fastify({ logger: false });
    ceiling.get("/ping", () => ({ ok: true, service: "ledger" }));
    try {
      const base = async (a: { listen(o: object): Promise<string>; server: { address(): unknown } }) => {
        await a.listen({ host: "127.0.0.1", port: 0 });
        return `http://127.0.0.1:${(a.server.address() as { port: number }).port}`;
      };
      const apiBase = await base(app);
      const uncachedBase = await base(uncachedApp);
      const ceilingBase = await base(ceiling);
      await app.graphqlResponseCache?.ready();
      // sanity: one real answer from each before the load
      for (const b of [apiBase, uncachedBase]) {
        const probe = await fetch(`${b}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: EARNINGS_QUERY, variables: { a: supporterAddress(2) } }),
        });
        const answer = (await probe.json()) as {
          data?: { supporter?: { statements: { edges: unknown[] }; totals: Record<string, string> } };
          errors?: unknown;
        };
        const edges = answer.data?.supporter?.statements.edges.length;
        if (answer.errors || edges !== Math.min(30, loaded))
          throw new Error(`unexpected answer: ${JSON.stringify(answer).slice(0, 500)}`);
      }

      const shared = { concurrency, warmupMs: 3_000, durationMs: seconds * 1000, maxRequests: 2_000_000 };
      const load = { method: "POST" as const, bodies: `supporters:${supporters}`, distinct };
      const scaleOf = { ...scale, distinctSupporters: Math.min(distinct, supporters) };
      const ceilingRun = await drive({ ...shared, url: `${ceilingBase}/ping`, method: "GET" });
      report({
        ...common,
        metric: "ceiling.requestsPerSecond",
        value: ceilingRun.rps,
        unit: "req/s",
        p99Ms: ceilingRun.p99,
        requests: ceilingRun.requests,
        errors: ceilingRun.errors,
      });

      /** Drives `a` and reports its lines under `name`; CPU per request of the API and PostgreSQL. */
      const measure = async (
        name: string,
        a: typeof app,
        url: string,
        extra: { prime?: boolean },
      ): Promise<LoadResult & { cold?: LoadResult }> => {
        // The prime pass on its own, so that the CPU and hit ratio below are the warm phase's.
        const cold = extra.prime
          ? (await drive({ ...shared, ...load, primeOnly: true, prime: true, url: `${url}/graphql` })).cold
          : undefined;
        const served0 = a.graphqlFastPath.served;
        const cached0 = a.graphqlFastPath.cached;
        const cpu0 = process.cpuUsage();
        const pg0 = await backendCpuMicros(db, dbName);
        const r = { ...(await drive({ ...shared, ...load, url: `${url}/graphql` })), cold };
        const cpu = process.cpuUsage(cpu0);
        const target = a.graphqlResponseCache ? 8_000 : 5_000;
        const pg1 = await backendCpuMicros(db, dbName);
        const served = a.graphqlFastPath.served - served0;
        const cache = a.graphqlResponseCache?.stats();
        const common2 = {
          ...common,
          baseline: "plain fastify JSON GET (same run)",
          ...scaleOf,
          responseCacheMiB: a.graphqlResponseCache ? cacheMiB : 0,
          loadavg1: loadavg()[0],
        };
        if (r.cold)
          report({
            ...common2,
            metric: `${name}.cold.requestsPerSecond`,
            value: r.cold.rps,
            unit: "req/s",
            note: "each distinct supporter's first request (computed and stored)",
            baselineValue: ceilingRun.rps,
            p99Ms: r.cold.p99,
            requests: r.cold.requests,
            errors: r.cold.errors,
          });
        report({
          ...common2,
          metric: `${name}.requestsPerSecond`,
          value: r.rps,
          unit: "req/s",
          baselineValue: ceilingRun.rps,
          ratio: r.rps / ceilingRun.rps,
          requests: r.requests,
          errors: r.errors,
          target,
          meetsTarget: r.rps >= target && r.errors === 0,
          // Share of requests answered from the response cache (warm-up and measurement).
          cacheHitRatio: served === 0 ? 0 : (a.graphqlFastPath.cached - cached0) / served,
          ...(cache ? { cacheEntries: cache.entries, cacheMiB: Math.round(cache.bytes / 2 ** 20) } : {}),
          // CPU time per request (warm-up included), which a busy machine disturbs less than req/s:
          // the API process (one event loop) and its PostgreSQL backends (null: not readable here).
          apiCpuUsPerRequest: Math.round((cpu.user + cpu.system) / served),
          // null when unreadable, or when backends came and went (their CPU left with them)
          postgresCpuUsPerRequest: pg0 === null || pg1 === null || pg1 < pg0 ? null : Math.round((pg1 - pg0) / served),
        });
        report({
          ...common2,
          metric: `${name}.p99`,
          value: r.p99,
          unit: "ms",
          baselineValue: ceilingRun.p99,
          p50Ms: r.p50,
          maxMs: r.max,
          target: 15,
          meetsTarget: r.p99 <= 15,
        });
        return r;
      };

      await measure("earnings.uncached", uncachedApp, uncachedBase, {});
      await uncachedApp.close(); // idle from here on: closed again below, which is a no-op
      await measure("earnings", app, apiBase, { prime: true });
      // The ceiling again, last: a busy machine (PostgreSQL still writing the bulk load back,
      // another process) shows as a difference between the two.
      const after = await drive({ ...shared, url: `${ceilingBase}/ping`, method: "GET" });
      report({
        ...common,
        metric: "ceiling.after.requestsPerSecond",
        value: after.rps,
        unit: "req/s",
        p99Ms: after.p99,
        requests: after.requests,
        errors: after.errors,
      });
    } finally {
      await ceiling.close();
      await uncachedApp.close();
      await app.close();
    }
  } finally {
    await db.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
  }
}
