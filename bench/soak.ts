/**
 * `npm run bench -- soak [--minutes N] [--supporters N] [--warmup-seconds S] [--sample-seconds S]
 * [--database pglite|postgres] [--chain embedded|node] [--gc on|off]`: the whole product under a steady load
 * for N minutes (default 10), watching for leaks.
 *
 * Runs `npm start`'s script (scripts/start.ts) on a fresh data directory: the API, the indexer,
 * the oracle and the simulated network of `--supporters` supporters (default 40: about 50
 * receipts/s, a moderate rate — a few percent of the measured ingest ceiling; the simulator
 * signs every receipt in the same process) with 20 s epochs, so epochs close, sign, post,
 * finalize and get claimed all along. Where the database and the chain run is chosen:
 *
 * - `--database pglite` (default; env SOAK_DATABASE): `npm start`'s embedded PGlite, inside the
 *   product's process. `--database postgres`: a throw-away database `soakpg_<pid>_<random>`
 *   created on the server at SOAK_DATABASE_URL (else TEST_DATABASE_URL, else
 *   postgres://postgres@127.0.0.1:5432/postgres; a superuser or a role that may create
 *   databases), given to the product as DATABASE_URL and dropped at the end.
 * - `--chain embedded` (default; env SOAK_CHAIN): `npm start`'s dev chain, Hardhat's EVM (EDR)
 *   inside the product's process. `--chain node`: a `hardhat node` child process with the same
 *   dev deployment, given to the product as LEDGER_RPC_URL + LEDGER_DISTRIBUTOR_ADDRESS, and
 *   an empty block every 2 s as the dev chain mines (bench/_soak-backends.ts).
 *
 * Every `--sample-seconds` (default 30) the product's process is sampled through a probe
 * preloaded into it (bench/_soak-probe.ts): RSS, V8 heap (used, total), `external` (memory V8
 * knows of outside its heap — Buffers, ArrayBuffers and WebAssembly memories, which is where
 * PGlite's database engine lives) and `arrayBuffers`, and the event loop's delay (mean, p99,
 * max) since the previous sample. Memory V8's main thread does not know of (EDR's Rust
 * allocations, Node's own, the verify workers' heaps) shows only in RSS: `rss_outside_v8` is RSS
 * less the heap's total and `external`. With `--gc on` (default; env SOAK_GC) the product runs
 * with `--expose-gc` and the probe collects garbage fully before each sample, so the heap read
 * is what is still reachable: garbage not yet collected swings the heap (and RSS) by a hundred
 * MiB and more between samples, which hides or fakes a trend over ten minutes; `--gc off`
 * samples the process as it runs (the forced collection's pause then no longer falls into the
 * next sample's event-loop lag). The hardhat node's process and the PostgreSQL backends
 * serving the throw-away database are read from /proc (RSS, and PSS: a backend's share of the
 * server's shared memory counted once), so each process's growth is told apart. Beside them, what the
 * product accumulates by design: the database's size on disk (`database_size`: PGlite's data
 * directory, or pg_database_size) and the chain's height (`chain_blocks`).
 *
 * Prints one JSON line per sample and figure, then per process and figure the growth from the
 * end of the warm-up (`--warmup-seconds`, default 60) to the end (target < 10 %) and the trend
 * (the slope of a least-squares line through the samples after the warm-up, MiB/min), the
 * worst event-loop p99, receipts ingested per second, epochs finalized, and the errors
 * (target 0): 5xx answers in the API's own `/metrics`, error-level log records, simulator
 * failures, failed claims, a stopped oracle, or the process exiting early.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSoakDatabase, startSoakChain, type SoakChain, type SoakDatabase } from "./_soak-backends.ts";
import type { SoakSample } from "./_soak-probe.ts";
import { report } from "./report.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DISPUTE_SECONDS = 5;

function arg(args: string[], name: string, fallback: number, min: number, max: number): number {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = args[i]!.includes("=") ? args[i]!.slice(args[i]!.indexOf("=") + 1) : args[i + 1];
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`bench soak: --${name} must be a number in ${min}…${max}`);
    process.exit(2);
  }
  return v;
}

function choice<T extends string>(args: string[], name: string, env: string | undefined, options: T[]): T {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const raw =
    i < 0 ? (env ?? options[0]) : args[i]!.includes("=") ? args[i]!.slice(args[i]!.indexOf("=") + 1) : args[i + 1];
  if (!options.includes(raw as T)) {
    console.error(`bench soak: --${name} must be one of ${options.join(", ")}`);
    process.exit(2);
  }
  return raw as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = (bytes: number) => bytes / 1024 / 1024;

/** Sums a Prometheus counter's samples whose labels match `filter`. */
function sumCounter(text: string, name: string, filter: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, "gm")))
    if (filter(m[1] ?? "")) total += Number(m[2]);
  return total;
}

