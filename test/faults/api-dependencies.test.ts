/**
 * Honest answers from the API while a dependency other than the database is away, over real
 * HTTP: the chain's RPC (a `hardhat node` behind the fault-injecting proxy, every call refused,
 * then hanging) and Redis (the real server behind a TCP relay the test cuts). While down, the
 * dashboard's RPC proxy answers 503 `CHAIN_UNAVAILABLE` with `Retry-After`, `/readyz` names
 * what is down, `/metrics` shows `ledger_dependency_up{dependency=…} 0`, the rest of the API
 * keeps serving, and publishing a live event does not end the process; once back, all of it
 * says up again without a restart. Each change is logged once, not per request.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../server/app.ts";
import type { Db } from "../../db/types.ts";
import { startFaultyRpc, type FaultyRpc } from "../../oracle/testing/faulty-rpc.ts";
import { startHardhatNode, type HardhatNode } from "../../oracle/testing/hardhat-node.ts";
import { testBackends } from "../helpers/db.ts";

const REDIS = { host: "127.0.0.1", port: Number(new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379").port) };

type Line = { level: number; msg: string; [k: string]: unknown };

function capturedLog() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { logger: { level: "info", stream }, lines };
}

/** Whether a Redis server answers at REDIS (the test of Redis is skipped where none runs). */
async function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(REDIS);
    s.setTimeout(1_000);
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** A TCP relay to Redis on its own port: `cut()` drops every connection and refuses new ones. */
async function startRelay(): Promise<{ url: string; cut(): void; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(REDIS);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  const cut = () => {
    server?.close();
    server = undefined;
    for (const s of sockets) s.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    restore: listen,
    close: async () => cut(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyz(base: string) {
  const res = await fetch(`${base}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; dependencies: Record<string, string>; down: string[] },
  };
}
async function upGauge(base: string, dependency: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^ledger_dependency_up\\{dependency="${dependency}"\\} (\\d)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}
/** Polls until `ok` (a probe result is reused for up to 1 s). */
async function eventually(what: string, ok: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const backend = testBackends()[0]!;

describe("the API while the chain's RPC is away (real HTTP)", { timeout: 300_000 }, () => {
  let node: HardhatNode;
  let rpc: FaultyRpc;
  let db: Db;
  let app: FastifyInstance;
  let base: string;
  let lines: Line[];

  before(async () => {
    node = await startHardhatNode();
    rpc = await startFaultyRpc({ upstream: node.url });
    db = await backend.open();
    const log = capturedLog();
    lines = log.lines;
    app = await buildApp({ db, logger: log.logger, dashboardRpcUrl: rpc.url });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await app?.close();
    await db?.close();
    await rpc?.close();
    node?.stop();
  });

  const call = (method = "eth_blockNumber") =>
    fetch(`${base}/dashboard/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params: [] }),
    });

  it("default: with the RPC up, the proxy answers, /readyz is ready with the chain up, the gauge is 1", async () => {
    const res = await call();
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { result: string }).result).to.match(/^0x[0-9a-f]+$/);
    const r = await readyz(base);
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ status: "ready", dependencies: { database: "up", chain: "up" }, down: [] });
    expect(await upGauge(base, "database")).to.equal(1);
    expect(await upGauge(base, "chain")).to.equal(1);
  });

  for (const fault of ["reset", "hang", "http500"] as const) {
    it(`error: every RPC call failing (${fault}) → the proxy answers 503 CHAIN_UNAVAILABLE with Retry-After; /readyz degraded naming the chain; gauge 0; REST still serves; back → 200, ready, 1`, async () => {
      const linesBefore = lines.length;
      rpc.fail({ method: "*", fault: { kind: fault }, times: Infinity });
      try {
        // (a hanging call takes the proxy's 10 s timeout: one is enough)
        for (let i = 0; i < (fault === "hang" ? 1 : 3); i++) {
          const res = await call();
          expect(res.status).to.equal(503);
          expect(res.headers.get("retry-after")).to.equal("5");
          const body = (await res.json()) as { code: string; message: string };
          expect(body.code).to.equal("CHAIN_UNAVAILABLE");
          expect(body.message).to.match(/RPC is unreachable/);
        }
        await eventually("readyz to name the chain", async () => (await readyz(base)).body.down.includes("chain"));
        const r = await readyz(base);
        expect(r.status, "the API still serves without the chain").to.equal(200);
        expect(r.body).to.deep.include({
          status: "degraded",
          dependencies: { database: "up", chain: "down" },
          down: ["chain"],
        });
        expect(await upGauge(base, "chain")).to.equal(0);
        expect(await upGauge(base, "database")).to.equal(1);
        const rest = await fetch(`${base}/v1/supporters/0x${"0".repeat(39)}1`);
        expect(rest.status, "a route that does not need the chain").to.be.below(500);
        // A method the proxy never forwards is refused as before, chain or no chain.
        const refused = (await (await call("eth_sendRawTransaction")).json()) as { error: { code: number } };
        expect(refused.error.code).to.equal(-32601);
      } finally {
        rpc.heal();
      }
      const back = await call();
      expect(back.status).to.equal(200);
      await eventually("readyz to be ready again", async () => (await readyz(base)).body.status === "ready");
      expect(await upGauge(base, "chain")).to.equal(1);
      const changes = lines.slice(linesBefore).filter((l) => l.dependency === "chain");
      expect(changes.map((l) => l.msg)).to.deep.equal(["chain unreachable", "chain reachable again"]);
      expect(lines.slice(linesBefore).filter((l) => l.level >= 50)).to.deep.equal([]);
    });
  }
});

describe("the API while Redis is away (real HTTP)", { timeout: 120_000 }, async () => {
  const available = await redisAnswers();
  let db: Db;
  let app: FastifyInstance;
  let base: string;
  let lines: Line[];
  let relay: Awaited<ReturnType<typeof startRelay>>;

  before(async () => {
    if (!available) return;
    relay = await startRelay();
    db = await backend.open();
    const log = capturedLog();
    lines = log.lines;
    app = await buildApp({ db, logger: log.logger, graphql: { redisUrl: relay.url } });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await app?.close();
    await db?.close();
    await relay?.close();
  });

  it(
    "error: Redis cut off → the process lives (a live event published meanwhile included), /readyz degraded naming redis, gauge 0, one line; back → ready, 1, one line",
    { skip: !available && `no Redis at ${REDIS.host}:${REDIS.port}` },
    async () => {
      expect((await readyz(base)).body).to.deep.include({ status: "ready", down: [] });
      expect(await upGauge(base, "redis")).to.equal(1);
      relay.cut();
      await eventually("readyz to name redis", async () => (await readyz(base)).body.down.includes("redis"));
      // Published while Redis is away: the command fails after its retries; nothing may throw.
      app.ledgerEvents.pubsub.publish("epochUpdated", { epoch: "1" });
      await sleep(2_500);
      const r = await readyz(base);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.include({ status: "degraded", down: ["redis"] });
      expect(await upGauge(base, "redis")).to.equal(0);
      const gql = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ epochs(first: 1) { id } }" }),
      });
      expect(gql.status, "GraphQL queries do not need Redis").to.equal(200);
      await relay.restore();
      await eventually("redis up again", async () => (await readyz(base)).body.status === "ready", 20_000);
      expect(await upGauge(base, "redis")).to.equal(1);
      const changes = lines.filter((l) => l.dependency === "redis").map((l) => l.msg);
      expect(changes).to.deep.equal(["redis unreachable; reconnecting", "redis reachable again"]);
    },
  );
});
