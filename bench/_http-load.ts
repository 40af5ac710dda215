/**
 * The load generator of `bench/graphql.ts`, run as a child process so it does not share the
 * server's event loop: `concurrency` loops, each sending one request at a time over a
 * keep-alive `node:http` Agent to a loopback URL, for `warmupMs` (not measured) and then
 * `durationMs` or `maxRequests`, whichever comes first. Prints one JSON object: requests,
 * errors, seconds, requests/s, latency p50/p90/p99/max in ms.
 *
 * Config (argv[2], JSON): { url, method, body?, bodies?: "supporters:N", distinct?, prime?,
 * concurrency, warmupMs, durationMs, maxRequests }. `bodies: "supporters:N"` sends the
 * supporter-earnings query for a random one of `distinct` (default min(N, 20 000)) supporters
 * drawn from the bench's N addresses by a seeded PRNG (`seed`, default 1: the same ones in every
 * run; same derivation as its SQL), a fresh random pick among them per request. `prime`: send
 * every one of them once, in order, measured (`cold` in the output: each supporter's first
 * request), before the warm-up; `primeOnly`: only that.
 */
import { createHash } from "node:crypto";
import http from "node:http";

type Config = {
  url: string;
  method: "GET" | "POST";
  body?: string;
  bodies?: string;
  distinct?: number;
  /** Seeds the choice of the `distinct` supporters (default 1): the same pool in every run. */
  seed?: number;
  prime?: boolean;
  primeOnly?: boolean;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
};

export const EARNINGS_QUERY = `query Earnings($a: Bytes!) { supporter(address: $a) { address founder
  totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd finalizedEpoch }
  statements(first: 30) { edges { node { epoch chainEpoch epochStatus countedBytes earnedMicroUsd payoutMicroUsd cumulativeMicroUsd } } } } }`;

/** The bench's i-th supporter address: the first 20 bytes of sha256(int8 big-endian i), as the SQL derives it. */
export function supporterAddress(i: number): string {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(i));
  return `0x${createHash("sha256").update(b).digest().subarray(0, 20).toString("hex")}`;
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeBodies(cfg: Config): string[] | undefined {
  if (!cfg.bodies) return undefined;
  const n = Number(cfg.bodies.split(":")[1]);
  const count = Math.min(n, cfg.distinct ?? 20_000);
  // `count` distinct supporters out of n (a partial Fisher–Yates shuffle of 1..n, seeded).
  const random = mulberry32(cfg.seed ?? 1);
  const ids = Array.from({ length: n }, (_, k) => k + 1);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(random() * (n - k));
    [ids[k], ids[j]] = [ids[j]!, ids[k]!];
    out.push(JSON.stringify({ query: EARNINGS_QUERY, variables: { a: supporterAddress(ids[k]!) } }));
  }
  return out;
}

async function main() {
  const cfg = JSON.parse(process.argv[2]!) as Config;
  const url = new URL(cfg.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback only");
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  const bodies = makeBodies(cfg);
  let next = 0;
  let inOrder = false;

  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = bodies
        ? bodies[inOrder ? next++ % bodies.length : Math.floor(Math.random() * bodies.length)]!
        : cfg.body;
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: cfg.method,
          headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {},
        },
        (res) => {
          let ok = res.statusCode === 200;
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            if (ok && bodies && Buffer.concat(chunks).includes('"errors"')) ok = false;
            resolve(ok ? 0 : 1);
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const run = async (ms: number, max: number, record: boolean) => {
    const latencies = new Float64Array(max);
    let n = 0;
    let errors = 0;
    const deadline = performance.now() + ms;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: cfg.concurrency }, async () => {
        while (performance.now() < deadline && n < max) {
          const t = performance.now();
          const i = n++;
          errors += await once();
          if (record) latencies[i] = performance.now() - t;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { n, errors, seconds, latencies: latencies.subarray(0, n) };
  };

  const summary = (r: Awaited<ReturnType<typeof run>>) => {
    const sorted = Float64Array.from(r.latencies).sort();
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return {
      requests: r.n,
      errors: r.errors,
      seconds: r.seconds,
      rps: r.n / r.seconds,
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      max: sorted[sorted.length - 1] ?? 0,
    };
  };
  let cold;
  if (cfg.prime && bodies) {
    inOrder = true;
    cold = summary(await run(1e12, bodies.length, true));
    inOrder = false;
    if (cfg.primeOnly) {
      agent.destroy();
      process.stdout.write(`${JSON.stringify({ ...cold, cold })}\n`);
      return;
    }
  }
  await run(cfg.warmupMs, 1e9, false);
  const r = await run(cfg.durationMs, cfg.maxRequests, true);
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ...summary(r), ...(cold ? { cold } : {}) })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
