import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { signTypedMessage } from "../../core/sign.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { receiptTotals } from "../repositories/receipts.ts";
import { introspectionFromEnv } from "../../read-api/graphql/plugin.ts";
import { storedState } from "../testing/fuzz.ts";
import {
  ADMIN_KEY,
  CURRENT_EPOCH,
  DOMAIN,
  NOW_S,
  adminHeaders,
  grant,
  makeApp,
  newKey,
  randomHex32,
  register,
  signedReceipt,
  type BatchBody,
  type Key,
  type WireReceipt,
} from "../testing/fixtures.ts";

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? (process.env.CI ? 400 : 150));

/** Values that break naive parsers: wrong types, huge numbers, hex edge cases, prototype keys. */
const nasty = fc.oneof(
  fc.constantFrom(
    null,
    true,
    -1,
    1.5,
    2 ** 64,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    "0x",
    "0x" + "0".repeat(64),
    "0x" + "f".repeat(130),
    "0x" + "g".repeat(40),
    "-1",
    "1e3",
    " 1",
    "9".repeat(80),
    "18446744073709551616",
    "9223372036854775808",
    "__proto__",
    "constructor",
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.string(),
  fc.integer(),
  fc.bigInt({ min: 0n, max: 2n ** 260n }).map((b) => b.toString()),
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), maxLength: 140 }).map((h) => `0x${h}`),
);

const SIGNED = new Set<string>([
  "sessionId",
  "supporter",
  "viewer",
  "seq",
  "cumulativeBytes",
  "timestamp",
  "signature",
]);
const FIELDS = [
  "sessionId",
  "supporter",
  "viewer",
  "seq",
  "cumulativeBytes",
  "timestamp",
  "signature",
  "domain",
  "extra",
] as const;

