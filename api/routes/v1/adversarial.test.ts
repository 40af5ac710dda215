import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { createVerifyPool, type VerifyPool } from "../../../core/verify-pool.ts";
import type { Db } from "../../../db/types.ts";
import { testBackends } from "../../../test/helpers/db.ts";
import { receiptTotals } from "../../repositories/receipts.ts";
import {
  DOMAIN,
  NOW_S,
  adminHeaders,
  grant,
  makeApp,
  newKey,
  register,
  signedReceipt,
  type BatchBody,
  type Key,
  type WireReceipt,
} from "../../testing/fixtures.ts";

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
