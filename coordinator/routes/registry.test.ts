import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Hex } from "../../core/hex.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { listAudit } from "../repositories/audit.ts";
import {
  ADMIN_KEY,
  CURRENT_EPOCH,
  DOMAIN,
  adminHeaders,
  makeApp,
  newKey,
  randomHex32,
  register,
} from "../testing/fixtures.ts";

type Supporter = {
  status: string;
  node: string;
  founder: boolean;
  currentEpoch: number;
  payouts: { payoutAddress: string; effectiveEpoch: number; nonce: string }[];
};
type GrantBody = {
  grant: { sessionId: Hex; viewer: string; notBefore: string; notAfter: string; maxBitsPerSecond: string };
  signature: Hex;
  coordinator: string;
  domain: { chainId: number; verifyingContract: string; name: string };
};

for (const backend of testBackends()) {
  describe(`supporters, sessions and admin (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      base = await app.listen({ host: "127.0.0.1", port: 0 });
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    const admin = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, key = ADMIN_KEY) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    describe("POST /v1/supporters", () => {
      it("default: registers a node over real HTTP; a replay is unchanged", async () => {
        const node = newKey();
        const payout = newKey().address;
        const message = { node: node.address, payout, effectiveEpoch: BigInt(CURRENT_EPOCH), nonce: 1n };
        const { signTypedMessage } = await import("../../core/sign.ts");
        const signature = signTypedMessage({
          domain: DOMAIN,
          primaryType: "SupporterRegistration",
          message,
          privateKey: node.privateKey,
        });
        const body = JSON.stringify({ node: node.address, payout, effectiveEpoch: CURRENT_EPOCH, nonce: 1, signature });
        const res = await fetch(`${base}/v1/supporters`, {
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        });
        expect(res.status).to.equal(201);
        const json = (await res.json()) as Supporter;
        expect(json).to.include({
          status: "registered",
          node: node.address.toLowerCase(),
          founder: false,
          currentEpoch: CURRENT_EPOCH,
        });
        expect(json.payouts).to.deep.equal([
          {
            payoutAddress: payout.toLowerCase(),
            effectiveEpoch: CURRENT_EPOCH,
            nonce: "1",
            submittedEpoch: CURRENT_EPOCH,
          },
        ]);
        const again = await fetch(`${base}/v1/supporters`, {
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        });
        expect(again.status).to.equal(200);
        expect(((await again.json()) as Supporter).status).to.equal("unchanged");
        const got = await fetch(`${base}/v1/supporters/${node.address}`);
        expect(((await got.json()) as Supporter).payouts).to.have.length(1);
      });

      it("behavior: a payout change needs a higher nonce and takes effect from the next epoch", async () => {
        const node = newKey();
        await register(app, node, newKey().address);
        const next = newKey().address;
        const tooEarly = await register(app, node, next, CURRENT_EPOCH, 2n);
        expect(tooEarly.statusCode).to.equal(409);
        expect(tooEarly.json()).to.include({ code: "PAYOUT_CHANGE_TOO_EARLY" });
        const reused = await register(app, node, next, CURRENT_EPOCH + 1, 1n);
        expect(reused.json()).to.include({ code: "NONCE_REUSED" });
        const ok = await register(app, node, next, CURRENT_EPOCH + 1, 2n);
        expect(ok.statusCode).to.equal(200);
        const body = ok.json<Supporter>();
        expect(body.status).to.equal("scheduled");
        expect(body.payouts.map((p) => [p.payoutAddress, p.effectiveEpoch])).to.deep.equal([
          [body.payouts[0]!.payoutAddress, CURRENT_EPOCH],
          [next.toLowerCase(), CURRENT_EPOCH + 1],
        ]);
      });

      it("error: a registration not signed by the node key, or for another chain, is refused and stores nothing", async () => {
        const node = newKey();
        const impostor = newKey();
        const message = {
          node: node.address,
          payout: impostor.address,
          effectiveEpoch: BigInt(CURRENT_EPOCH),
          nonce: 1n,
        };
        const { signTypedMessage } = await import("../../core/sign.ts");
        const forged = signTypedMessage({
          domain: DOMAIN,
          primaryType: "SupporterRegistration",
          message,
          privateKey: impostor.privateKey,
        });
        const res = await app.inject({
          method: "POST",
          url: "/v1/supporters",
          payload: { ...message, effectiveEpoch: CURRENT_EPOCH, nonce: 1, signature: forged },
        });
        expect(res.statusCode).to.equal(400);
        expect(res.json()).to.include({ code: "INVALID_SIGNATURE" });
        const otherChain = await register(app, node, impostor.address, CURRENT_EPOCH, 1n, { ...DOMAIN, chainId: 10 });
        expect(otherChain.json()).to.include({ code: "INVALID_SIGNATURE" });
        expect((await app.inject({ method: "GET", url: `/v1/supporters/${node.address}` })).statusCode).to.equal(404);
        const bad = await app.inject({ method: "POST", url: "/v1/supporters", payload: { node: "0x12" } });
        expect(bad.statusCode).to.equal(400);
        expect(bad.json()).to.include({ code: "VALIDATION_FAILED" });
      });
    });

    describe("POST /v1/sessions", () => {
      it("default: issues a grant signed by the coordinator key, verifiable with core", async () => {
        const viewer = newKey().address;
        const res = await admin("POST", "/v1/sessions", {
          viewer,
          streamId: randomHex32(),
          maxBitsPerSecond: 6_000_000,
        });
        expect(res.statusCode).to.equal(201);
        const body = res.json<GrantBody>();
        expect(body.domain).to.include({
          chainId: DOMAIN.chainId,
          verifyingContract: DOMAIN.verifyingContract,
          name: "StreamrP2P RewardsDistributor",
        });
        expect(body.coordinator).to.equal(app.coordinator.address);
        const { verifyTypedMessages } = await import("../../core/verify.ts");
        const [v] = verifyTypedMessages({
          domain: DOMAIN,
          primaryType: "SessionGrant",
          expectedSigner: app.coordinator.address,
          items: [
            {
              message: {
                sessionId: body.grant.sessionId,
                viewer: body.grant.viewer as Hex,
                streamId: (body.grant as unknown as { streamId: Hex }).streamId,
                maxBitsPerSecond: BigInt(body.grant.maxBitsPerSecond),
                notBefore: BigInt(body.grant.notBefore),
                notAfter: BigInt(body.grant.notAfter),
              },
              signature: body.signature,
            },
          ],
        });
        expect(v!.valid).to.equal(true);
        expect(BigInt(body.grant.notAfter) - BigInt(body.grant.notBefore)).to.equal(6n * 3600n);
      });

      it("behavior: a client-chosen session id is idempotent; other parameters are a 409", async () => {
        const sessionId = randomHex32();
        const payload = {
          sessionId,
          viewer: newKey().address,
          streamId: randomHex32(),
          maxBitsPerSecond: "1000",
          notBefore: "1768046400",
          notAfter: "1768050000",
        };
        const first = await admin("POST", "/v1/sessions", payload);
        expect(first.statusCode).to.equal(201);
        const second = await admin("POST", "/v1/sessions", payload);
        expect(second.statusCode).to.equal(200);
        expect(second.json<GrantBody>().signature).to.equal(first.json<GrantBody>().signature);
        const clash = await admin("POST", "/v1/sessions", { ...payload, maxBitsPerSecond: "2000" });
        expect(clash.statusCode).to.equal(409);
        expect(clash.json()).to.include({ code: "SESSION_EXISTS" });
      });

      it("error: without a key 401, unknown key 401, key without scope 403, bad window 400", async () => {
        const payload = { viewer: newKey().address, streamId: randomHex32(), maxBitsPerSecond: 1 };
        const none = await app.inject({ method: "POST", url: "/v1/sessions", payload });
        expect(none.statusCode).to.equal(401);
        expect(none.json()).to.include({ code: "UNAUTHORIZED" });
        const unknown = await admin("POST", "/v1/sessions", payload, "lk_nope_nope");
        expect(unknown.statusCode).to.equal(401);
        const created = await admin("POST", "/v1/admin/api-keys", { name: "reader", scopes: ["admin:read"] });
        const readerKey = created.json<{ key: string }>().key;
        const forbidden = await admin("POST", "/v1/sessions", payload, readerKey);
        expect(forbidden.statusCode).to.equal(403);
        expect(forbidden.json()).to.include({ code: "FORBIDDEN" });
        const window = await admin("POST", "/v1/sessions", { ...payload, notBefore: 100, notAfter: 50 });
        expect(window.statusCode).to.equal(400);
        expect(window.json()).to.include({ code: "INVALID_WINDOW" });
      });
    });

    describe("admin", () => {
      it("default: API keys are created with scopes, listed without secrets, revoked; each action audited", async () => {
        const created = await admin("POST", "/v1/admin/api-keys", { name: "platform", scopes: ["sessions:write"] });
        expect(created.statusCode).to.equal(201);
        const { id, key } = created.json<{ id: string; key: string }>();
        expect(key).to.match(/^lk_/);
        const list = await admin("GET", "/v1/admin/api-keys");
        expect(list.body).to.not.include(key);
        expect(list.json<{ id: string }[]>().map((k) => k.id)).to.include(id);
        const session = { viewer: newKey().address, streamId: randomHex32(), maxBitsPerSecond: 1 };
        expect((await admin("POST", "/v1/sessions", session, key)).statusCode).to.equal(201);
        expect((await admin("DELETE", `/v1/admin/api-keys/${id}`)).statusCode).to.equal(200);
        expect((await admin("POST", "/v1/sessions", session, key)).statusCode).to.equal(401);
        expect((await admin("DELETE", "/v1/admin/api-keys/missing")).statusCode).to.equal(404);
        const actions = (await listAudit(db, { limit: 100 })).filter((a) => a.subject === id).map((a) => a.action);
        expect(actions).to.deep.equal(["api_key.revoke", "api_key.create"]);
        // a key with admin:api-keys only cannot touch rate cards
        const keys = await admin("POST", "/v1/admin/api-keys", { name: "keys", scopes: ["admin:api-keys"] });
        const limited = keys.json<{ key: string }>().key;
        expect((await admin("GET", "/v1/admin/rate-cards", undefined, limited)).statusCode).to.equal(403);
      });

      it("default: rate cards are versioned with increasing effective epochs, from the epoch after next", async () => {
        const card = {
          effectiveEpoch: CURRENT_EPOCH + 2,
          rateMicroUsdPerGb: "50000",
          founderMultiplierBps: 11_000,
          uptimeBonusBps: 500,
        };
        const first = await admin("POST", "/v1/admin/rate-cards", card);
        expect(first.statusCode).to.equal(201);
        expect(first.json()).to.include({ version: 1, rateMicroUsdPerGb: "50000" });
        const stale = await admin("POST", "/v1/admin/rate-cards", card);
        expect(stale.statusCode).to.equal(409);
        expect(stale.json()).to.include({ code: "RATE_CARD_EPOCH_NOT_INCREASING" });
        const second = await admin("POST", "/v1/admin/rate-cards", {
          ...card,
          effectiveEpoch: CURRENT_EPOCH + 4,
          rateMicroUsdPerGb: "60000",
        });
        expect(second.json()).to.include({ version: 2 });
        const list = await admin("GET", "/v1/admin/rate-cards");
        expect(list.json<{ version: number }[]>().map((c) => c.version)).to.deep.equal([1, 2]);
        const audit = await admin("GET", "/v1/admin/audit-log?action=rate_card.create");
        expect(audit.json<{ subject: string }[]>().map((a) => a.subject)).to.deep.equal(["v2", "v1"]);
        const bad = await admin("POST", "/v1/admin/rate-cards", { ...card, rateMicroUsdPerGb: "0.05" });
        expect(bad.json()).to.include({ code: "VALIDATION_FAILED" });
      });

      it("error: a card for the current or the next epoch is RATE_CARD_NOTICE_TOO_SHORT, naming the earliest epoch", async () => {
        for (const effectiveEpoch of [CURRENT_EPOCH - 1, CURRENT_EPOCH, CURRENT_EPOCH + 1]) {
          const res = await admin("POST", "/v1/admin/rate-cards", {
            effectiveEpoch,
            rateMicroUsdPerGb: "50000",
            founderMultiplierBps: 11_000,
            uptimeBonusBps: 0,
          });
          expect(res.statusCode).to.equal(409);
          expect(res.json()).to.include({ code: "RATE_CARD_NOTICE_TOO_SHORT" });
          expect(res.json<{ message: string }>().message).to.contain(`must be ${CURRENT_EPOCH + 2} or later`);
        }
      });

      it("behavior: the notice is configurable (rateCardNoticeEpochs, LEDGER_RATE_CARD_NOTICE_EPOCHS)", async () => {
        const strict = await makeApp(db, pool, { rateCardNoticeEpochs: 10 });
        try {
          const res = await strict.inject({
            method: "POST",
            url: "/v1/admin/rate-cards",
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
            payload: {
              effectiveEpoch: CURRENT_EPOCH + 9,
              rateMicroUsdPerGb: "1",
              founderMultiplierBps: 10_000,
              uptimeBonusBps: 0,
            },
          });
          expect(res.statusCode).to.equal(409);
          expect(res.json()).to.include({ code: "RATE_CARD_NOTICE_TOO_SHORT" });
          expect(res.json<{ message: string }>().message).to.contain(`must be ${CURRENT_EPOCH + 10} or later`);
        } finally {
          await strict.close();
        }
      });

      it("error: a card core would refuse at epoch close is 400 VALIDATION_FAILED naming the field, and nothing is stored", async () => {
        const before = (await admin("GET", "/v1/admin/rate-cards")).json<unknown[]>().length;
        const card = {
          effectiveEpoch: CURRENT_EPOCH + 10,
          rateMicroUsdPerGb: "50000",
          founderMultiplierBps: 11_000,
          uptimeBonusBps: 0,
        };
        const cases: [Record<string, unknown>, string][] = [
          [{ founderMultiplierBps: 9_999 }, "founderMultiplierBps must be from 10000 (1×)"],
          [{ founderMultiplierBps: 100_001 }, "founderMultiplierBps must be from 10000 (1×) to 100000 (10×)"],
          [{ rateMicroUsdPerGb: "10000001" }, "rateMicroUsdPerGb must be from 0 to 10000000"],
          [{ uptimeBonusBps: 10_001 }, "uptimeBonusBps must be from 0 to 10000"],
          [
            {
              details: {
                uptimeTiers: [
                  { minUptimeBps: "9900", bonusBps: "1000" },
                  { minUptimeBps: "9500", bonusBps: "500" },
                ],
              },
            },
            "details.uptimeTiers[1].minUptimeBps must be above the previous tier's",
          ],
          [
            { details: { uptimeTiers: [{ minUptimeBps: 9_500, bonusBps: 10_001 }] } },
            "details.uptimeTiers[0].bonusBps must be from 0 to 10000",
          ],
          [
            { details: { uptimeTiers: [{ minUptimeBps: "95%", bonusBps: "1" }] } },
            "details.uptimeTiers[0].minUptimeBps",
          ],
          [{ details: { uptimeTiers: "many" } }, "details.uptimeTiers must be a list"],
        ];
        for (const [change, sentence] of cases) {
          const res = await admin("POST", "/v1/admin/rate-cards", { ...card, ...change });
          expect(res.statusCode, JSON.stringify(change)).to.equal(400);
          expect(res.json()).to.include({ code: "VALIDATION_FAILED" });
          expect(res.json<{ message: string }>().message).to.contain(sentence);
        }
        expect((await admin("GET", "/v1/admin/rate-cards")).json<unknown[]>()).to.have.length(before);
      });

      it("default: founder status and feature flags targeted to founders or listed supporters", async () => {
        const founder = newKey();
        const regular = newKey();
        await register(app, founder, founder.address);
        await register(app, regular, regular.address);
        const set = await admin("PUT", `/v1/admin/supporters/${founder.address}/founder`, { founder: true });
        expect(set.json()).to.deep.equal({ node: founder.address.toLowerCase(), founder: true });
        expect(
          (await admin("PUT", `/v1/admin/supporters/${newKey().address}/founder`, { founder: true })).statusCode,
        ).to.equal(404);
        const enabled = async (key: string, who: string) =>
          (await app.inject({ method: "GET", url: `/v1/feature-flags/${key}/supporters/${who}` })).json<{
            enabled: boolean;
          }>().enabled;
        await admin("PUT", "/v1/admin/feature-flags/new-rate-card", { enabled: true, target: "founders" });
        expect([
          await enabled("new-rate-card", founder.address),
          await enabled("new-rate-card", regular.address),
        ]).to.deep.equal([true, false]);
        await admin("PUT", "/v1/admin/feature-flags/new-rate-card", {
          enabled: true,
          target: "listed",
          supporters: [regular.address],
        });
        expect([
          await enabled("new-rate-card", founder.address),
          await enabled("new-rate-card", regular.address),
        ]).to.deep.equal([false, true]);
        await admin("PUT", "/v1/admin/feature-flags/new-rate-card", { enabled: false, target: "all" });
        expect(await enabled("new-rate-card", regular.address)).to.equal(false);
        expect(await enabled("no-such-flag", regular.address)).to.equal(false);
        const empty = await admin("PUT", "/v1/admin/feature-flags/x", { enabled: true, target: "listed" });
        expect(empty.statusCode).to.equal(400);
        expect((await admin("GET", "/v1/admin/feature-flags")).json<unknown[]>()).to.have.length(1);
        expect((await admin("DELETE", "/v1/admin/feature-flags/new-rate-card")).statusCode).to.equal(204);
        const actions = (await listAudit(db, { limit: 500 })).map((a) => a.action);
        expect(actions).to.include.members(["supporter.founder.set", "feature_flag.set", "feature_flag.delete"]);
      });

      it("default: flag overrides and CDN usage are stored and audited", async () => {
        const node = newKey().address;
        const o = await admin("POST", "/v1/admin/flag-overrides", {
          epoch: 5,
          node,
          reasonCode: "OUTLIER",
          decision: "include",
          note: "checked the CDN logs",
        });
        expect(o.statusCode).to.equal(201);
        expect(o.json()).to.include({ epoch: 5, decision: "include", reasonCode: "OUTLIER" });
        expect((await admin("GET", "/v1/admin/flag-overrides?epoch=5")).json<unknown[]>()).to.have.length(1);
        const c1 = await admin("POST", "/v1/admin/cdn-usage", { epoch: 5, servedBytes: "1000" });
        expect(c1.json()).to.include({ previousBytes: null, servedBytes: "1000", provider: "default" });
        const c2 = await admin("POST", "/v1/admin/cdn-usage", { epoch: 5, servedBytes: "2000" });
        expect(c2.json()).to.include({ previousBytes: "1000" });
        const audit = await listAudit(db, { action: "cdn_usage.report", limit: 10 });
        expect(audit.map((a) => a.details.servedBytes)).to.deep.equal(["2000", "1000"]);
        expect(
          (
            await admin("POST", "/v1/admin/flag-overrides", {
              epoch: 5,
              node,
              reasonCode: "x",
              decision: "maybe",
              note: "",
            })
          ).statusCode,
        ).to.equal(400);
      });

      it("default: the bootstrap admin key is stored hashed and audited once", async () => {
        const { rows } = await db.query<{ secret_hash: Uint8Array }>(
          "SELECT secret_hash FROM api_keys WHERE id = 'bootstrap-admin'",
        );
        expect(Buffer.from(rows[0]!.secret_hash).toString("utf8")).to.not.include(ADMIN_KEY.slice(0, 8));
        const boots = await listAudit(db, { action: "api_key.bootstrap", limit: 10 });
        expect(boots).to.have.length(1);
        expect(adminHeaders.authorization).to.include(ADMIN_KEY);
      });

      it("default: /docs/json documents every v1 route; /docs serves the UI", async () => {
        const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json<{
          openapi: string;
          paths: Record<string, unknown>;
        }>();
        expect(doc.openapi).to.match(/^3\./);
        for (const p of [
          "/v1/supporters",
          "/v1/sessions",
          "/v1/receipts",
          "/v1/heartbeats",
          "/v1/admin/rate-cards",
          "/v1/admin/api-keys",
          "/v1/admin/cdn-usage",
          "/v1/admin/feature-flags/{key}",
          "/v1/admin/flag-overrides",
          "/v1/admin/supporters/{address}/founder",
        ])
          expect(doc.paths).to.have.property(p);
        const ui = await app.inject({ method: "GET", url: "/docs/" });
        expect(ui.statusCode).to.equal(200);
        expect(ui.body).to.include("swagger");
      });
    });
  });
}
