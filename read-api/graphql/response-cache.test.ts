/**
 * The GraphQL response cache: the store's eviction, deps and tickets (pure), and the whole cache over
 * real HTTP on both backends — kept, served, and dropped by the change feed when any row behind an
 * answer changes, from this process (read at once) or from another connection (PostgreSQL: a raw
 * `pg` client standing for another process), and off while the LISTEN session is down.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { mayWrite } from "../../db/commits.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { buildApp } from "../../server/app.ts";
import { isCacheableOperation } from "./cacheable.ts";
import { createResponseStore } from "./response-cache.ts";
import { buildSchema, parse } from "graphql";
import { SCHEMA_SDL } from "./plugin.ts";

const addr = (tag: string) => createHash("sha256").update(tag).digest().subarray(0, 20);
const hex = (b: Buffer) => `0x${b.toString("hex")}`;
const body = (s: string) => s;

describe("GraphQL response store", () => {
  it("behavior: bounded in bytes, least recently used out first; an address change drops only the answers that read it; '*' drops all", () => {
    const store = createResponseStore(3 * (1_000 + 256 + 64 + 2));
    const big = body("x".repeat(1_000));
    for (const k of ["k1", "k2", "k3"]) expect(store.put(store.begin(), k, big, [`0x${k}`])).to.equal(true);
    expect(store.get("k1")).to.equal(big); // k1 is now the most recently used
    store.put(store.begin(), "k4", big, ["0xk4"]); // evicts k2, the least recently used
    expect(store.get("k2")).to.equal(undefined);
    expect(store.stats()).to.include({ entries: 3, evictions: 1 });
    store.invalidate("0xk3");
    expect(store.get("k3")).to.equal(undefined);
    expect(store.get("k1")).to.equal(big);
    store.invalidate("0xunrelated");
    expect(store.stats().entries).to.equal(2);
    store.invalidateAll();
    expect(store.stats()).to.include({ entries: 0, bytes: 0 });
  });

  it("attack: an answer computed while a change arrived is not kept (it may predate the change)", () => {
    const store = createResponseStore(1 << 20);
    const ticket = store.begin();
    store.invalidate("0xanything"); // a commit's notification arrives mid-computation
    expect(store.put(ticket, "k", body("old"), ["0xa"])).to.equal(false);
    expect(store.get("k")).to.equal(undefined);
    expect(store.stats().discarded).to.equal(1);
    expect(store.put(store.begin(), "k", body("new"), ["0xa"])).to.equal(true);
    expect(store.put(store.begin(), "huge", "x".repeat(2 << 20), [])).to.equal(false); // over the budget
  });

  it("behavior: this process's autocommit writes are told from its reads (reads never wait for a sync)", () => {
    for (const read of [
      "SELECT 1",
      "  select * from nodes",
      "WITH x AS (SELECT 1) SELECT * FROM x",
      "SELECT updated_at FROM t",
    ])
      expect(mayWrite(read), read).to.equal(false);
    for (const write of [
      "UPDATE nodes SET founder = true",
      "INSERT INTO epochs VALUES (1)",
      "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
      "SELECT * FROM nodes FOR UPDATE",
      "TRUNCATE chain_claims",
      "BEGIN; UPDATE t SET a = 1; COMMIT",
    ])
      expect(mayWrite(write), write).to.equal(true);
  });

  it("behavior: only queries made of listed fields are cacheable", () => {
    const schema = buildSchema(SCHEMA_SDL);
    const ok = (q: string) => isCacheableOperation(schema, parse(q), null);
    expect(ok(`{ supporter(address: "0x00") { address founder totals { claimableMicroUsd } } }`)).to.equal(true);
    expect(
      ok(`{ supporter(address: "0x00") { statements(first: 5) { edges { node { epoch withheld { reason } } } } } }`),
    ).to.equal(true);
    expect(
      ok(
        `{ supporter(address: "0x00") { ...F } } fragment F on Supporter { nodes { payoutAddresses { payoutAddress } } }`,
      ),
    ).to.equal(true);
    expect(ok(`{ supporter(address: "0x00") { totals { unpricedBytes } } }`)).to.equal(false);
    expect(ok(`{ supporter(address: "0x00") { receipts { edges { node { seq } } } } }`)).to.equal(false);
    expect(ok(`{ supporter(address: "0x00") { proof { root } } }`)).to.equal(false);
    expect(ok(`{ epochs { edges { node { epoch } } } }`)).to.equal(false);
    expect(ok(`{ __schema { types { name } } }`)).to.equal(false);
    expect(
      ok(
        `{ supporter(address: "0x00") { ...F } } fragment F on Supporter { ... on Supporter { claims { edges { cursor } } } }`,
      ),
    ).to.equal(false);
  });
});

for (const backend of testBackends()) {
  describe(`GraphQL response cache (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    const NODE = addr("cache-node");
    const OTHER = addr("cache-other");
    const PAYOUT = addr("cache-payout");
    const QUERY = `query($a: Bytes!) { supporter(address: $a) { address founder nodes { address founder payoutAddresses { payoutAddress } }
      totals { claimedMicroUsd entitledMicroUsd } statements(first: 5) { edges { node { epoch payoutMicroUsd } } } } }`;

    const post = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).to.equal(200);
      const json = (await res.json()) as { data?: any; errors?: unknown };
      expect(json.errors, JSON.stringify(json.errors)).to.equal(undefined);
      return json.data;
    };
    const supporter = async (a: Buffer) => (await post(QUERY, { a: hex(a) })).supporter;
    const cached = () => app.graphqlFastPath.cached;
    /** The answer, re-asked until `ok` holds (a change from another process arrives asynchronously). */
    const eventually = async (a: Buffer, ok: (s: any) => boolean) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const s = await supporter(a);
        if (ok(s)) return s;
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const claim = async (q: { query(sql: string, p: unknown[]): Promise<unknown> }, account: Buffer, n: number) =>
      q.query(
        `INSERT INTO chain_claims (id, account, recipient, amount, cumulative_claimed, epoch, block_number, log_index,
                                   block_timestamp, transaction_hash) VALUES ($1, $2, $2, $3, $3, 1, $4, 0, 0, $1)`,
        [createHash("sha256").update(`claim${n}`).digest(), account, (1_000 * n).toString(), 10 + n],
      );

    before(async () => {
      db = await backend.open();
      await db.query("INSERT INTO nodes (address, founder, registration_nonce) VALUES ($1, false, 0), ($2, false, 0)", [
        NODE,
        OTHER,
      ]);
      await db.query(
        `INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
         VALUES ($1, 0, $1, 0, $2, 0), ($3, 0, $3, 0, $2, 0)`,
        [NODE, Buffer.alloc(65), OTHER],
      );
      app = await buildApp({ db, rateLimitPerMinute: 1_000_000, verifyWorkers: 1 });
      await app.listen({ host: "127.0.0.1", port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`;
      await app.graphqlResponseCache!.ready();
    });
    after(async () => {
      await app?.close();
      await db?.close();
    });

    it("default: a supporter's answer is computed once, then served from the cache, byte for byte", async () => {
      const first = await supporter(NODE);
      const c0 = cached();
      const again = await supporter(NODE);
      expect(cached()).to.equal(c0 + 1);
      expect(again).to.deep.equal(first);
      expect(app.graphqlResponseCache!.stats()).to.include({ usable: true });
      const metrics = await (await fetch(url.replace("/graphql", "/metrics"))).text();
      expect(metrics).to.include("ledger_graphql_cache_up 1");
      expect(Number(/^ledger_graphql_cache_hits_total (\d+)$/m.exec(metrics)?.[1])).to.be.greaterThan(0);
      expect(Number(/^ledger_graphql_cache_entries (\d+)$/m.exec(metrics)?.[1])).to.be.greaterThan(0);
    });

    it("behavior: this process's writes are read back at once (transactions and autocommit statements)", async () => {
      await supporter(NODE);
      const c0 = cached();
      await supporter(NODE);
      expect(cached()).to.equal(c0 + 1);
      await db.transaction(async (tx) => {
        await tx.query("UPDATE nodes SET founder = true WHERE address = $1", [NODE]);
      });
      expect((await supporter(NODE)).founder).to.equal(true);
      await db.query("UPDATE nodes SET founder = false WHERE address = $1", [NODE]);
      expect((await supporter(NODE)).founder).to.equal(false);
      await claim(db, NODE, 1);
      expect((await supporter(NODE)).totals.claimedMicroUsd).to.equal("1000");
      // A new payout address: the new payout account now lists the node, the node lists it.
      await db.query(
        `INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
         VALUES ($1, 5, $2, 1, $3, 4)`,
        [NODE, PAYOUT, Buffer.alloc(65)],
      );
      expect((await supporter(NODE)).nodes[0].payoutAddresses.map((p: any) => p.payoutAddress)).to.deep.equal([
        hex(NODE),
        hex(PAYOUT),
      ]);
      expect((await supporter(PAYOUT)).nodes.map((n: any) => n.address)).to.deep.equal([hex(NODE)]);
    });

    it("behavior: a change of one supporter's rows drops its answers only; statements drop everything", async () => {
      await supporter(NODE);
      await supporter(OTHER);
      await claim(db, OTHER, 2);
      const c0 = cached();
      expect((await supporter(OTHER)).totals.claimedMicroUsd).to.equal("2000");
      expect(cached()).to.equal(c0); // recomputed, not served stale
      await app.graphqlResponseCache!.ready(); // the feed has delivered the claim's notification
      await supporter(NODE); // still cached: NODE read nothing of OTHER's
      expect(cached()).to.equal(c0 + 1);
      await db.query(
        `INSERT INTO epochs (number, status, starts_at, ends_at) VALUES (1, 'COMPUTED', now(), now() + interval '1 day')`,
      );
      await db.query(
        `INSERT INTO epoch_statements (epoch, account, counted_bytes, payout_micro_usd, cumulative_micro_usd, statement)
         VALUES (1, $1, 1, 7, 7, jsonb_build_object('epoch', '1', 'account', $2::text, 'countedBytes', '1',
           'claimedBytes', '1', 'payoutMicroUsd', '7', 'baseMicroUsd', '7', 'exactMicroUsd', '7', 'earnedMicroUsd', '7',
           'cumulativeMicroUsd', '7', 'withheld', '[]'::jsonb))`,
        [OTHER, hex(OTHER)],
      );
      const s = await supporter(OTHER);
      expect(s.statements.edges.map((e: any) => e.node.payoutMicroUsd)).to.deep.equal(["7"]);
    });

    it("behavior: fields the change feed does not cover are never cached", async () => {
      const q = `query($a: Bytes!) { supporter(address: $a) { totals { unpricedBytes } receipts { edges { cursor } } } }`;
      await post(q, { a: hex(NODE) });
      const c0 = cached();
      await post(q, { a: hex(NODE) });
      expect(cached()).to.equal(c0);
    });

    if (backend.name === "postgres") {
      const foreign = async () => {
        const { rows } = await db.query<{ d: string }>("SELECT current_database() AS d");
        const u = new URL(process.env.TEST_DATABASE_URL!);
        u.pathname = `/${rows[0]!.d}`;
        const c = new pg.Client({ connectionString: u.toString() });
        await c.connect();
        return c;
      };

      it("behavior: another process's commit drops the answers it changed when its notification arrives", async () => {
        await app.graphqlResponseCache!.ready();
        await supporter(NODE);
        const c0 = cached();
        await supporter(NODE);
        expect(cached()).to.equal(c0 + 1); // cached before the foreign write
        const other = await foreign(); // not this process's Db: only the database tells the API
        try {
          await other.query("UPDATE nodes SET founder = true WHERE address = $1", [NODE]);
          expect((await eventually(NODE, (s) => s.founder === true)).founder).to.equal(true);
          await claim(other, NODE, 3);
          await eventually(NODE, (s) => s.totals.claimedMicroUsd === "3000");
        } finally {
          await other.end();
        }
      });

      it("fault: while the LISTEN session is down the cache is empty and off; it reconnects and starts empty", async () => {
        await supporter(NODE);
        await supporter(NODE);
        const cache = app.graphqlResponseCache!;
        const admin = await foreign();
        try {
          await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ledger listen ledger_read_model' AND datname = current_database()",
          );
          const deadline = Date.now() + 5_000;
          while (cache.usable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          expect(cache.stats()).to.include({ usable: false, entries: 0 });
          // Missed while down: nobody listened; the answer must still be right.
          await admin.query("UPDATE nodes SET founder = false WHERE address = $1", [NODE]);
          const c0 = cached();
          expect((await supporter(NODE)).founder).to.equal(false);
          expect(cached()).to.equal(c0);
          await cache.ready(); // reconnected (backoff from 1 s)
          expect((await supporter(NODE)).founder).to.equal(false);
          await supporter(NODE);
          expect(cached()).to.equal(c0 + 1);
        } finally {
          await admin.end();
        }
      });
    }
  });
}
