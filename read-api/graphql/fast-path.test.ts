/**
 * `POST /graphql`'s fast path over real HTTP on both backends: it answers successful JSON queries
 * with the same status, content type and body as yoga, and hands everything else (errors,
 * mutations, other media types, cross-origin requests) to yoga, whose answer is unchanged.
 */
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { buildApp } from "../../server/app.ts";

const NODE = createHash("sha256").update("fast-path node").digest().subarray(0, 20);
const hex = (b: Buffer) => `0x${b.toString("hex")}`;

const SUPPORTER = `query S($a: Bytes!) { supporter(address: $a) { address founder nodes { address founder }
  totals { claimedMicroUsd entitledMicroUsd unpricedBytes } statements(first: 5) { edges { cursor node { epoch } } } } }`;

for (const backend of testBackends()) {
  describe(`GraphQL fast path (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;

    /** Status, content type and body of a POST; `headers` on top of a JSON content type. */
    const post = async (payload: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(payload),
      });
      return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
    };
    /** The same request through the fast path (if it takes it) and through yoga (an Origin header). */
    const both = async (payload: unknown) => {
      const before = app.graphqlFastPath.served;
      const fast = await post(payload);
      const taken = app.graphqlFastPath.served - before;
      const yoga = await post(payload, { origin: "http://127.0.0.1" });
      expect(app.graphqlFastPath.served - before, "a request with an Origin goes to yoga").to.equal(taken);
      expect(fast).to.deep.equal(yoga);
      return { ...fast, taken };
    };

    before(async () => {
      db = await backend.open();
      await db.query("INSERT INTO nodes (address, founder, registration_nonce) VALUES ($1, true, 0)", [NODE]);
      app = await buildApp({ db, rateLimitPerMinute: 1_000_000, verifyWorkers: 1 });
      await app.listen({ host: "127.0.0.1", port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`;
    });
    after(async () => {
      await app?.close();
      await db?.close();
    });

    it("default: a successful query is answered by the fast path exactly as yoga answers it", async () => {
      const r = await both({ query: SUPPORTER, variables: { a: hex(NODE) }, operationName: "S" });
      expect(r.taken).to.equal(1);
      expect(r.status).to.equal(200);
      expect(r.type).to.equal("application/json; charset=utf-8");
      const body = JSON.parse(r.body) as { data: { supporter: { address: string; founder: boolean } } };
      expect(body.data.supporter).to.include({ address: hex(NODE), founder: true });
      expect((await both({ query: "{ __typename }" })).taken).to.equal(1);
    });

    it("behavior: errors, mutations and other requests are yoga's, unchanged", async () => {
      const cases: { payload: unknown; code: string }[] = [
        { payload: { query: SUPPORTER, variables: { a: hex(Buffer.alloc(20, 7)) } }, code: "NOT_FOUND" },
        { payload: { query: SUPPORTER, variables: { a: "0x12" } }, code: "BAD_USER_INPUT" },
        { payload: { query: "{ nope }" }, code: "GRAPHQL_VALIDATION_FAILED" },
        { payload: { query: "{ supporter(" }, code: "GRAPHQL_PARSE_FAILED" },
        { payload: { query: "mutation { closeEpoch(epoch: 1) { epoch } }" }, code: "UNAUTHENTICATED" },
      ];
      for (const { payload, code } of cases) {
        const r = await both(payload);
        expect(r.taken, JSON.stringify(payload)).to.equal(0);
        expect(r.status).to.be.below(500);
        const body = JSON.parse(r.body) as { errors: { message: string; extensions?: { code: string } }[] };
        expect(body.errors[0]!.message).to.be.a("string");
        expect(body.errors[0]!.extensions?.code, r.body).to.equal(code);
      }
      const before = app.graphqlFastPath.served;
      const other = await post({ query: "{ __typename }" }, { accept: "application/graphql-response+json" });
      expect(other.type).to.equal("application/graphql-response+json; charset=utf-8");
      const extra = await post({ query: "{ __typename }", extensions: {} });
      expect(extra.status).to.equal(200);
      expect(app.graphqlFastPath.served, "other media types and body fields go to yoga").to.equal(before);
    });
  });
}