for (const backend of testBackends()) {
  describe(`adversarial requests against the real server (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let supporter: Key;
    let viewer: Key;
    let sessionId: `0x${string}`;
    let valid: WireReceipt;

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      base = await app.listen({ host: "127.0.0.1", port: 0 });
      supporter = newKey();
      viewer = newKey();
      await register(app, supporter, supporter.address);
      sessionId = await grant(app, viewer.address);
      valid = signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 1n, cumulativeBytes: 1n });
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    /** Posts, asserts no 5xx, and that stored rows grew by exactly what the answer says was stored. */
    async function postAndCheck(url: string, body: string, contentType = "application/json") {
      const before = await receiptTotals(db);
      const res = await fetch(`${base}${url}`, { method: "POST", body, headers: { "content-type": contentType } });
      expect(res.status, await res.clone().text()).to.be.below(500);
      const json = (await res.json()) as Partial<BatchBody> & { code?: string };
      const after = await receiptTotals(db);
      if (res.status === 200 && url === "/v1/receipts") {
        const stored = json.results!.filter((r) => r.status === "accepted" || r.code === "NON_MONOTONIC").length;
        expect(after.rows - before.rows).to.equal(BigInt(stored));
        for (const r of json.results!) if (r.status === "rejected") expect(r.code).to.be.a("string");
      } else {
        expect(json.code, JSON.stringify(json)).to.be.a("string");
        expect(after.rows).to.equal(before.rows);
      }
      return { status: res.status, json };
    }

    it("property: arbitrary JSON bodies never cause a 5xx or store anything", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("/v1/receipts", "/v1/heartbeats", "/v1/supporters"),
          fc.jsonValue(),
          async (url, value) => {
            const r = await postAndCheck(url, JSON.stringify(value));
            if (r.status === 200 && url === "/v1/receipts") expect(r.json.accepted).to.equal(0);
          },
        ),
        { numRuns: RUNS },
      );
    });

    it("property: receipts with one field replaced by a nasty value are rejected item by item, nothing stored", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...FIELDS), nasty), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 1, max: 5 }),
          async (mutations, copies) => {
            const item: Record<string, unknown> = { ...valid };
            for (const [field, value] of mutations) item[field] = value;
            const { status, json } = await postAndCheck(
              "/v1/receipts",
              JSON.stringify({ receipts: Array.from({ length: copies }, () => item) }),
            );
            // Only an unsigned field (extra, domain) left untouched-in-meaning can still be accepted, once.
            const signedChanged = mutations.some(
              ([field, value]) =>
                SIGNED.has(field) &&
                JSON.stringify(value).toLowerCase().replace(/"/g, "") !==
                  valid[field as keyof WireReceipt].toLowerCase(),
            );
            if (status === 200) expect(json.accepted).to.be.at.most(signedChanged ? 0 : 1);
          },
        ),
        { numRuns: RUNS },
      );
    });

    it("property: signed but adversarial receipts (wrong domain, huge or tiny values, other keys) count nothing they should not", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            cumulativeBytes: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
            seq: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
            timestamp: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
            chainId: fc.constantFrom(DOMAIN.chainId, 1, 10),
            signerIsViewer: fc.boolean(),
          }),
          async (p) => {
            const signer = p.signerIsViewer ? viewer : newKey();
            const r = signedReceipt(
              signer,
              {
                sessionId,
                supporter: supporter.address,
                seq: p.seq,
                cumulativeBytes: p.cumulativeBytes,
                timestamp: p.timestamp,
              },
              { ...DOMAIN, chainId: p.chainId },
            );
            const { json } = await postAndCheck("/v1/receipts", JSON.stringify({ receipts: [r] }));
            const result = json.results![0]!;
            const legit =
              p.signerIsViewer &&
              p.chainId === DOMAIN.chainId &&
              p.timestamp >= NOW_S - 3600n &&
              p.timestamp <= NOW_S + 300n;
            if (!legit) expect(result.status).to.equal("rejected");
          },
        ),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });

    it("property: garbage bodies, content types and huge batches answer 4xx with a stable code", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString("latin1")),
          ),
          fc.constantFrom(
            "application/json",
            "text/plain",
            "application/octet-stream",
            "application/x-www-form-urlencoded",
          ),
          async (body, type) => {
            await postAndCheck("/v1/receipts", body, type);
          },
        ),
        { numRuns: RUNS },
      );
      const big = await postAndCheck(
        "/v1/receipts",
        JSON.stringify({ receipts: Array.from({ length: 1001 }, () => valid) }),
      );
      expect(big.status).to.equal(400);
    });

    it("behavior: admin routes refuse every request without a valid key, whatever the body", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            "/v1/admin/rate-cards",
            "/v1/admin/api-keys",
            "/v1/admin/cdn-usage",
            "/v1/admin/flag-overrides",
            "/v1/sessions",
          ),
          fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
          fc.jsonValue(),
          async (url, key, body) => {
            const headers: Record<string, string> = { "content-type": "application/json" };
            if (key !== undefined) headers.authorization = `Bearer ${key}`;
            const res = await fetch(`${base}${url}`, { method: "POST", body: JSON.stringify(body), headers });
            expect(res.status).to.be.oneOf([400, 401]);
          },
        ),
        { numRuns: Math.ceil(RUNS / 2) },
      );
      const ok = await fetch(`${base}/v1/admin/api-keys`, { headers: adminHeaders });
      expect(ok.status).to.equal(200);
    });
  });
}

/**
 * The attacker's cases of issue 14 (parts 4, 5, 6), each as sent by the adversarial client that
 * found it, against a real server over real HTTP: what it must be answered now, and that nothing
 * was stored from it.
 */
for (const backend of testBackends()) {
  describe(`attacker cases of issue 14 over real HTTP (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    const coordinator = newKey();
    const node = newKey();

    type Answer = { status: number; json: Record<string, unknown> & { code?: string; message?: string } };
    async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
      const text = typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body);
      const res = await fetch(`${base}${url}`, {
        method,
        body: text,
        headers: text === undefined ? headers : { "content-type": "application/json", ...headers },
      });
      const raw = await res.text();
      expect(res.status, raw).to.be.below(500);
      return { status: res.status, json: raw ? (JSON.parse(raw) as Answer["json"]) : {} } satisfies Answer;
    }
    /** The request is refused with `status` and `code`, and nothing the API writes changed. */
    async function refused(
      status: number,
      code: string,
      method: string,
      url: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) {
      const before = await storedState(db);
      const a = await call(method, url, body, headers);
      expect([a.status, a.json.code], JSON.stringify(a.json)).to.deep.equal([status, code]);
      expect(a.json.message, "a message a person can act on").to.be.a("string").and.not.be.empty;
      expect(await storedState(db), "nothing stored").to.equal(before);
      return a;
    }
    const gql = async (query: string, variables?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).to.be.below(500);
      const json = (await res.json()) as {
        errors?: { message: string; extensions?: { code?: string } }[];
        data?: unknown;
      };
      return { status: res.status, json, codes: (json.errors ?? []).map((e) => e.extensions?.code) };
    };
    const session = (extra: Record<string, unknown> = {}) => ({
      viewer: newKey().address,
      streamId: randomHex32(),
      maxBitsPerSecond: "8000000",
      ...extra,
    });

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool, { coordinatorPrivateKey: coordinator.privateKey });
      base = await app.listen({ host: "127.0.0.1", port: 0 });
      expect((await register(app, node, node.address)).statusCode).to.equal(201);
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    it("error: a NUL byte in a path segment, a query parameter or any text field is 400 VALIDATION_FAILED", async () => {
      await refused(400, "VALIDATION_FAILED", "GET", `/v1/feature-flags/%00/supporters/${node.address}`);
      await refused(400, "VALIDATION_FAILED", "GET", "/v1/admin/audit-log?action=a%00b", undefined, adminHeaders);
      for (const [url, body] of [
        ["/v1/admin/api-keys", { name: "a\u0000b", scopes: ["admin:read"] }],
        [
          "/v1/admin/flag-overrides",
          { epoch: 1, node: node.address, reasonCode: "NODE_OFFLINE", decision: "include", note: "\u0000" },
        ],
      ] as const) {
        const a = await refused(400, "VALIDATION_FAILED", "POST", url, body, adminHeaders);
        expect(a.json.message).to.include("NUL");
      }
      const put = await refused(
        400,
        "VALIDATION_FAILED",
        "PUT",
        "/v1/admin/feature-flags/f1",
        {
          description: "x\u0000",
          enabled: true,
          target: "all",
        },
        adminHeaders,
      );
      expect(put.json.message).to.include("NUL");
    });

    it("error: int8-overflowing numbers are 400, never a database error", async () => {
      await refused(
        400,
        "VALIDATION_FAILED",
        "GET",
        "/v1/admin/audit-log?before=9999999999999999999",
        undefined,
        adminHeaders,
      );
      await refused(
        400,
        "VALIDATION_FAILED",
        "GET",
        "/v1/admin/audit-log?before=9223372036854775808",
        undefined,
        adminHeaders,
      );
      await refused(
        400,
        "INVALID_WINDOW",
        "POST",
        "/v1/sessions",
        session({ notBefore: "9223372036854775807" }),
        adminHeaders,
      );
      await refused(
        400,
        "VALIDATION_FAILED",
        "POST",
        "/v1/sessions",
        session({ notAfter: "9223372036854775808" }),
        adminHeaders,
      );
      await refused(
        400,
        "VALIDATION_FAILED",
        "POST",
        "/v1/sessions",
        session({ maxBitsPerSecond: "99999999999999999999" }),
        adminHeaders,
      );
      await refused(400, "VALIDATION_FAILED", "GET", "/v1/epochs/99999999999999/offload");
      const ok = await call("GET", "/v1/admin/audit-log?before=9223372036854775807", undefined, adminHeaders);
      expect(ok.status, "the int8 maximum itself is fine").to.equal(200);
    });

    it("error: in GraphQL, ids above int8 and NULs are BAD_USER_INPUT, as literals and as variables", async () => {
      for (const r of [
        await gql(`{ epoch(id: "1000000000000000000000000000000") { id } }`),
        await gql(`query($id: ID!) { epoch(id: $id) { id } }`, { id: "1000000000000000000000000000000" }),
        await gql(`{ oracleEpoch(epoch: "9223372036854775808") { status } }`),
        await gql(`query($e: BigInt!) { oracleEpoch(epoch: $e) { status } }`, { e: "9223372036854775808" }),
        await gql(`{ oracleEpochs(status: "a\\u0000b") { edges { cursor } } }`),
        await gql(`query($s: String) { oracleEpochs(status: $s) { edges { cursor } } }`, { s: "a\u0000b" }),
        await gql(`{ auditLog(action: "${"a".repeat(5000)}") { edges { cursor } } }`, undefined, adminHeaders),
      ]) {
        expect(r.codes, JSON.stringify(r.json)).to.deep.equal(["BAD_USER_INPUT"]);
        expect(r.json.errors![0]!.message).to.not.equal("Unexpected error.");
      }
    });

    it("behavior: what the coordinator signs is exactly what was requested, above 2^53 too", async () => {
      const body = session({ maxBitsPerSecond: "9007199254740993", notBefore: "1768046000", notAfter: "1768049000" });
      const a = await call("POST", "/v1/sessions", body, adminHeaders);
      expect(a.status).to.equal(201);
      const g = a.json.grant as Record<string, string>;
      expect(g.maxBitsPerSecond).to.equal("9007199254740993");
      const signed = signTypedMessage({
        domain: DOMAIN,
        primaryType: "SessionGrant",
        message: {
          sessionId: g.sessionId as `0x${string}`,
          viewer: (body.viewer as string).toLowerCase() as `0x${string}`,
          streamId: (body.streamId as string).toLowerCase() as `0x${string}`,
          maxBitsPerSecond: 9_007_199_254_740_993n,
          notBefore: 1_768_046_000n,
          notAfter: 1_768_049_000n,
        },
        privateKey: coordinator.privateKey,
      });
      expect(a.json.signature, "signature over the exact grant").to.equal(signed);
      // As a JSON number the same value would be rounded by a double: refused, not rounded.
      const rounded = await refused(
        400,
        "VALIDATION_FAILED",
        "POST",
        "/v1/sessions",
        toJsonWithRawNumber(session(), "maxBitsPerSecond", "9007199254740993"),
        adminHeaders,
      );
      expect(rounded.json.message).to.include("decimal string");
      // A registration signed over nonce 2^53 + 1 verifies (it was WRONG_SIGNER).
      const other = newKey();
      const reg = await register(app, other, other.address, CURRENT_EPOCH, 9_007_199_254_740_993n);
      expect(reg.statusCode, reg.body).to.equal(201);
      expect(reg.json<{ payouts: { nonce: string }[] }>().payouts[0]!.nonce).to.equal("9007199254740993");
    });

    it("error: no coercion — hex, leading zeros, booleans, arrays for scalars, strings for booleans, null", async () => {
      for (const v of ["0x10", "0100", true, ["8000000"], 1.5, "1e3", "-1", " 1", null])
        await refused(400, "VALIDATION_FAILED", "POST", "/v1/sessions", session({ maxBitsPerSecond: v }), adminHeaders);
      await refused(
        400,
        "VALIDATION_FAILED",
        "POST",
        "/v1/sessions",
        session({ viewer: [newKey().address] }),
        adminHeaders,
      );
      for (const founder of ["false", 0, 1, null, ["true"]])
        await refused(
          400,
          "VALIDATION_FAILED",
          "PUT",
          `/v1/admin/supporters/${node.address}/founder`,
          { founder },
          adminHeaders,
        );
      for (const raw of ['{"founder":1.0}', '{"founder":true,"founder2":false}'])
        await refused(
          400,
          "VALIDATION_FAILED",
          "PUT",
          `/v1/admin/supporters/${node.address}/founder`,
          raw,
          adminHeaders,
        );
      for (const epoch of ["0x10", "0100", "true", "1.0", "-1"])
        await refused(
          400,
          "VALIDATION_FAILED",
          "GET",
          `/v1/admin/flag-overrides?epoch=${epoch}`,
          undefined,
          adminHeaders,
        );
      await refused(
        400,
        "VALIDATION_FAILED",
        "GET",
        "/v1/admin/flag-overrides?epoch=1&epoch=2",
        undefined,
        adminHeaders,
      );
      for (const limit of ["0100", "0x10", "true", "501", "0"])
        await refused(400, "VALIDATION_FAILED", "GET", `/v1/admin/audit-log?limit=${limit}`, undefined, adminHeaders);
      await refused(400, "VALIDATION_FAILED", "POST", "/v1/receipts", { receipts: null });
      await refused(400, "VALIDATION_FAILED", "POST", "/v1/heartbeats", { heartbeats: null });
    });

    it("error: unknown fields are 400 VALIDATION_FAILED naming the field, never silently dropped", async () => {
      const a = await refused(
        400,
        "VALIDATION_FAILED",
        "POST",
        "/v1/sessions",
        session({ founder: true }),
        adminHeaders,
      );
      expect(a.json.message).to.include('"founder"');
      const r = await refused(400, "VALIDATION_FAILED", "POST", "/v1/receipts", { receipts: [{}], admin: true });
      expect(r.json.message).to.include('"admin"');
      await refused(
        400,
        "VALIDATION_FAILED",
        "GET",
        "/v1/admin/flag-overrides?epoch=1&admin=true",
        undefined,
        adminHeaders,
      );
      // An unknown field inside a receipt rejects that receipt (MALFORMED), stores nothing.
      const viewer = newKey();
      const sessionId = await grant(app, viewer.address);
      const item = {
        ...signedReceipt(viewer, { sessionId, supporter: node.address, seq: 1n, cumulativeBytes: 1n }),
        admin: true,
      };
      const before = await storedState(db);
      const batch = await call("POST", "/v1/receipts", { receipts: [item] });
      expect(batch.status).to.equal(200);
      expect((batch.json as unknown as BatchBody).results[0]).to.include({ status: "rejected", code: "MALFORMED" });
      expect(await storedState(db)).to.equal(before);
    });

    it("error: a __proto__ or constructor.prototype key is refused as such, not as invalid JSON", async () => {
      for (const raw of [
        '{"__proto__":{"admin":true},"name":"x","scopes":["*"]}',
        '{"name":"x","scopes":["*"],"constructor":{"prototype":{"a":1}}}',
      ]) {
        const a = await refused(400, "VALIDATION_FAILED", "POST", "/v1/admin/api-keys", raw, adminHeaders);
        expect(a.json.message).to.match(/__proto__|constructor\.prototype/);
        expect(a.json.message).to.not.match(/not valid JSON|invalid/i);
      }
      const bad = await refused(400, "MALFORMED_JSON", "POST", "/v1/receipts", '{"receipts":[');
      expect(bad.json.message).to.include("not valid JSON");
    });

    it("error: one not-found code — unknown route, supporter, dataset, flag, key and (GraphQL) epoch are all NOT_FOUND", async () => {
      await refused(404, "NOT_FOUND", "GET", "/v1/nothing-here");
      await refused(404, "NOT_FOUND", "GET", `/v1/supporters/${newKey().address}`);
      await refused(404, "NOT_FOUND", "GET", "/v1/epochs/7/dataset");
      await refused(404, "NOT_FOUND", "DELETE", "/v1/admin/feature-flags/nope", undefined, adminHeaders);
      await refused(404, "NOT_FOUND", "DELETE", "/v1/admin/api-keys/knope", undefined, adminHeaders);
      await refused(404, "NOT_FOUND", "POST", "/v1/admin/epochs/3/close", undefined, adminHeaders);
      const g = await gql(`mutation { closeEpoch(epoch: "3") { status } }`, undefined, adminHeaders);
      expect(g.codes).to.deep.equal(["NOT_FOUND"]);
    });

    it("behavior: the same GraphQL input error has one code and one HTTP status, literal or variable, whatever Accept says", async () => {
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const answers = [];
        for (const [query, variables] of [
          [`{ oracleEpoch(epoch: "0x10") { status } }`, undefined],
          [`query($e: BigInt!) { oracleEpoch(epoch: $e) { status } }`, { e: "0x10" }],
          [`{ oracleEpoch(epoch: true) { status } }`, undefined],
          [`query($e: BigInt!) { oracleEpoch(epoch: $e) { status } }`, { e: true }],
          [`{ oracleEpochs(first: "5") { edges { cursor } } }`, undefined],
          [`query($f: Int) { oracleEpochs(first: $f) { edges { cursor } } }`, { f: "5" }],
        ] as const) {
          const res = await fetch(`${base}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", accept },
            body: JSON.stringify({ query, variables }),
          });
          const json = (await res.json()) as { errors: { extensions: { code: string } }[] };
          answers.push([res.status, json.errors[0]!.extensions.code]);
        }
        expect(answers, accept).to.deep.equal(Array.from({ length: 6 }, () => [400, "BAD_USER_INPUT"]));
      }
    });

    it("default: introspection is off in production unless LEDGER_GRAPHQL_INTROSPECTION turns it on", async () => {
      expect(introspectionFromEnv({ NODE_ENV: "production" })).to.equal(false);
      expect(introspectionFromEnv({ NODE_ENV: "production", LEDGER_GRAPHQL_INTROSPECTION: "true" })).to.equal(true);
      expect(introspectionFromEnv({ LEDGER_GRAPHQL_INTROSPECTION: "false" })).to.equal(false);
      expect(introspectionFromEnv({})).to.equal(true);
      expect(() => introspectionFromEnv({ LEDGER_GRAPHQL_INTROSPECTION: "yes" })).to.throw(/true.*false/);
      const prod = await makeApp(db, pool, { graphql: { introspection: false, graphiql: false } });
      try {
        const url = await prod.listen({ host: "127.0.0.1", port: 0 });
        const res = await fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ __schema { types { name } } }" }),
        });
        expect(res.status).to.equal(400);
        const body = (await res.json()) as { errors: { message: string }[]; data?: unknown };
        expect(body.data).to.equal(undefined);
        expect(body.errors[0]!.message).to.match(/introspection/i);
      } finally {
        await prod.close();
      }
      expect((await gql("{ __schema { queryType { name } } }")).json.data).to.deep.equal({
        __schema: { queryType: { name: "Query" } },
      });
    });

    it("error: aliases count toward the cost limit — 1 000 aliases of reconciliation are refused at once", async () => {
      const query = `{ ${Array.from({ length: 1000 }, (_, i) => `r${i}: reconciliation { solvent }`).join(" ")} }`;
      const t0 = performance.now();
      const r = await gql(query);
      expect(performance.now() - t0).to.be.below(1000);
      expect(r.status).to.equal(400);
      expect(r.codes).to.deep.equal(["QUERY_TOO_COMPLEX"]);
      expect(r.json.data).to.equal(undefined);
      expect((await gql(`{ a: reconciliation { solvent } b: reconciliation { solvent } }`)).codes).to.deep.equal([]);
    });

    it("error: a chunked 10 MB body is answered 413 BODY_TOO_LARGE, not a connection reset", async () => {
      const chunk = new TextEncoder().encode(`{"receipts":[${"1,".repeat(32_768)}`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 10 * 1_048_576) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(`${base}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect(res.status).to.equal(413);
      expect(((await res.json()) as { code: string }).code).to.equal("BODY_TOO_LARGE");
      // …and the server keeps answering on its next connection.
      expect((await call("GET", "/healthz")).status).to.equal(200);
    });

    it("error: a key holding only admin:api-keys mints only admin:api-keys keys; a * key mints anything", async () => {
      const limited = await call(
        "POST",
        "/v1/admin/api-keys",
        { name: "keys", scopes: ["admin:api-keys"] },
        adminHeaders,
      );
      expect(limited.status).to.equal(201);
      const limitedKey = { authorization: `Bearer ${limited.json.key as string}` };
      for (const scopes of [["*"], ["admin:read"], ["admin:api-keys", "admin:epochs"], ["sessions:write"]]) {
        const a = await refused(403, "FORBIDDEN", "POST", "/v1/admin/api-keys", { name: "up", scopes }, limitedKey);
        expect(a.json.message).to.include(scopes.filter((x) => x !== "admin:api-keys").join(", "));
      }
      const same = await call("POST", "/v1/admin/api-keys", { name: "same", scopes: ["admin:api-keys"] }, limitedKey);
      expect(same.status).to.equal(201);
      const star = await call("POST", "/v1/admin/api-keys", { name: "star", scopes: ["*"] }, adminHeaders);
      expect(star.status).to.equal(201);
      const any = await call(
        "POST",
        "/v1/admin/api-keys",
        { name: "any", scopes: ["admin:read", "admin:epochs"] },
        {
          authorization: `Bearer ${star.json.key as string}`,
        },
      );
      expect(any.status).to.equal(201);
      expect(any.json.scopes).to.deep.equal(["admin:read", "admin:epochs"]);
    });

    it("error: made-up keys get no fresh rate-limit budget; only a verified key has a bucket of its own", async () => {
      const limitedApp = await makeApp(db, pool, { rateLimitPerMinute: 3 });
      try {
        const url = await limitedApp.listen({ host: "127.0.0.1", port: 0 });
        const get = (headers: Record<string, string> = {}) => fetch(`${url}/v1/epochs/1/offload`, { headers });
        for (let i = 0; i < 3; i++) expect((await get()).status).to.equal(200);
        expect((await get()).status, "the IP is limited").to.equal(429);
        for (let i = 0; i < 5; i++) {
          const res = await get({ authorization: `Bearer made-up-${i}` });
          expect(res.status, `made-up-${i}`).to.equal(429);
          expect(((await res.json()) as { code: string }).code).to.equal("RATE_LIMITED");
        }
        expect((await get({ "x-api-key": "another-made-up" })).status).to.equal(429);
        // A real key counts against its own bucket, not the IP's.
        expect((await get({ authorization: `Bearer ${ADMIN_KEY}` })).status).to.equal(200);
      } finally {
        await limitedApp.close();
      }
    });
  });
}

/** JSON text of `body` with `field` written as a raw number token (JSON.stringify cannot write 2^53 + 1). */
function toJsonWithRawNumber(body: Record<string, unknown>, field: string, digits: string): string {
  return JSON.stringify({ ...body, [field]: "__RAW__" }).replace('"__RAW__"', digits);
}