/** What in start.ts's output counts as an error (`say` lines and pino records at error level or worse). */
function errorsIn(line: string): boolean {
  if (line.startsWith("{")) {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return false;
    }
  }
  return /simulator:|failed|oracle stopped|unhandled|uncaught|ledger start:/i.test(line);
}

/** The slope of the least-squares line through `(seconds, value)` points, per minute (0 for < 2 points). */
function slopePerMinute(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : (sxy / sxx) * 60;
}

/** Disk usage in bytes of the files under `dir` (PGlite's data directory; a measurement, not an amount), 0 when it does not exist yet. */
function diskUsageOf(dir: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
      if (e.isFile()) total += statSync(path.join(e.parentPath, e.name)).size;
  } catch {
    return total;
  }
  return total;
}

/** The chain's latest block number (a measure of how much chain state EDR holds). */
async function blockNumber(url: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  return Number(((await res.json()) as { result: string }).result);
}

/** One memory figure of one process over the run: MiB at seconds since the start. */
type Series = { process: string; metric: string; points: [number, number][] };

/** Sets up the database and chain asked for, runs the soak, and always tears both down. */
export default async function soak(args: string[]): Promise<void> {
  const minutes = arg(args, "minutes", 10, 1, 24 * 60);
  const supporters = arg(args, "supporters", 40, 4, 1_000);
  const sampleMs = arg(args, "sample-seconds", 30, 1, 3_600) * 1_000;
  const warmupMs = arg(args, "warmup-seconds", 60, 0, 3_600) * 1_000;
  const database = choice(args, "database", process.env.SOAK_DATABASE, ["pglite", "postgres"]);
  const chainKind = choice(args, "chain", process.env.SOAK_CHAIN, ["embedded", "node"]);
  const gc = choice(args, "gc", process.env.SOAK_GC, ["on", "off"]);
  if (warmupMs >= minutes * 60_000) {
    console.error("bench soak: the warm-up must be shorter than the run");
    process.exit(2);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn" };
  for (const k of ["DATABASE_URL", "LEDGER_RPC_URL", "LEDGER_DISTRIBUTOR_ADDRESS", "LEDGER_START_BLOCK", "REDIS_URL"])
    delete env[k];
  let db: SoakDatabase | undefined;
  let chain: SoakChain | undefined;
  try {
    if (database === "postgres") {
      db = await createSoakDatabase(
        process.env.SOAK_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
      );
      env.DATABASE_URL = db.url;
    }
    if (chainKind === "node") {
      chain = await startSoakChain({ disputeSeconds: DISPUTE_SECONDS });
      env.LEDGER_RPC_URL = chain.url;
      env.LEDGER_DISTRIBUTOR_ADDRESS = chain.distributor;
      env.LEDGER_START_BLOCK = chain.startBlock.toString();
    }
    await run({ minutes, supporters, sampleMs, warmupMs, database, chainKind, gc, env, db, chain });
  } catch (err) {
    report({
      bench: "soak",
      metric: "errors",
      value: 1,
      unit: "errors",
      database,
      chain: chainKind,
      aborted: `could not set up the ${database === "postgres" && !db ? "database" : "chain"}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      target: 0,
    });
    process.exitCode = 1;
  } finally {
    chain?.stop();
    await db?.drop().catch((err: unknown) => console.error(`bench soak: could not drop ${db!.name}: ${String(err)}`));
  }
}

async function run(o: {
  minutes: number;
  supporters: number;
  sampleMs: number;
  warmupMs: number;
  database: "pglite" | "postgres";
  chainKind: "embedded" | "node";
  gc: "on" | "off";
  env: NodeJS.ProcessEnv;
  db: SoakDatabase | undefined;
  chain: SoakChain | undefined;
}): Promise<void> {
  const { minutes, supporters, sampleMs, warmupMs, db, chain } = o;
  const durationMs = minutes * 60_000;
  const config = { database: o.database, chain: o.chainKind, gc: o.gc };
  const PRODUCT = `npm start (API, indexer, oracle, simulator${chain ? "" : ", the chain's EVM"}${db ? "" : ", PGlite"})`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "ledger-soak-"));
  const child = spawn(
    process.execPath,
    [
      ...(o.gc === "on" ? ["--expose-gc"] : []),
      "--import",
      path.join(ROOT, "bench/_soak-probe.ts"),
      path.join(ROOT, "scripts/start.ts"),
      ...["--data-dir", dataDir, "--port", "0", "--chain-port", "0"],
      ...["--epoch-seconds", "20", "--dispute-seconds", String(DISPUTE_SECONDS), "--supporters", String(supporters)],
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe", "ipc"], env: o.env },
  );
  let exited = null as number | null; // set by the exit listener
  child.once("exit", (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  let stopping = false;
  const errorLines: string[] = [];
  let apiUrl = "";
  let rpcUrl = chain?.url ?? "";
  let finalized = 0;
  let pending = "";
  const onOutput = (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (api) apiUrl = api[1]!;
      const rpc = /chain RPC\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (rpc) rpcUrl = rpc[1]!;
      if (/epoch \d+ finalized/.test(line)) finalized++;
      if (!stopping && errorsIn(line)) errorLines.push(line);
    }
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);

  const sample = () =>
    new Promise<SoakSample>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("the probe did not answer in 10 s")), 10_000);
      child.once("message", (m) => {
        clearTimeout(t);
        resolve(m as SoakSample);
      });
      child.send("sample");
    });
  const metrics = async () => (await fetch(`${apiUrl}/metrics`)).text();

  const series = new Map<string, Series>();
  /** Records one figure of one sample and prints its line. */
  const record = (process: string, metric: string, atSeconds: number, bytes: number, extra = {}) => {
    const key = `${process}\0${metric}`;
    const s = series.get(key) ?? { process, metric, points: [] };
    series.set(key, s);
    s.points.push([atSeconds, MiB(bytes)]);
    report({ bench: "soak", metric, value: MiB(bytes), unit: "MiB", atSeconds, process, ...extra });
  };

  try {
    for (let i = 0; !apiUrl; i++) {
      if (exited !== null)
        throw new Error(`start.ts exited ${exited} before the API was up: ${errorLines.join(" | ")}`);
      if (i > 1_200) throw new Error("the API did not come up in 10 minutes");
      await sleep(500);
    }
    const started = Date.now();
    await sample(); // resets the lag histogram: start-up (contract build, deployment) is not counted
    const lags: { p99: number; max: number }[] = [];
    const heights: number[] = [];
    let warmupReceipts: { atMs: number; n: number } | undefined;
    const receiptCount = (text: string) => sumCounter(text, "ledger_ingest_items_total", (l) => l.includes("receipt"));
    for (let next = started + sampleMs; next <= started + durationMs; next += sampleMs) {
      await sleep(Math.max(0, next - Date.now()));
      if (exited !== null) throw new Error(`start.ts exited ${exited} during the soak`);
      const s = await sample();
      const at = Math.round((Date.now() - started) / 1000);
      record(PRODUCT, "rss", at, s.rss);
      record(PRODUCT, "heap_used", at, s.heapUsed);
      record(PRODUCT, "heap_total", at, s.heapTotal);
      record(PRODUCT, "external", at, s.external);
      record(PRODUCT, "array_buffers", at, s.arrayBuffers);
      // What V8's main thread does not account for: native allocations (EDR's Rust, Node's own,
      // PGlite's emscripten glue), code, and the verify workers' own heaps.
      record(PRODUCT, "rss_outside_v8", at, s.rss - s.heapTotal - s.external);
      const chainMemory = chain?.memory();
      if (chainMemory) {
        record("hardhat node", "rss", at, chainMemory.rss);
        record("hardhat node", "pss", at, chainMemory.pss);
      }
      const size = db ? await db.size() : diskUsageOf(path.join(dataDir, "pglite"));
      record(db ? "PostgreSQL (on disk)" : "PGlite (on disk)", "database_size", at, size);
      const blocks = await blockNumber(rpcUrl);
      report({ bench: "soak", metric: "chain_blocks", value: blocks, unit: "blocks", atSeconds: at });
      heights.push(blocks);
      if (db) {
        const b = await db.backends();
        record("PostgreSQL backends of the soak database", "rss", at, b.rss, { backends: b.processes });
        record("PostgreSQL backends of the soak database", "pss", at, b.pss, { backends: b.processes });
      }
      lags.push({ p99: s.lagP99Ms, max: s.lagMaxMs });
      report({
        bench: "soak",
        metric: "event_loop_lag_p99",
        value: s.lagP99Ms,
        unit: "ms",
        atSeconds: at,
        meanMs: Math.round(s.lagMeanMs * 10) / 10,
        maxMs: Math.round(s.lagMaxMs),
      });
      if (!warmupReceipts && Date.now() - started >= warmupMs)
        warmupReceipts = { atMs: Date.now(), n: receiptCount(await metrics()) };
    }
    const text = await metrics();
    // One sample against another is noisy (GC, the allocators of V8, the EVM and PGlite): the
    // slope of a least-squares line through every sample after the warm-up says whether memory climbs.
    for (const s of series.values()) {
      const after = s.points.filter(([at]) => at * 1000 >= warmupMs);
      const base = after[0] ?? s.points[0]!;
      const end = s.points[s.points.length - 1]!;
      report({
        bench: "soak",
        metric: `${s.metric}_growth_after_warmup`,
        value: ((end[1] - base[1]) / base[1]) * 100,
        unit: "%",
        process: s.process,
        ...config,
        fromMiB: Math.round(base[1]),
        toMiB: Math.round(end[1]),
        maxMiB: Math.round(Math.max(...after.map(([, v]) => v))),
        fromSeconds: base[0],
        toSeconds: end[0],
        ...(s.metric === "rss" ? { target: "< 10 %" } : {}),
      });
      report({
        bench: "soak",
        metric: `${s.metric}_trend_after_warmup`,
        value: slopePerMinute(after),
        unit: "MiB/min",
        process: s.process,
        ...config,
        samples: after.length,
      });
    }
    report({
      bench: "soak",
      metric: "event_loop_lag_p99_worst",
      value: Math.max(...lags.map((l) => l.p99)),
      unit: "ms",
      maxMs: Math.round(Math.max(...lags.map((l) => l.max))),
    });
    if (warmupReceipts)
      report({
        bench: "soak",
        metric: "receipts_per_second",
        value: (receiptCount(text) - warmupReceipts.n) / ((Date.now() - warmupReceipts.atMs) / 1000),
        unit: "receipts/s",
        supporters,
        ...config,
      });
    report({
      bench: "soak",
      metric: "chain_blocks_added",
      value: heights[heights.length - 1]! - heights[0]!,
      unit: "blocks",
      from: heights[0],
      to: heights[heights.length - 1],
    });
    report({ bench: "soak", metric: "epochs_finalized", value: finalized, unit: "epochs", minutes, ...config });
    const http5xx = sumCounter(text, "ledger_http_requests_total", (l) => /status="5\d\d"/.test(l));
    report({
      bench: "soak",
      metric: "errors",
      value: http5xx + errorLines.length,
      unit: "errors",
      ...config,
      http5xx,
      errorLines: errorLines.length,
      first: errorLines.slice(0, 3),
      target: 0,
    });
  } catch (err) {
    report({
      bench: "soak",
      metric: "errors",
      value: errorLines.length + 1,
      unit: "errors",
      ...config,
      aborted: err instanceof Error ? err.message : String(err),
      first: errorLines.slice(0, 3),
      target: 0,
    });
    process.exitCode = 1;
  } finally {
    stopping = true;
    if (exited === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000).unref())]);
      if (exited === null) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
