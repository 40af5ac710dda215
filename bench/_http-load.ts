/**
 * The load generator of `bench/graphql.ts`, run as a child process so it does not share the
 * server's event loop: autocannon with `concurrency` keep-alive connections, each sending one
 * request at a time to a loopback URL, for `warmupMs` (not measured) and then `durationMs` or
 * `maxRequests`, whichever comes first. Prints one JSON object: requests,
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
import autocannon from "autocannon";

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

export type LoadPass = { n: number; errors: number; seconds: number; latencies: Float64Array };

export type LoadPassOptions = {
  url: string;
  method: "GET" | "POST";
  connections: number;
  /** The next request's JSON body (undefined: none). */
  body: () => string | undefined;
  /** How long (ms; a request sent before then counts) and how many responses at most. */
  ms: number;
  max: number;
  /** Every one of `max` requests exactly once (autocannon's `amount`) instead of a time box. */
  exact?: boolean;
  record: boolean;
  /** Whether a response is a success (default: status 200). */
  check?: (status: number, body: string) => boolean;
};

/**
 * One autocannon run: `connections` keep-alive connections, one request at a time each, until
 * `ms` have passed or `max` responses came back. Latencies in ms, per response.
 */
export async function loadPass(opts: LoadPassOptions): Promise<LoadPass> {
  const check = opts.check ?? ((status: number) => status === 200);
  const latencies: number[] = [];
  let n = 0;
  let errors = 0;
  let ok = true;
  const started = performance.now();
  const deadline = started + opts.ms;
  let last = started;
  let finished!: (err: unknown) => void;
  const done = new Promise<void>(
    (resolve, reject) =>
      (finished = (err) =>
        err ? reject(err instanceof Error ? err : new Error("autocannon failed", { cause: err })) : resolve()),
  );
  const instance = autocannon(
    {
      url: opts.url,
      connections: opts.exact ? Math.min(opts.connections, opts.max) : opts.connections,
      pipelining: 1,
      ...(opts.exact ? { amount: opts.max } : { duration: opts.ms / 1000, maxOverallRequests: opts.max }),
      sampleInt: 100,
      requests: [
        {
          method: opts.method,
          setupRequest: (request) => {
            const b = opts.body();
            return b === undefined ? request : { ...request, body: b, headers: { "content-type": "application/json" } };
          },
          onResponse: (status, text) => {
            ok = check(status, text);
          },
        },
      ],
    },
    (err: unknown) => finished(err),
  );
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    const now = performance.now();
    if (n >= opts.max || now - responseTime >= deadline) return;
    n++;
    if (!ok) errors++;
    if (opts.record) latencies.push(responseTime);
    last = now;
  });
  // A connection error (the old loop's rejected request) is an error of the pass, not a crash.
  instance.on("reqError", () => void errors++);
  await done;
  return { n, errors, seconds: (last - started) / 1000, latencies: Float64Array.from(latencies) };
}

async function main() {
  const cfg = JSON.parse(process.argv[2]!) as Config;
  const url = new URL(cfg.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback only");
  const bodies = makeBodies(cfg);
  let next = 0;
  const inOrder = () => bodies![next++ % bodies!.length]!;
  const random = () => (bodies ? bodies[Math.floor(Math.random() * bodies.length)]! : cfg.body);

  const base = { url: cfg.url, method: cfg.method, connections: cfg.concurrency };
  // A GraphQL answer with `errors` is an error too.
  const check = (status: number, text: string) => status === 200 && !(bodies && text.includes('"errors"'));
  const summary = (r: LoadPass) => {
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
    cold = summary(
      await loadPass({ ...base, check, body: inOrder, ms: Infinity, max: bodies.length, exact: true, record: true }),
    );
    if (cfg.primeOnly) {
      process.stdout.write(`${JSON.stringify({ ...cold, cold })}\n`);
      return;
    }
  }
  if (cfg.warmupMs > 0) await loadPass({ ...base, check, body: random, ms: cfg.warmupMs, max: 1e9, record: false });
  const r = await loadPass({ ...base, check, body: random, ms: cfg.durationMs, max: cfg.maxRequests, record: true });
  process.stdout.write(`${JSON.stringify({ ...summary(r), ...(cold ? { cold } : {}) })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
