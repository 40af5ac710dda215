import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createVerifyPool, type VerifyPool } from "../core/verify-pool.ts";
import { createPostgresDb } from "../db/postgres.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { receiptTotals } from "../coordinator/repositories/receipts.ts";
import {
  grant,
  makeApp,
  newKey,
  register,
  signedHeartbeat,
  signedReceipt,
  type BatchBody,
  type Key,
  type WireReceipt,
} from "../coordinator/testing/fixtures.ts";

for (const backend of testBackends()) {
  describe(`two API instances on one database (${backend.name})`, () => {
    let db: Db;
    let db2: Db;
    let pool: VerifyPool;
    let a: FastifyInstance;
    let b: FastifyInstance;
    let urls: string[];
    before(async () => {
      db = await backend.open();
      // On PostgreSQL the second instance gets its own connection pool, as a second process would.
      if (backend.name === "postgres") {
        const { rows } = await db.query<{ name: string }>("SELECT current_database() AS name");
        const url = new URL(process.env.TEST_DATABASE_URL!);
        url.pathname = `/${rows[0]!.name}`;
        db2 = createPostgresDb({ connectionString: url.toString(), max: 5 });
      } else db2 = db;
      pool = createVerifyPool({ size: 2 });
      a = await makeApp(db, pool);
      b = await makeApp(db2, pool);
      urls = [await a.listen({ host: "127.0.0.1", port: 0 }), await b.listen({ host: "127.0.0.1", port: 0 })];
    });
    after(async () => {
      await a.close();
      await b.close();
      await pool.close();
      if (db2 !== db) await db2.close();
      await db.close();
    });

    it("behavior: the same receipts sent to both instances concurrently are counted exactly once", async () => {
      const supporters: Key[] = [newKey(), newKey(), newKey(), newKey()];
      for (const s of supporters) await register(a, s, s.address);
      const viewers = [newKey(), newKey(), newKey()];
      const sessions = await Promise.all(viewers.map((v) => grant(a, v.address)));
      // Every (session, supporter) stream: seq 1..20, cumulative 1000·seq.
      const all: WireReceipt[] = [];
      for (let seq = 1n; seq <= 20n; seq++)
        for (const s of supporters)
          viewers.forEach((v, i) =>
            all.push(
              signedReceipt(v, { sessionId: sessions[i]!, supporter: s.address, seq, cumulativeBytes: 1000n * seq }),
            ),
          );
      // Shuffled, overlapping batches, each sent to both instances at once, three times over.
      const batches: WireReceipt[][] = [];
      for (let round = 0; round < 3; round++) {
        const shuffled = [...all].sort(() => Math.random() - 0.5);
        for (let i = 0; i < shuffled.length; i += 40) batches.push(shuffled.slice(i, i + 40));
      }
      const responses = await Promise.all(
        batches.flatMap((batch) =>
          urls.map(async (url) => {
            const res = await fetch(`${url}/v1/receipts`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ receipts: batch }),
            });
            expect(res.status).to.equal(200);
            return (await res.json()) as BatchBody;
          }),
        ),
      );
      const counted = responses
        .flatMap((r) => r.results)
        .filter((r) => r.status === "accepted")
        .reduce((sum, r) => sum + BigInt(r.countedBytes!), 0n);
      const streams = BigInt(supporters.length * viewers.length);
      // Each stream ends at 20 000 bytes: that, and only that, is counted — whatever the order.
      expect(counted).to.equal(streams * 20_000n);
      expect((await receiptTotals(db)).deltaBytes).to.equal(streams * 20_000n);
      expect(responses.flatMap((r) => r.results).filter((r) => r.status === "rejected")).to.have.length(0);
    });

    it("behavior: the same heartbeat sent to both instances is stored once", async () => {
      const node = newKey();
      await register(b, node, node.address);
      const hb = signedHeartbeat(node);
      const answers = await Promise.all(
        [...urls, ...urls].map(async (url) => {
          const res = await fetch(`${url}/v1/heartbeats`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ heartbeats: [hb] }),
          });
          return ((await res.json()) as BatchBody).results[0]!.status;
        }),
      );
      expect(answers.filter((s) => s === "accepted")).to.have.length(1);
      expect(answers.filter((s) => s === "duplicate")).to.have.length(3);
    });

    it("behavior: the same registration sent to both instances at once registers once", async () => {
      const node = newKey();
      const answers = await Promise.all([register(a, node, node.address), register(b, node, node.address)]);
      expect(answers.map((r) => r.statusCode).sort()).to.deep.equal([200, 201]);
    });
  });

  describe(`rate limits (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool, { rateLimitPerMinute: 3 });
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    it("error: past the per-minute budget an IP gets 429 RATE_LIMITED; health checks are exempt", async () => {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (await app.inject({ method: "POST", url: "/v1/heartbeats", payload: { heartbeats: [{}] } })).statusCode,
        );
      expect(codes).to.deep.equal([200, 200, 200, 429]);
      const limited = await app.inject({ method: "POST", url: "/v1/heartbeats", payload: { heartbeats: [{}] } });
      expect(limited.json()).to.include({ code: "RATE_LIMITED" });
      expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(200);
    });
  });
}
