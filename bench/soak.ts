/**
 * `npm run bench -- soak [--minutes N] [--supporters N] [--warmup-seconds S] [--sample-seconds S]`:
 * the whole product under a steady load for N minutes (default 10), watching for leaks.
 *
 * Runs `npm start`'s script (scripts/start.ts) on a fresh data directory: the dev chain, the
 * API, the indexer, the oracle and the simulated network of `--supporters` supporters (default
 * 40: about 50 receipts/s, a moderate rate — a few percent of the measured ingest ceiling;
 * the simulator signs every receipt in the same process) with 20 s epochs, so epochs close,
 * sign, post, finalize and get claimed all along. `npm start` runs every component in ONE
 * Node process (the chain is Hardhat's in-process EVM), so memory and event-loop lag cannot be
 * told apart per component: the one process is sampled, every `--sample-seconds` (default 30),
 * through a probe preloaded into it (bench/_soak-probe.ts): RSS, V8 heap, and the event loop's
 * delay (mean, p99, max) since the previous sample.
 *
 * Prints one JSON line per sample and figure: RSS and heap growth from the end of the warm-up
 * (`--warmup-seconds`, default 60) to the end (target < 10 %), the worst event-loop p99,
 * receipts ingested per second, epochs finalized, and the errors (target 0): 5xx answers in
 * the API's own `/metrics`, error-level log records, simulator failures, failed claims, a
 * stopped oracle, or the process exiting early.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SoakSample } from "./_soak-probe.ts";
import { report } from "./report.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PROCESS = "npm start (one process: chain, API, indexer, oracle, simulator)";

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

export default async function soak(args: string[]): Promise<void> {
  const minutes = arg(args, "minutes", 10, 1, 24 * 60);
  const supporters = arg(args, "supporters", 40, 4, 1_000);
  const sampleMs = arg(args, "sample-seconds", 30, 1, 3_600) * 1_000;
  const warmupMs = arg(args, "warmup-seconds", 60, 0, 3_600) * 1_000;
  const durationMs = minutes * 60_000;
  if (warmupMs >= durationMs) {
    console.error("bench soak: the warm-up must be shorter than the run");
    process.exit(2);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), "ledger-soak-"));
  const child = spawn(
    process.execPath,
    [
      "--import",
      path.join(ROOT, "bench/_soak-probe.ts"),
      path.join(ROOT, "scripts/start.ts"),
      ...["--data-dir", dataDir, "--port", "0", "--chain-port", "0"],
      ...["--epoch-seconds", "20", "--dispute-seconds", "5", "--supporters", String(supporters)],
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, LOG_LEVEL: "warn" } },
  );
  let exited = null as number | null; // set by the exit listener
  child.once("exit", (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  let stopping = false;
  const errorLines: string[] = [];
  let apiUrl = "";
  let finalized = 0;
  let pending = "";
  const onOutput = (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (api) apiUrl = api[1]!;
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

  try {
    for (let i = 0; !apiUrl; i++) {
      if (exited !== null)
        throw new Error(`start.ts exited ${exited} before the API was up: ${errorLines.join(" | ")}`);
      if (i > 1_200) throw new Error("the API did not come up in 10 minutes");
      await sleep(500);
    }
    const started = Date.now();
    await sample(); // resets the lag histogram: start-up (contract build, deployment) is not counted
    const samples: (SoakSample & { atSeconds: number })[] = [];
    let warmupReceipts: { atMs: number; n: number } | undefined;
    const receiptCount = (text: string) => sumCounter(text, "ledger_ingest_items_total", (l) => l.includes("receipt"));
    for (let next = started + sampleMs; next <= started + durationMs; next += sampleMs) {
      await sleep(Math.max(0, next - Date.now()));
      if (exited !== null) throw new Error(`start.ts exited ${exited} during the soak`);
      const s = { ...(await sample()), atSeconds: Math.round((Date.now() - started) / 1000) };
      samples.push(s);
      report({
        bench: "soak",
        metric: "rss",
        value: MiB(s.rss),
        unit: "MiB",
        atSeconds: s.atSeconds,
        process: PROCESS,
      });
      report({ bench: "soak", metric: "heap_used", value: MiB(s.heapUsed), unit: "MiB", atSeconds: s.atSeconds });
      report({
        bench: "soak",
        metric: "event_loop_lag_p99",
        value: s.lagP99Ms,
        unit: "ms",
        atSeconds: s.atSeconds,
        meanMs: Math.round(s.lagMeanMs * 10) / 10,
        maxMs: Math.round(s.lagMaxMs),
      });
      if (!warmupReceipts && Date.now() - started >= warmupMs)
        warmupReceipts = { atMs: Date.now(), n: receiptCount(await metrics()) };
    }
    const text = await metrics();
    const end = samples[samples.length - 1]!;
    const base = samples.find((s) => s.atSeconds * 1000 >= warmupMs) ?? samples[0]!;
    const growth = (a: number, b: number) => ((b - a) / a) * 100;
    const afterWarmup = samples.filter((s) => s.atSeconds >= base.atSeconds);
    report({
      bench: "soak",
      metric: "rss_growth_after_warmup",
      value: growth(base.rss, end.rss),
      unit: "%",
      process: PROCESS,
      fromMiB: Math.round(MiB(base.rss)),
      toMiB: Math.round(MiB(end.rss)),
      maxMiB: Math.round(MiB(Math.max(...afterWarmup.map((s) => s.rss)))),
      fromSeconds: base.atSeconds,
      toSeconds: end.atSeconds,
      target: "< 10 %",
    });
    // One sample against another is noisy (GC, the EVM's and PGlite's allocators): the slope of
    // a least-squares line through every sample after the warm-up says whether memory climbs.
    report({
      bench: "soak",
      metric: "rss_trend_after_warmup",
      value: slopePerMinute(afterWarmup.map((s) => [s.atSeconds, MiB(s.rss)])),
      unit: "MiB/min",
      samples: afterWarmup.length,
    });
    report({
      bench: "soak",
      metric: "heap_growth_after_warmup",
      value: growth(base.heapUsed, end.heapUsed),
      unit: "%",
      fromMiB: Math.round(MiB(base.heapUsed)),
      toMiB: Math.round(MiB(end.heapUsed)),
    });
    report({
      bench: "soak",
      metric: "event_loop_lag_p99_worst",
      value: Math.max(...samples.map((s) => s.lagP99Ms)),
      unit: "ms",
      maxMs: Math.round(Math.max(...samples.map((s) => s.lagMaxMs))),
    });
    if (warmupReceipts)
      report({
        bench: "soak",
        metric: "receipts_per_second",
        value: (receiptCount(text) - warmupReceipts.n) / ((Date.now() - warmupReceipts.atMs) / 1000),
        unit: "receipts/s",
        supporters,
      });
    report({ bench: "soak", metric: "epochs_finalized", value: finalized, unit: "epochs", minutes });
    const http5xx = sumCounter(text, "ledger_http_requests_total", (l) => /status="5\d\d"/.test(l));
    report({
      bench: "soak",
      metric: "errors",
      value: http5xx + errorLines.length,
      unit: "errors",
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
