/**
 * `npm run bench -- cluster [--receipts=200000] [--supporters=2000] [--epoch-seconds=150]
 * [--concurrency=2]`: the product past one process (issue 18, item 4) — two API processes and
 * one oracle on one PostgreSQL, ingesting and closing together, each a process of its own as a
 * deployment runs them.
 *
 * - PostgreSQL: a throw-away database on TEST_DATABASE_URL (else postgres://postgres@127.0.0.1:5432/postgres),
 *   dropped at the end. Redis on 127.0.0.1:6379, when it answers, carries the APIs' GraphQL
 *   events between them (REDIS_URL); without it each API publishes to its own subscribers only.
 * - The chain: a `hardhat node` child process with `npm start`'s dev deployment (2-of-3 signers).
 * - API A and API B: `node server/main.ts` each (ingest + GraphQL), same database, same keys.
 * - The oracle: `ledger oracle run` (proposer #0, signer #5, the leader lock in PostgreSQL), and,
 *   once the epoch is computed, the independent signer `ledger oracle sign --epoch N` (signer #6,
 *   its own data directory: it reads the published dataset and recovers every signature) — the
 *   second of the two signatures the contract's threshold asks for.
 *
 * Epoch 0 of the APIs' clock starts 60 s before the bench does and lasts `--epoch-seconds` (default:
 * until the fixture is signed, plus a margin for the setup and the ingest). The
 * bench registers `--supporters` nodes and four sessions per node through API A, records the
 * epoch budget (signed by the API's policy key), then sends pre-signed receipts in batches of 1 000,
 * the even sessions' to A and the odd sessions' to B at the same time, each stream in order as a
 * node sends it (`--concurrency` requests in flight to each). When the epoch
 * ends the oracle closes it (grace 0); the bench follows the epoch's status in the database and
 * reads the oracle's per-stage times from its log. Lines: each API's and the combined ingest rate,
 * every oracle stage, the epoch's end → FINALIZED time, peak RSS of every process, and a check that
 * both APIs answer the same supporter query with the epoch's statement.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { Address, RewardsDomain } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import { privateKeyToAddress, signTypedMessage } from "../core/sign.ts";
import { devKey } from "../scripts/lib/start/state.ts";
import { procMemory } from "./_proc-memory.ts";
import { parallel, post, ROOT, startApi, stopProcess } from "./_processes.ts";
import { createSoakDatabase, startSoakChain } from "./_soak-backends.ts";
import { report } from "./report.ts";

const BENCH = "cluster";
const BATCH = 1_000;
const SESSIONS_PER_SUPPORTER = 4;
const CHAIN_ID = 31_337;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString("hex")}`;
const COORDINATOR_KEY: Hex = `0x${"c0".repeat(32)}`;
const STATUSES = ["CLOSED", "COMPUTED", "SIGNED", "POSTED", "FINALIZED"] as const;

function arg(args: string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  const v = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const key = (seed: number): Hex => `0x${(BigInt(seed) + 0x2000n).toString(16).padStart(64, "0")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port: 6379 });
    s.setTimeout(500);
    s.once("connect", () => {
      s.end();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

type Fixture = {
  registrations: string[];
  sessions: string[];
  /** API A's batches (the even sessions') and API B's (the odd ones'), each in stream order. */
  batches: [string[], string[]];
  /** Every node's heartbeats over the receipts' span (one per 120 s: within the offline tolerance). */
  heartbeats: string[];
  supporters: Address[];
};

