import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";

import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { heartbeatCount } from "../repositories/heartbeats.ts";
import { receiptTotals, receiptsOf } from "../repositories/receipts.ts";
import {
  CURRENT_EPOCH,
  DOMAIN,
  EPOCH_SECONDS,
  NOW_MS,
  NOW_S,
  grant,
  makeApp,
  newKey,
  register,
  signedHeartbeat,
  signedReceipt,
  type BatchBody,
  type Key,
  type WireReceipt,
} from "../testing/fixtures.ts";

for (const backend of testBackends()) {
  describe(`POST /v1/receipts and /v1/heartbeats (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let supporter: Key;
    let viewer: Key;
    let sessionId: `0x${string}`;

    const post = async (receipts: unknown[]) => {
      const res = await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts } });
      return { status: res.statusCode, body: res.json<BatchBody>() };
    };

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      supporter = newKey();
      viewer = newKey();
      expect((await register(app, supporter, newKey().address)).statusCode).to.equal(201);
      sessionId = await grant(app, viewer.address);
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    it("default: accepts a receipt, counts its bytes and stores it with its signature", async () => {
      const r = signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 1n, cumulativeBytes: 1_000n });
      const { status, body } = await post([r]);
      expect(status).to.equal(200);
      expect(body).to.include({ accepted: 1, duplicate: 0, rejected: 0 });
      expect(body.results[0]).to.include({ index: 0, status: "accepted", countedBytes: "1000" });
      expect(body.results[0]!.id).to.match(/^0x[0-9a-f]{64}$/);
      const rows = await receiptsOf(db, sessionId, supporter.address);
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ epoch: CURRENT_EPOCH, verdict: "accepted", signature: r.signature });
      expect(rows[0]!.deltaBytes).to.equal(1_000n);
    });

    it("behavior: a replay is a duplicate and stores nothing", async () => {
      const r = signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 1n, cumulativeBytes: 1_000n });
      const before = await receiptTotals(db);
      const { body } = await post([r, r]);
      expect(body).to.include({ accepted: 0, duplicate: 2, rejected: 0 });
      expect(body.results.map((x) => x.code)).to.deep.equal(["DUPLICATE", "DUPLICATE"]);
      expect(await receiptTotals(db)).to.deep.equal(before);
    });

    it("behavior: only the increase counts; lower cumulative with a newer seq is NON_MONOTONIC and counts nothing", async () => {
      const batch = [
        signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 2n, cumulativeBytes: 2_500n }),
        signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 3n, cumulativeBytes: 2_000n }),
        signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 4n, cumulativeBytes: 4_000n }),
      ];
      const { body } = await post(batch);
      expect(body.results.map((x) => [x.status, x.code ?? x.countedBytes])).to.deep.equal([
        ["accepted", "1500"],
        ["duplicate", "NON_MONOTONIC"],
        ["accepted", "1500"],
      ]);
      const rows = await receiptsOf(db, sessionId, supporter.address);
      expect(rows.map((r) => [r.seq, r.verdict, r.reason, r.deltaBytes])).to.deep.equal([
        [1n, "accepted", null, 1_000n],
        [2n, "accepted", null, 1_500n],
        [3n, "duplicate", "NON_MONOTONIC", 0n],
        [4n, "accepted", null, 1_500n],
      ]);
      expect((await receiptTotals(db)).deltaBytes).to.equal(4_000n);
    });

    it("behavior: per-item verdicts in one batch, rejected items store nothing", async () => {
      const other = newKey();
      const unregistered = newKey();
      const laterSession = await grant(app, viewer.address, { notBefore: NOW_S - 100n, notAfter: NOW_S + 100n });
      const good = signedReceipt(viewer, {
        sessionId,
        supporter: supporter.address,
        seq: 10n,
        cumulativeBytes: 10_000n,
      });
      const badSig = {
        ...signedReceipt(other, { sessionId, supporter: supporter.address, seq: 11n, cumulativeBytes: 11_000n }),
        viewer: viewer.address,
      };
      const noGrant = signedReceipt(viewer, {
        sessionId: `0x${"ab".repeat(32)}`,
        supporter: supporter.address,
        seq: 1n,
        cumulativeBytes: 1n,
      });
      const wrongViewer = signedReceipt(other, {
        sessionId,
        supporter: supporter.address,
        seq: 12n,
        cumulativeBytes: 12_000n,
      });
      const expired = signedReceipt(viewer, {
        sessionId: laterSession,
        supporter: supporter.address,
        seq: 1n,
        cumulativeBytes: 5n,
        timestamp: NOW_S - 3600n,
      });
      const unreg = signedReceipt(viewer, { sessionId, supporter: unregistered.address, seq: 1n, cumulativeBytes: 5n });
      const wrongChain = signedReceipt(
        viewer,
        { sessionId, supporter: supporter.address, seq: 13n, cumulativeBytes: 13_000n },
        { ...DOMAIN, chainId: 1 },
      );
      const claimedWrongDomain = { ...good, domain: { chainId: 10 } };
      const future = signedReceipt(viewer, {
        sessionId,
        supporter: supporter.address,
        seq: 14n,
        cumulativeBytes: 14_000n,
        timestamp: NOW_S + 3600n,
      });
      const malformed = { ...good, cumulativeBytes: "-5" };
      const tooOld = signedReceipt(viewer, {
        sessionId,
        supporter: supporter.address,
        seq: 15n,
        cumulativeBytes: 15_000n,
        timestamp: NOW_S - 8n * 86_400n,
      });
      const before = await receiptTotals(db);
      const { status, body } = await post([
        good,
        badSig,
        noGrant,
        wrongViewer,
        expired,
        unreg,
        wrongChain,
        claimedWrongDomain,
        future,
        malformed,
        42,
        tooOld,
      ]);
      expect(status).to.equal(200);
      expect(body.results.map((x) => x.code ?? x.status)).to.deep.equal([
        "accepted",
        "INVALID_SIGNATURE",
        "NO_GRANT",
        "NO_GRANT",
        "GRANT_EXPIRED",
        "UNREGISTERED",
        "INVALID_SIGNATURE",
        "WRONG_DOMAIN",
        "TIMESTAMP_IN_FUTURE",
        "MALFORMED",
        "MALFORMED",
        "TIMESTAMP_TOO_OLD",
      ]);
      expect(body).to.include({ accepted: 1, duplicate: 0, rejected: 11 });
      for (const r of body.results.slice(1)) expect(r.message).to.be.a("string").and.not.empty;
      const after = await receiptTotals(db);
      expect(after.rows).to.equal(before.rows + 1n);
    });

    it("error: a high-s (malleable) signature is rejected with its own code", async () => {
      const r = signedReceipt(viewer, { sessionId, supporter: supporter.address, seq: 20n, cumulativeBytes: 20_000n });
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(`0x${r.signature.slice(66, 130)}`);
      const v = parseInt(r.signature.slice(130), 16);
      const twin = `0x${r.signature.slice(2, 66)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
      const { body } = await post([{ ...r, signature: twin }]);
      expect(body.results[0]).to.include({ status: "rejected", code: "MALLEABLE_SIGNATURE" });
    });

    it("error: a receipt for a closed epoch is rejected with EPOCH_CLOSED", async () => {
      const yesterday = NOW_S - BigInt(EPOCH_SECONDS);
      const s2 = await grant(app, viewer.address, { notBefore: yesterday - 100n, notAfter: NOW_S + 100n });
      // `supporter` is registered from today: yesterday's receipt would be UNREGISTERED at close
      const early = signedReceipt(viewer, {
        sessionId: s2,
        supporter: supporter.address,
        seq: 1n,
        cumulativeBytes: 7n,
        timestamp: yesterday,
      });
      expect((await post([early])).body.results[0]).to.include({ status: "rejected", code: "UNREGISTERED" });
      // a node registered yesterday (through an app whose clock says yesterday)
      const veteran = newKey();
      const yesterdayApp = await makeApp(db, pool, { now: () => NOW_MS - EPOCH_SECONDS * 1000 });
      try {
        expect((await register(yesterdayApp, veteran, newKey().address, CURRENT_EPOCH - 1)).statusCode).to.equal(201);
      } finally {
        await yesterdayApp.close();
      }
      const r1 = signedReceipt(viewer, {
        sessionId: s2,
        supporter: veteran.address,
        seq: 1n,
        cumulativeBytes: 7n,
        timestamp: yesterday,
      });
      expect((await post([r1])).body.results[0]!.status).to.equal("accepted");
      // as the oracle's close would (the oracle owns the lifecycle; the test plays its part)
      await db.query("UPDATE epochs SET status = 'CLOSED' WHERE number = $1", [CURRENT_EPOCH - 1]);
      const r2 = signedReceipt(viewer, {
        sessionId: s2,
        supporter: veteran.address,
        seq: 2n,
        cumulativeBytes: 9n,
        timestamp: yesterday + 1n,
      });
      expect((await post([r2])).body.results[0]).to.include({ status: "rejected", code: "EPOCH_CLOSED" });
      // the same session keeps counting in the open epoch, from where it stood
      const r3 = signedReceipt(viewer, { sessionId: s2, supporter: veteran.address, seq: 3n, cumulativeBytes: 10n });
      expect((await post([r3])).body.results[0]).to.include({ status: "accepted", countedBytes: "3" });
    });

    it("error: an empty batch, more than 1 000 items, or a non-JSON body is a 4xx with a stable code", async () => {
      expect((await post([])).status).to.equal(400);
      const tooMany = await post(Array.from({ length: 1001 }, () => ({})));
      expect(tooMany.status).to.equal(400);
      expect(tooMany.body).to.have.property("code", "VALIDATION_FAILED");
      const res = await app.inject({
        method: "POST",
        url: "/v1/receipts",
        payload: "{nope",
        headers: { "content-type": "application/json" },
      });
      expect(res.statusCode).to.equal(400);
      expect(res.json()).to.have.property("code", "MALFORMED_JSON");
      const huge = await app.inject({
        method: "POST",
        url: "/v1/receipts",
        payload: `{"receipts":["${"x".repeat(3_000_000)}"]}`,
        headers: { "content-type": "application/json" },
      });
      expect(huge.statusCode).to.equal(413);
      expect(huge.json()).to.have.property("code", "BODY_TOO_LARGE");
    });

    it("default: heartbeats are accepted once, replays are duplicates, unknown nodes rejected", async () => {
      const stranger = newKey();
      const hb = signedHeartbeat(supporter);
      const res = await app.inject({
        method: "POST",
        url: "/v1/heartbeats",
        payload: {
          heartbeats: [
            hb,
            hb,
            signedHeartbeat(stranger),
            { ...hb, timestamp: (NOW_S - 31n).toString() },
            signedHeartbeat(supporter, NOW_S - 8n * 86_400n),
          ],
        },
      });
      expect(res.statusCode).to.equal(200);
      const body = res.json<BatchBody>();
      expect(body.results.map((r) => r.code ?? r.status)).to.deep.equal([
        "accepted",
        "DUPLICATE",
        "UNREGISTERED",
        "INVALID_SIGNATURE",
        "TIMESTAMP_TOO_OLD",
      ]);
      expect(await heartbeatCount(db, supporter.address)).to.equal(1);
      const again = (
        await app.inject({ method: "POST", url: "/v1/heartbeats", payload: { heartbeats: [hb] } })
      ).json<BatchBody>();
      expect(again.results[0]).to.include({ status: "duplicate", code: "DUPLICATE" });
      expect(await heartbeatCount(db, supporter.address)).to.equal(1);
    });

    it("behavior: /metrics counts ingested items and rejections by reason", async () => {
      const res = await app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.include("text/plain");
      expect(res.body).to.include('ledger_ingest_items_total{kind="receipt",verdict="accepted"}');
      expect(res.body).to.include('ledger_ingest_rejections_total{kind="receipt",reason="NO_GRANT"}');
      expect(res.body).to.include("ledger_http_request_duration_seconds_bucket");
      expect(res.body).to.include('ledger_ingest_batch_duration_seconds_count{kind="receipt",stage="store"}');
    });

    it("behavior: supporter bytes and CDN bytes give the offload ratio", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/admin/cdn-usage",
        headers: { authorization: "Bearer test-admin-key-0123456789abcdefghijklmnop" },
        payload: { epoch: CURRENT_EPOCH, servedBytes: "1000000" },
      });
      expect(res.statusCode).to.equal(200);
      const o = (await app.inject({ method: "GET", url: `/v1/epochs/${CURRENT_EPOCH}/offload` })).json<
        Record<string, string>
      >();
      const s = BigInt(o.supporterBytes!);
      expect(s > 0n).to.equal(true);
      expect(o.cdnBytes).to.equal("1000000");
      expect(o.offloadBps).to.equal(((s * 10_000n) / (s + 1_000_000n)).toString());
    });

    it("behavior: receipts for many sessions and supporters in one batch", async () => {
      const supporters: Key[] = [newKey(), newKey(), newKey()];
      for (const s of supporters) await register(app, s, s.address);
      const viewers = [newKey(), newKey()];
      const sessions = await Promise.all(viewers.map((v) => grant(app, v.address)));
      const batch: WireReceipt[] = [];
      for (let seq = 1n; seq <= 5n; seq++)
        for (const s of supporters)
          viewers.forEach((v, i) =>
            batch.push(
              signedReceipt(v, { sessionId: sessions[i]!, supporter: s.address, seq, cumulativeBytes: seq * 100n }),
            ),
          );
      const { body } = await post(batch);
      expect(body.accepted).to.equal(30);
      expect(body.results.every((r) => r.countedBytes === "100")).to.equal(true);
    });
  });
}
