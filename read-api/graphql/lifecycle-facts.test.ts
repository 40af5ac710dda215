/**
 * The supporter query's in-process lifecycle-facts cache and its one-round-trip read, over real
 * HTTP on both backends. The rows are what the oracle and the indexer write (epochs, epoch state,
 * leaves, statements, indexed proposals, finalizations, vetoes and claims), written here with SQL
 * as another process would: the API learns nothing about them except through the database.
 * Asserts the totals are right immediately after each write (the cache is never stale), that the
 * facts are read once while nothing changes, and that the prefetched statements equal the field's
 * own query.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { buildApp } from "../../server/app.ts";
import { lifecycleFactsOf } from "./lifecycle-facts.ts";

const addr = (tag: string) => createHash("sha256").update(tag).digest().subarray(0, 20);
const hash = (tag: string) => createHash("sha256").update(tag).digest();
const hex = (b: Buffer) => `0x${b.toString("hex")}`;

const NODE = addr("node");
/** The node's second payout address (from epoch 3): its statements and leaves count for the node too. */
const PAYOUT = addr("payout");
const PER_EPOCH = 50_000n;

const TOTALS = `totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd
  accruedThroughEpoch committedEpoch committedValidAt finalizedEpoch }`;

for (const backend of testBackends()) {
  describe(`GraphQL lifecycle facts cache (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;

    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { data?: any; errors?: unknown };
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data;
    };
    const totals = async () =>
      (await gql(`query($a: Bytes!) { supporter(address: $a) { ${TOTALS} } }`, { a: hex(NODE) })).supporter.totals;

    /** An oracle epoch `e` computed with the node earning PER_EPOCH (to PAYOUT from epoch 3). */
    const compute = async (e: number) => {
      const account = e >= 3 ? PAYOUT : NODE;
      await db.query("UPDATE epochs SET status = 'COMPUTED' WHERE number = $1", [e]);
      await db.query(
        `INSERT INTO epoch_state (epoch, chain_epoch, attempt, closed_at, computed_at, root)
         VALUES ($1, $1, 1, now(), now(), $2)`,
        [e, hash(`root${e}`)],
      );
      await db.query(
        `INSERT INTO epoch_leaves (epoch, account, cumulative_micro_usd)
         VALUES ($1, $2, $3), ($1, $4, $5)`,
        [
          e,
          NODE,
          (PER_EPOCH * BigInt(Math.min(e, 2))).toString(),
          PAYOUT,
          (PER_EPOCH * BigInt(Math.max(e - 2, 0))).toString(),
        ],
      );
      await db.query(
        `INSERT INTO epoch_statements (epoch, account, counted_bytes, payout_micro_usd, cumulative_micro_usd, statement)
         VALUES ($1, $2, 1000000000, 50000, 50000, jsonb_build_object('epoch', $4::text, 'account', $3::text,
           'countedBytes', '1000000000', 'claimedBytes', '1000000000', 'payoutMicroUsd', '50000', 'baseMicroUsd', '50000',
           'exactMicroUsd', '50000', 'earnedMicroUsd', '50000', 'cumulativeMicroUsd', '50000', 'withheld', '[]'::jsonb))`,
        [e, account, hex(account), e.toString()],
      );
    };
    const propose = async (e: number, block: number) =>
      db.query(
        `INSERT INTO chain_root_proposals (id, epoch, root, cumulative_total, receipts_root, dataset_hash, rate_card_hash,
                                           valid_at, signers, block_number, log_index, block_timestamp, transaction_hash)
         VALUES ($1, $2, $3, 0, $3, $3, $3, $4, '{}', $5, 0, 0, $1)`,
        [hash(`proposal${e}:${block}`), e, hash(`root${e}`), 1_000 + e, block],
      );
    const finalize = async (e: number, block: number) =>
      db.query(
        `INSERT INTO chain_root_finalizations (id, epoch, cumulative_total, block_number, log_index, block_timestamp,
                                               transaction_hash) VALUES ($1, $2, 0, $3, 0, 0, $1)`,
        [hash(`finalization${e}`), e, block],
      );

    before(async () => {
      db = await backend.open();
      await db.query("INSERT INTO nodes (address, founder, registration_nonce) VALUES ($1, false, 0)", [NODE]);
      await db.query(
        `INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
         VALUES ($1, 0, $1, 0, $3, 0), ($1, 3, $2, 1, $3, 2)`,
        [NODE, PAYOUT, Buffer.alloc(65)],
      );
      await db.query(
        `INSERT INTO epochs (number, status, starts_at, ends_at)
         SELECT e, 'OPEN', timestamptz '2026-01-01' + e * interval '1 day', timestamptz '2026-01-02' + e * interval '1 day'
           FROM generate_series(1, 5) e`,
      );
      app = await buildApp({ db, rateLimitPerMinute: 1_000_000, verifyWorkers: 1 });
      await app.listen({ host: "127.0.0.1", port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`;
    });
    after(async () => {
      await app?.close();
      await db?.close();
    });

    it("behavior: every transaction that writes a table the facts come from increments lifecycle_version at commit", async () => {
      const version = async () =>
        (await db.query<{ v: bigint }>("SELECT version AS v FROM lifecycle_version")).rows[0]!.v;
      const writes: [string, unknown[]][] = [
        ["UPDATE epochs SET status = status WHERE number = 5", []],
        ["INSERT INTO epoch_state (epoch) VALUES (5)", []],
        ["DELETE FROM epoch_state WHERE epoch = 5", []],
      ];
      for (const [sql, params] of writes) {
        const v0 = await version();
        await db.query(sql, params);
        expect(await version(), sql).to.equal(v0 + 1n);
      }
      // The indexer's tables, in one transaction each (insert, then delete: the facts stay as they were).
      for (const table of ["chain_root_proposals", "chain_root_finalizations", "chain_root_vetoes"]) {
        const v0 = await version();
        await db.transaction(async (tx) => {
          if (table === "chain_root_proposals")
            await tx.query(
              `INSERT INTO ${table} (id, epoch, root, cumulative_total, receipts_root, dataset_hash, rate_card_hash,
                 valid_at, signers, block_number, log_index, block_timestamp, transaction_hash)
               VALUES ($1, 99, $1, 0, $1, $1, $1, 0, '{}', 1, 0, 0, $1)`,
              [hash(table)],
            );
          else if (table === "chain_root_finalizations")
            await tx.query(
              `INSERT INTO ${table} (id, epoch, cumulative_total, block_number, log_index, block_timestamp, transaction_hash) VALUES ($1, 99, 0, 1, 0, 0, $1)`,
              [hash(table)],
            );
          else
            await tx.query(
              `INSERT INTO ${table} (id, epoch, guardian, reason, block_number, log_index, block_timestamp, transaction_hash) VALUES ($1, 99, $1, 'test', 1, 0, 0, $1)`,
              [hash(table)],
            );
          // Another connection does not see it before commit (PGlite has one connection: it would wait).
          if (backend.name === "postgres") expect(await version(), `${table}: not before commit`).to.equal(v0);
          await tx.query(`DELETE FROM ${table} WHERE epoch = 99`);
        });
        expect((await version()) > v0, table).to.equal(true);
      }
      const v0 = await version();
      await db.query("UPDATE epochs SET status = status WHERE number = -1");
      expect(await version(), "a statement that changes no row leaves the version").to.equal(v0);
      await db
        .transaction(async (tx) => {
          await tx.query("UPDATE epochs SET status = status WHERE number = 5");
          throw new Error("rolled back");
        })
        .catch(() => {});
      expect(await version(), "a rolled-back write leaves the version").to.equal(v0);
    });

    it("behavior: totals are right right after each oracle and indexer write; the facts are read once per change", async () => {
      const cache = lifecycleFactsOf(db);
      await compute(1);
      await propose(1, 10);
      let t = await totals();
      expect(t).to.include({ committedMicroUsd: "50000", claimableMicroUsd: "0", finalizedEpoch: null });
      expect(t).to.include({ committedEpoch: "1", committedValidAt: "1001", accruedThroughEpoch: "1" });
      const reads = cache.reads;
      expect(await totals()).to.deep.equal(t);
      await totals();
      expect(cache.reads, "nothing changed: the cached facts are used").to.equal(reads);

      await finalize(1, 11); // the indexer, in another process
      t = await totals();
      expect(t).to.include({ committedMicroUsd: "0", claimableMicroUsd: "50000", finalizedEpoch: "1" });
      expect(cache.reads).to.equal(reads + 1);

      await compute(2);
      t = await totals();
      expect(t).to.include({ accruedMicroUsd: "50000", claimableMicroUsd: "50000", accruedThroughEpoch: "2" });
      await propose(2, 20);
      t = await totals();
      expect(t).to.include({ accruedMicroUsd: "0", committedMicroUsd: "50000", committedEpoch: "2" });

      // A veto after the proposal: the root is no longer committed; its amount is accrued again.
      await db.query(
        `INSERT INTO chain_root_vetoes (id, epoch, guardian, reason, block_number, log_index, block_timestamp, transaction_hash)
         VALUES ($1, 2, $2, 'test', 21, 0, 0, $1)`,
        [hash("veto2"), NODE],
      );
      t = await totals();
      expect(t).to.include({ accruedMicroUsd: "50000", committedMicroUsd: "0", committedEpoch: null });

      // Re-proposed and finalized; epoch 3 pays to the second payout address, which counts too.
      await propose(2, 22);
      await finalize(2, 23);
      await compute(3);
      t = await totals();
      expect(t).to.include({ claimableMicroUsd: "100000", accruedMicroUsd: "50000", entitledMicroUsd: "150000" });

      // Claims are read live (not a cached fact).
      await db.query(
        `INSERT INTO chain_claims (id, account, recipient, amount, cumulative_claimed, epoch, block_number, log_index,
                                   block_timestamp, transaction_hash) VALUES ($1, $2, $2, 60000, 60000, 2, 24, 0, 0, $1)`,
        [hash("claim"), NODE],
      );
      t = await totals();
      expect(t).to.include({ claimedMicroUsd: "60000", claimableMicroUsd: "40000", entitledMicroUsd: "150000" });
      const sum =
        BigInt(t.accruedMicroUsd) +
        BigInt(t.committedMicroUsd) +
        BigInt(t.claimableMicroUsd) +
        BigInt(t.claimedMicroUsd);
      expect(sum.toString(), "the totals add up").to.equal(t.entitledMicroUsd);
    });

    it("behavior: prefetched statements equal the field's own query (fragment, cursor and epoch pages)", async () => {
      const fields =
        "edges { cursor node { epoch chainEpoch epochStatus account payoutMicroUsd } } pageInfo { hasNextPage endCursor }";
      const q = (args: string) => `query($a: Bytes!) { supporter(address: $a) { statements(${args}) { ${fields} } } }`;
      const viaFragment = (args: string) =>
        `query($a: Bytes!) { supporter(address: $a) { ...S } } fragment S on Supporter { statements(${args}) { ${fields} } }`;
      for (const first of [1, 2, 20]) {
        const direct = (await gql(q(`first: ${first}`), { a: hex(NODE) })).supporter.statements;
        const own = (await gql(viaFragment(`first: ${first}`), { a: hex(NODE) })).supporter.statements;
        expect(direct).to.deep.equal(own);
        expect(direct.edges.length).to.equal(Math.min(first, 3));
        if (direct.pageInfo.hasNextPage) {
          const next = (await gql(q(`first: ${first}, after: "${direct.pageInfo.endCursor}"`), { a: hex(NODE) }))
            .supporter.statements;
          expect(next.edges[0].node.epoch).to.equal((3 - first).toString());
        }
      }
      const all = (await gql(q("first: 20"), { a: hex(NODE) })).supporter.statements.edges;
      expect(all.map((e: any) => [e.node.epoch, e.node.account])).to.deep.equal([
        ["3", hex(PAYOUT)],
        ["2", hex(NODE)],
        ["1", hex(NODE)],
      ]);
      const one = (await gql(q("first: 20, epoch: 2"), { a: hex(NODE) })).supporter.statements.edges;
      expect(one.map((e: any) => e.node.epoch)).to.deep.equal(["2"]);
      const tooMany = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q("first: 1000"), variables: { a: hex(NODE) } }),
      });
      const body = (await tooMany.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).to.equal("PAGE_TOO_LARGE");
    });
  });
}