/** Registrations, grants and receipts of epoch 0 (window [genesis, genesis + epochSeconds)), signed here. */
function buildFixture(domain: RewardsDomain, receipts: number, supporterCount: number, genesis: bigint): Fixture {
  const supporters = Array.from({ length: supporterCount }, (_, i) => {
    const privateKey = key(i);
    return { privateKey, address: privateKeyToAddress(privateKey) };
  });
  const registrations = supporters.map((s) => {
    const message = { node: s.address, payout: s.address, effectiveEpoch: 0n, nonce: 1n };
    const signature = signTypedMessage({
      domain,
      primaryType: "SupporterRegistration",
      message,
      privateKey: s.privateKey,
    });
    return JSON.stringify({ node: s.address, payout: s.address, effectiveEpoch: "0", nonce: "1", signature });
  });
  const sessionCount = supporterCount * SESSIONS_PER_SUPPORTER;
  const viewers = Array.from({ length: sessionCount }, (_, i) => {
    const privateKey = key(1_000_000 + i);
    return { privateKey, address: privateKeyToAddress(privateKey) };
  });
  const sessionIds = viewers.map((_, i): Hex => `0x${(BigInt(i) + 0xc1a000n).toString(16).padStart(64, "0")}`);
  const sessions = sessionIds.map((id, i) =>
    JSON.stringify({
      sessionId: id,
      viewer: viewers[i]!.address,
      streamId: id,
      maxBitsPerSecond: 100_000_000,
      notBefore: genesis.toString(),
      notAfter: (genesis + 86_400n).toString(),
    }),
  );
  // Round r: every session's node sends seq r, cumulative r MB, at genesis + r s (1 MB/s: under the grant's rate).
  const wire: [string[], string[]] = [[], []];
  let made = 0;
  for (let r = 1; made < receipts; r++)
    for (let s = 0; s < sessionCount && made < receipts; s++, made++) {
      const message = {
        sessionId: sessionIds[s]!,
        supporter: supporters[s % supporterCount]!.address,
        viewer: viewers[s]!.address,
        seq: BigInt(r),
        cumulativeBytes: BigInt(r) * 1_000_000n,
        timestamp: genesis + BigInt(r),
      };
      const signature = signTypedMessage({
        domain,
        primaryType: "Receipt",
        message,
        privateKey: viewers[s]!.privateKey,
      });
      wire[s % 2]!.push(
        JSON.stringify({
          ...message,
          seq: message.seq.toString(),
          cumulativeBytes: message.cumulativeBytes.toString(),
          timestamp: message.timestamp.toString(),
          signature,
        }),
      );
    }
  const lastRound = BigInt(Math.ceil(receipts / sessionCount));
  const beats: string[] = [];
  for (const node of supporters)
    for (let t = genesis + 1n; t <= genesis + lastRound + 120n; t += 120n) {
      const message = { node: node.address, timestamp: t };
      const signature = signTypedMessage({ domain, primaryType: "Heartbeat", message, privateKey: node.privateKey });
      beats.push(JSON.stringify({ node: node.address, timestamp: t.toString(), signature }));
    }
  const heartbeats: string[] = [];
  for (let i = 0; i < beats.length; i += BATCH)
    heartbeats.push(`{"heartbeats":[${beats.slice(i, i + BATCH).join(",")}]}`);
  const batchesOf = (w: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < w.length; i += BATCH) out.push(`{"receipts":[${w.slice(i, i + BATCH).join(",")}]}`);
    return out;
  };
  const batches: [string[], string[]] = [batchesOf(wire[0]), batchesOf(wire[1])];
  return { registrations, sessions, batches, heartbeats, supporters: supporters.map((s) => s.address) };
}

/** Spawns `node scripts/ledger.ts ARGS` with `env`; stdout lines go to `onLine`. */
function ledger(args: string[], env: Record<string, string>, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ["scripts/ledger.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let rest = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  return child;
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export default async function cluster(args: string[]): Promise<void> {
  const receipts = arg(args, "receipts", 200_000);
  const supporterCount = arg(args, "supporters", 2_000);
  const concurrency = arg(args, "concurrency", 2);
  const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const children: ChildProcess[] = [];
  const peaks = new Map<string, number>();
  const named = new Map<string, ChildProcess>();
  const sampler = setInterval(() => {
    for (const [name, child] of named) {
      const m = child.pid ? procMemory(child.pid) : undefined;
      if (m) peaks.set(name, Math.max(peaks.get(name) ?? 0, m.rss));
    }
  }, 250);
  const dataDirs = [
    mkdtempSync(path.join(tmpdir(), "bench-cluster-oracle-")),
    mkdtempSync(path.join(tmpdir(), "bench-cluster-signer-")),
  ];
  const database = await createSoakDatabase(adminUrl);
  const chain = await startSoakChain({ disputeSeconds: 2 });
  try {
    const domain: RewardsDomain = { chainId: CHAIN_ID, verifyingContract: chain.distributor };
    const genesis = BigInt(Math.floor(Date.now() / 1000) - 60);
    const s0 = performance.now();
    const fixture = buildFixture(domain, receipts, supporterCount, genesis);
    // epoch 0 lasts until the setup and the ingest are surely done (estimated at a slow 100 grants/s
    // and 2 000 receipts/s on a busy machine), then the oracle closes it
    const margin = 60 + Math.ceil(fixture.sessions.length / 100 + receipts / 2_000);
    const epochSeconds = arg(args, "epoch-seconds", Math.ceil(Date.now() / 1000 - Number(genesis)) + margin);
    const epochEndMs = Number(genesis + BigInt(epochSeconds)) * 1000;
    report({
      bench: BENCH,
      metric: "fixture",
      value: (performance.now() - s0) / 1000,
      unit: "s",
      receipts,
      countedInTotal: false,
    });

    const redis = await redisAnswers();
    const apiEnv: Record<string, string> = {
      DATABASE_URL: database.url,
      LEDGER_ADMIN_API_KEY: ADMIN_KEY,
      LEDGER_COORDINATOR_PRIVATE_KEY: COORDINATOR_KEY,
      LEDGER_POLICY_PRIVATE_KEY: devKey(8),
      LEDGER_CHAIN_ID: String(CHAIN_ID),
      LEDGER_DISTRIBUTOR_ADDRESS: chain.distributor,
      LEDGER_EPOCH_SECONDS: String(epochSeconds),
      LEDGER_EPOCH_GENESIS: genesis.toString(),
      LEDGER_RATE_LIMIT_PER_MINUTE: "100000000",
      LEDGER_VERIFY_WORKERS: "1",
      ...(redis ? { REDIS_URL: "redis://127.0.0.1:6379" } : {}),
    };
    // A first (it migrates the database), then B
    dataDirs.push(
      mkdtempSync(path.join(tmpdir(), "bench-cluster-a-")),
      mkdtempSync(path.join(tmpdir(), "bench-cluster-b-")),
    );
    const a = await startApi({ ...apiEnv, LEDGER_DATA_DIR: dataDirs[2]! });
    children.push(a.child);
    named.set("apiA", a.child);
    const b = await startApi({ ...apiEnv, LEDGER_DATA_DIR: dataDirs[3]! });
    children.push(b.child);
    named.set("apiB", b.child);

    const stageMs = new Map<string, number>();
    const oracleEnv: Record<string, string> = {
      DATABASE_URL: database.url,
      LEDGER_DEV_MODE: "1",
      LEDGER_RPC_URL: chain.url,
      LEDGER_CHAIN_ID: String(CHAIN_ID),
      LEDGER_DISTRIBUTOR_ADDRESS: chain.distributor,
      LEDGER_COORDINATOR_ADDRESS: privateKeyToAddress(COORDINATOR_KEY),
      LEDGER_EPOCH_GRACE_SECONDS: "0",
      LEDGER_HEARTBEAT_SLOT_SECONDS: "60",
      LEDGER_ORACLE_POLL_MS: "500",
      LEDGER_START_BLOCK: chain.startBlock.toString(),
      LOG_LEVEL: "debug",
    };
    const oracle = ledger(
      ["oracle", "run"],
      {
        ...oracleEnv,
        LEDGER_DATA_DIR: dataDirs[0]!,
        LEDGER_ORACLE_PROPOSER_PRIVATE_KEY: devKey(0),
        LEDGER_ORACLE_SIGNER_PRIVATE_KEY: devKey(5),
      },
      (line) => {
        if (!line.includes('"stage done"')) return;
        const l = JSON.parse(line) as { stage: string; ms: number; epoch: string };
        if (l.epoch === "0") stageMs.set(l.stage, (stageMs.get(l.stage) ?? 0) + l.ms);
      },
    );
    children.push(oracle);
    named.set("oracle", oracle);

    // --- setup through API A ------------------------------------------------------------------------
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const t0 = performance.now();
    await parallel(fixture.registrations, 8, async (body) => void (await post(a.base, "/v1/supporters", body)));
    await parallel(fixture.sessions, 8, async (body) => void (await post(a.base, "/v1/sessions", body, auth)));
    // the nodes' heartbeats through API B (both APIs write)
    for (const body of fixture.heartbeats) {
      const answer = JSON.parse(await post(b.base, "/v1/heartbeats", body)) as { rejected: number };
      if (answer.rejected > 0) throw new Error(`heartbeats: ${answer.rejected} rejected`);
    }
    await post(
      a.base,
      "/v1/admin/budget",
      JSON.stringify({ fromEpoch: 0, budgetMicroUsd: "100000000000000" }),
      auth,
      "PUT",
    );
    report({
      bench: BENCH,
      metric: "setup",
      value: (performance.now() - t0) / 1000,
      unit: "s",
      supporters: supporterCount,
      sessions: fixture.sessions.length,
    });

    // --- ingest: each API its half of the sessions (a node's stream goes to one API, in order) ---------
    let accepted = 0;
    let refused = 0;
    const codes = new Set<string>();
    const i0 = performance.now();
    const passes = await Promise.all(
      [a, b].map(async (api, k) => {
        const latencies: number[] = [];
        const p0 = performance.now();
        await parallel(fixture.batches[k]!, concurrency, async (body) => {
          const t = performance.now();
          const answer = JSON.parse(await post(api.base, "/v1/receipts", body)) as {
            accepted: number;
            duplicate: number;
            rejected: number;
            results: { code?: string }[];
          };
          latencies.push(performance.now() - t);
          accepted += answer.accepted;
          refused += answer.duplicate + answer.rejected;
          for (const r of answer.results) if (r.code) codes.add(r.code);
        });
        return { n: latencies.length, seconds: (performance.now() - p0) / 1000, latencies };
      }),
    );
    const ingestSeconds = (performance.now() - i0) / 1000;
    passes.forEach((p, k) => {
      const sorted = [...p.latencies].sort((x, y) => x - y);
      report({
        bench: BENCH,
        metric: `ingest.api${"AB"[k]}`,
        value: (p.n * BATCH) / p.seconds,
        unit: "receipts/s",
        batches: p.n,
        p99BatchMs: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
      });
    });
    report({
      bench: BENCH,
      metric: "ingest.combined",
      value: accepted / ingestSeconds,
      unit: "receipts/s",
      accepted,
      refused,
      seconds: Math.round(ingestSeconds * 10) / 10,
      target: 15_000,
      loadavg1: Math.round(loadavg()[0]! * 100) / 100,
    });
    if (accepted !== receipts)
      throw new Error(
        `ingest: ${accepted} of ${receipts} receipts accepted (${refused} refused: ${[...codes].join(", ")})`,
      );
    if (Date.now() >= epochEndMs)
      throw new Error(`ingest ended after epoch 0 had closed: give a longer --epoch-seconds than ${epochSeconds}`);

    // --- the oracle closes epoch 0 once it ends ---------------------------------------------------------
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const reached = new Map<string, number>();
    let signer: ChildProcess | undefined;
    let signerMs = 0;
    try {
      await sleep(Math.max(0, epochEndMs - Date.now()));
      const deadline = Date.now() + 600_000;
      while (!reached.has("FINALIZED")) {
        if (Date.now() > deadline)
          throw new Error(`epoch 0 not finalized in 10 min (reached: ${[...reached.keys()].join(", ")})`);
        if (oracle.exitCode !== null) throw new Error(`the oracle exited with ${oracle.exitCode}`);
        const { rows } = await client.query<{ status: string }>("SELECT status FROM epochs WHERE number = 0");
        const status = rows[0]?.status ?? "OPEN";
        const index = STATUSES.indexOf(status as (typeof STATUSES)[number]);
        for (let k = 0; k <= index; k++) if (!reached.has(STATUSES[k]!)) reached.set(STATUSES[k]!, Date.now());
        if (status === "COMPUTED" && !signer) {
          const started = performance.now();
          signer = ledger(
            ["oracle", "sign", "--epoch", "0"],
            { ...oracleEnv, LEDGER_DATA_DIR: dataDirs[1]!, LEDGER_ORACLE_SIGNER_PRIVATE_KEY: devKey(6) },
            () => {},
          );
          children.push(signer);
          named.set("independentSigner", signer);
          void exited(signer).then((code) => {
            signerMs = performance.now() - started;
            if (code !== 0) console.error(`bench cluster: the independent signer exited with ${code}`);
          });
        }
        await sleep(100);
      }
      const { rows } = await client.query<{ bytes: string }>(
        `SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::text AS bytes
           FROM pg_inherits WHERE inhparent = 'receipts'::regclass`,
      );
      report({
        bench: BENCH,
        metric: "receiptsOnDisk",
        value: Number(rows[0]!.bytes) / receipts,
        unit: "bytes/receipt",
        totalMiB: Math.round(Number(rows[0]!.bytes) / 1024 / 1024),
        databaseMiB: Math.round((await database.size()) / 1024 / 1024),
      });
    } finally {
      await client.end();
    }
    for (const stage of ["aggregate", "compute", "build", "persist", "sign", "post", "finalize"])
      if (stageMs.has(stage))
        report({ bench: BENCH, metric: `oracle.${stage}`, value: stageMs.get(stage)! / 1000, unit: "s", receipts });
    report({
      bench: BENCH,
      metric: "independentSigner",
      value: signerMs / 1000,
      unit: "s",
      receipts,
      note: "ledger oracle sign: every signature recovered",
    });
    for (const status of STATUSES)
      report({
        bench: BENCH,
        metric: `epochEndTo.${status}`,
        value: (reached.get(status)! - epochEndMs) / 1000,
        unit: "s",
      });

    // --- both APIs answer the same, with the epoch's statement ---------------------------------------------
    const query = `query ($a: Bytes!) { supporter(address: $a) { totals { accruedMicroUsd } statements(first: 1) { edges { node { epoch countedBytes payoutMicroUsd } } } } }`;
    const answers: string[] = [];
    for (const api of [a, b])
      answers.push(
        await post(api.base, "/graphql", JSON.stringify({ query, variables: { a: fixture.supporters[0] } })),
      );
    const same = answers[0] === answers[1];
    type Answer = {
      data?: { supporter?: { statements?: { edges: { node: { countedBytes: string; payoutMicroUsd: string } }[] } } };
    };
    const edges = (JSON.parse(answers[1]!) as Answer).data?.supporter?.statements?.edges ?? [];
    const paid =
      edges.length === 1 && BigInt(edges[0]!.node.countedBytes) > 0n && BigInt(edges[0]!.node.payoutMicroUsd) > 0n;
    report({
      bench: BENCH,
      metric: "replicasAgree",
      value: same && paid ? 1 : 0,
      unit: "bool",
      answer: answers[1]!.slice(0, 300),
    });
    if (!same || !paid)
      throw new Error(`API A and B disagree, or the statement counts nothing: ${answers.join(" | ")}`);
  } finally {
    clearInterval(sampler);
    for (const [name, rss] of peaks)
      report({ bench: BENCH, metric: `peakRss.${name}`, value: rss / 1024 / 1024, unit: "MiB" });
    await Promise.all(children.map((c) => stopProcess(c)));
    chain.stop();
    await database.drop();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
}
