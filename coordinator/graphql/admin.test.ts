/**
 * GraphQL admin mutations over real HTTP on a real database: each mutation's effect in queries,
 * in the coordinator's behaviour and in the audit log; refusals without a key or without the
 * scope (nothing written, a log line like REST's); bad input with stable codes, never a 5xx.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createClient } from "graphql-ws";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { ensureEpochs } from "../repositories/epochs.ts";
import {
  ADMIN_KEY,
  adminHeaders,
  CURRENT_EPOCH,
  EPOCH_SECONDS,
  grant,
  makeApp,
  newKey,
  NOW_S,
  register,
  signedReceipt,
  type BatchBody,
  type Key,
} from "../testing/fixtures.ts";

type GqlBody = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

const CLOSE = `mutation($e: BigInt!) { closeEpoch(epoch: $e) { epoch status timeline { status } } }`;
const RATE_CARD = `mutation($i: RateCardInput!) { setRateCard(input: $i) {
  version effectiveEpoch ratePerGbMicroUsd founderMultiplierBps uptimeBonusBps uptimeTiers { minUptimeBps bonusBps } createdBy } }`;
const FOUNDER = `mutation($n: Bytes!, $f: Boolean!) { setFounder(node: $n, founder: $f) { address founder } }`;
const OVERRIDE = `mutation($i: FlagOverrideInput!) { overrideFlag(input: $i) {
  id epoch node sessionId reasonCode decision note createdBy } }`;

for (const backend of testBackends()) {
  describe(`GraphQL admin mutations (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let node: Key;
    let viewer: Key;
    let readerKey: string;
    let sessionId: `0x${string}`;
    const logLines: Record<string, unknown>[] = [];
    const yesterday = CURRENT_EPOCH - 1;

    const gql = async (query: string, variables: Record<string, unknown>, key?: string) => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status, "never a 5xx").to.be.lessThan(500);
      return (await res.json()) as GqlBody;
    };
    const data = async (query: string, variables: Record<string, unknown> = {}, key = ADMIN_KEY) => {
      const body = await gql(query, variables, key);
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data!;
    };
    const code = async (query: string, variables: Record<string, unknown>, key: string | null = ADMIN_KEY) => {
      const body = await gql(query, variables, key ?? undefined);
      expect(body.errors, JSON.stringify(body)).to.be.an("array").that.is.not.empty;
      return body.errors![0]!.extensions?.code;
    };
    const auditCount = async () =>
      Number((await db.query<{ n: bigint }>("SELECT count(*) AS n FROM audit_log")).rows[0]!.n);
    const latestAudit = async (action: string) =>
      (
        await data(
          `query($a: String) { auditLog(first: 1, action: $a) { edges { node { actor action subject details } } } }`,
          { a: action },
        )
      ).auditLog.edges[0]?.node;

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      const stream = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const line of chunk.toString("utf8").split("\n"))
            if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      app = await makeApp(db, pool, { logger: { level: "warn", stream } });
      await app.listen({ host: "127.0.0.1", port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      node = newKey();
      viewer = newKey();
      // registered from yesterday (an app whose clock says yesterday): its receipt below counts there
      const yesterdayApp = await makeApp(db, pool, { now: () => Number(NOW_S - BigInt(EPOCH_SECONDS)) * 1000 });
      try {
        expect((await register(yesterdayApp, node, newKey().address, yesterday)).statusCode).to.equal(201);
      } finally {
        await yesterdayApp.close();
      }
      const created = await app.inject({
        method: "POST",
        url: "/v1/admin/api-keys",
        headers: adminHeaders,
        payload: { name: "reader", scopes: ["admin:read"] },
      });
      expect(created.statusCode, created.body).to.equal(201);
      readerKey = created.json<{ key: string }>().key;
      // yesterday's epoch has ended (and holds a receipt); today's is still running
      const day = NOW_S - BigInt(EPOCH_SECONDS);
      sessionId = await grant(app, viewer.address, { notBefore: day - 100n, notAfter: NOW_S + 100n });
      const r1 = signedReceipt(viewer, {
        sessionId,
        supporter: node.address,
        seq: 1n,
        cumulativeBytes: 5n,
        timestamp: day,
      });
      const ingest = await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts: [r1] } });
      expect(ingest.json<BatchBody>().accepted).to.equal(1);
      await ensureEpochs(db, { epochSeconds: EPOCH_SECONDS, genesis: 0 }, [CURRENT_EPOCH]);
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
    });

    it("error: without an API key every admin field is UNAUTHENTICATED, nothing is written, the refusal is logged", async () => {
      const before = await auditCount();
      const calls: [string, Record<string, unknown>][] = [
        [CLOSE, { e: yesterday }],
        [RATE_CARD, { i: { effectiveEpoch: 1, ratePerGbMicroUsd: "1", founderMultiplierBps: 1, uptimeBonusBps: 0 } }],
        [FOUNDER, { n: node.address.toLowerCase(), f: true }],
        [
          OVERRIDE,
          {
            i: {
              epoch: 1,
              node: node.address.toLowerCase(),
              reasonCode: "NODE_OFFLINE",
              decision: "include",
              note: "x",
            },
          },
        ],
        [`{ auditLog { edges { cursor } } }`, {}],
      ];
      for (const [query, variables] of calls) {
        expect(await code(query, variables, null)).to.equal("UNAUTHENTICATED");
        expect(await code(query, variables, "lk_unknown_key")).to.equal("UNAUTHENTICATED");
      }
      expect(await auditCount()).to.equal(before);
      const { rows } = await db.query<{ status: string }>("SELECT status FROM epochs WHERE number = $1", [yesterday]);
      expect(rows[0]!.status).to.equal("OPEN");
      expect((await db.query("SELECT 1 FROM rate_cards")).rowCount).to.equal(0);
      expect((await db.query("SELECT 1 FROM flag_overrides")).rowCount).to.equal(0);
      expect((await db.query<{ founder: boolean }>("SELECT founder FROM nodes")).rows[0]!.founder).to.equal(false);
      const refused = logLines.filter((l) => l.msg === "api key refused" && l.via === "graphql closeEpoch");
      expect(refused).to.have.length(2);
      expect(refused[0]).to.include({ code: "UNAUTHORIZED", scope: "admin:epochs", apiKeyId: null });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).to.include('ledger_auth_refusals_total{code="UNAUTHORIZED",scope="admin:epochs"} 2');
    });

    it("error: over WebSocket (graphql-ws) without the key's header a mutation is UNAUTHENTICATED too", async () => {
      const before = await auditCount();
      const ws = createClient({ url: `${base.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, lazy: false });
      try {
        const result = await new Promise<any>((resolve, reject) => {
          ws.subscribe(
            { query: CLOSE, variables: { e: String(yesterday) } },
            { next: resolve, error: reject, complete: () => {} },
          );
        });
        expect(result.errors?.[0]?.extensions?.code).to.equal("UNAUTHENTICATED");
      } finally {
        await ws.dispose();
      }
      expect(await auditCount()).to.equal(before);
    });

    it("error: a key without the scope gets FORBIDDEN, nothing is written, the refusal names the key", async () => {
      const before = await auditCount();
      expect(await code(CLOSE, { e: yesterday }, readerKey)).to.equal("FORBIDDEN");
      expect(await code(FOUNDER, { n: node.address.toLowerCase(), f: true }, readerKey)).to.equal("FORBIDDEN");
      expect(
        await code(
          RATE_CARD,
          { i: { effectiveEpoch: 1, ratePerGbMicroUsd: "1", founderMultiplierBps: 1, uptimeBonusBps: 0 } },
          readerKey,
        ),
      ).to.equal("FORBIDDEN");
      expect(
        await code(
          OVERRIDE,
          {
            i: {
              epoch: 1,
              node: node.address.toLowerCase(),
              reasonCode: "NODE_OFFLINE",
              decision: "include",
              note: "x",
            },
          },
          readerKey,
        ),
      ).to.equal("FORBIDDEN");
      expect(await auditCount()).to.equal(before);
      const refused = logLines.filter((l) => l.msg === "api key refused" && l.via === "graphql setFounder");
      expect(refused.at(-1)).to.include({ code: "FORBIDDEN", scope: "admin:supporters" });
      expect(refused.at(-1)!.apiKeyId).to.match(/^k[0-9a-f]{12}$/);
      // the same key may read (admin:read)
      expect((await data(`{ rateCards { version } }`, {}, readerKey)).rateCards).to.deep.equal([]);
      // REST refuses the same key the same way
      const rest = await app.inject({
        method: "POST",
        url: `/v1/admin/epochs/${yesterday}/close`,
        headers: { authorization: `Bearer ${readerKey}` },
      });
      expect(rest.statusCode).to.equal(403);
      expect(
        logLines.some((l) => l.msg === "api key refused" && l.via === "POST /v1/admin/epochs/:epoch/close"),
      ).to.equal(true);
    });

    it("default: closeEpoch closes an ended epoch: the oracle's record says CLOSED, receipts are refused, audited", async () => {
      expect(await code(CLOSE, { e: CURRENT_EPOCH })).to.equal("EPOCH_NOT_ENDED");
      const d = await data(CLOSE, { e: yesterday });
      expect(d.closeEpoch).to.deep.include({ epoch: String(yesterday), status: "CLOSED" });
      expect(d.closeEpoch.timeline.map((t: any) => t.status)).to.deep.equal(["CLOSED"]);
      const q = await data(`query($e: BigInt!) { oracleEpoch(epoch: $e) { status } }`, { e: yesterday });
      expect(q.oracleEpoch.status).to.equal("CLOSED");
      const late = signedReceipt(viewer, {
        sessionId,
        supporter: node.address,
        seq: 2n,
        cumulativeBytes: 9n,
        timestamp: NOW_S - BigInt(EPOCH_SECONDS) + 1n,
      });
      const ingest = await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts: [late] } });
      expect(ingest.json<BatchBody>().results[0]).to.include({ status: "rejected", code: "EPOCH_CLOSED" });
      const audit = await latestAudit("epoch.close");
      expect(audit).to.include({ actor: "bootstrap-admin", action: "epoch.close", subject: String(yesterday) });
      expect(JSON.parse(audit.details)).to.include({ status: "CLOSED" });
      // closing twice, or an unknown epoch, has its own code; REST answers the same
      expect(await code(CLOSE, { e: yesterday })).to.equal("EPOCH_NOT_OPEN");
      expect(await code(CLOSE, { e: 5 })).to.equal("NOT_FOUND"); // one not-found code (the message says what)
      const rest = await app.inject({
        method: "POST",
        url: `/v1/admin/epochs/${yesterday}/close`,
        headers: adminHeaders,
      });
      expect(rest.statusCode).to.equal(409);
      expect(rest.json()).to.include({ code: "EPOCH_NOT_OPEN" });
    });

    it("default: a key holding only admin:epochs closes an epoch over GraphQL and REST alike; audited under its id", async () => {
      const created = await app.inject({
        method: "POST",
        url: "/v1/admin/api-keys",
        headers: adminHeaders,
        payload: { name: "epoch closer", scopes: ["admin:epochs"] },
      });
      const closer = created.json<{ id: string; key: string }>();
      await ensureEpochs(db, { epochSeconds: EPOCH_SECONDS, genesis: 0 }, [CURRENT_EPOCH - 2, CURRENT_EPOCH - 3]);
      const d = await data(CLOSE, { e: CURRENT_EPOCH - 2 }, closer.key);
      expect(d.closeEpoch.status).to.equal("CLOSED");
      const rest = await fetch(`${base}/v1/admin/epochs/${CURRENT_EPOCH - 3}/close`, {
        method: "POST",
        headers: { authorization: `Bearer ${closer.key}` },
      });
      expect(rest.status).to.equal(200);
      expect(await rest.json()).to.include({ epoch: CURRENT_EPOCH - 3, status: "CLOSED" });
      const { rows } = await db.query<{ actor: string; subject: string }>(
        "SELECT actor, subject FROM audit_log WHERE action = 'epoch.close' ORDER BY id DESC LIMIT 2",
      );
      expect(rows).to.deep.equal([
        { actor: closer.id, subject: String(CURRENT_EPOCH - 3) },
        { actor: closer.id, subject: String(CURRENT_EPOCH - 2) },
      ]);
      // the same key may not do anything else
      expect(await code(FOUNDER, { n: node.address, f: false }, closer.key)).to.equal("FORBIDDEN");
    });

    it("default: setRateCard adds the next version, visible in rateCards, rateCardSchedule and the audit log", async () => {
      const from = String(CURRENT_EPOCH + 2); // the default notice: the epoch after next
      const d = await data(RATE_CARD, {
        i: {
          effectiveEpoch: from,
          ratePerGbMicroUsd: "50000",
          founderMultiplierBps: 11_000,
          uptimeBonusBps: 0,
          uptimeTiers: [
            { minUptimeBps: 9_000, bonusBps: 500 },
            { minUptimeBps: 9_900, bonusBps: 1_000 },
          ],
        },
      });
      expect(d.setRateCard).to.deep.equal({
        version: 1,
        effectiveEpoch: from,
        ratePerGbMicroUsd: "50000",
        founderMultiplierBps: 11_000,
        uptimeBonusBps: 0,
        uptimeTiers: [
          { minUptimeBps: "9000", bonusBps: "500" },
          { minUptimeBps: "9900", bonusBps: "1000" },
        ],
        createdBy: "bootstrap-admin",
      });
      const list = await data(`{ rateCards { version effectiveEpoch ratePerGbMicroUsd } }`, {}, readerKey);
      expect(list.rateCards).to.deep.equal([{ version: 1, effectiveEpoch: from, ratePerGbMicroUsd: "50000" }]);
      const audit = await latestAudit("rate_card.create");
      expect(audit).to.include({ actor: "bootstrap-admin", subject: "v1" });
      expect(JSON.parse(audit.details)).to.include({ rateMicroUsdPerGb: "50000" });
      // the same service behind REST: versions keep increasing across both
      const rest = await app.inject({
        method: "POST",
        url: "/v1/admin/rate-cards",
        headers: adminHeaders,
        payload: {
          effectiveEpoch: CURRENT_EPOCH + 4,
          rateMicroUsdPerGb: "60000",
          founderMultiplierBps: 11_000,
          uptimeBonusBps: 100,
        },
      });
      expect(rest.statusCode, rest.body).to.equal(201);
      expect(rest.json()).to.include({ version: 2 });
      expect(
        await code(RATE_CARD, {
          i: { effectiveEpoch: from, ratePerGbMicroUsd: "1", founderMultiplierBps: 10_000, uptimeBonusBps: 0 },
        }),
      ).to.equal("RATE_CARD_EPOCH_NOT_INCREASING");

      // public, no key: nothing in force yet, both cards announced, as the oracle will price with them
      const schedule = await data(
        `{ rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch
             current { version }
             announced { version effectiveFromEpoch ratePerGbMicroUsd founderMultiplierBps uptimeTiers { minUptimeBps bonusBps } hash } } }`,
        {},
        "",
      );
      expect(schedule.rateCardSchedule).to.deep.include({
        currentEpoch: String(CURRENT_EPOCH),
        noticeEpochs: 2,
        earliestEffectiveEpoch: String(CURRENT_EPOCH + 2),
        current: null,
      });
      const announced = schedule.rateCardSchedule.announced;
      expect(announced.map((c: any) => [c.version, c.effectiveFromEpoch, c.ratePerGbMicroUsd])).to.deep.equal([
        ["1", from, "50000"],
        ["2", String(CURRENT_EPOCH + 4), "60000"],
      ]);
      expect(announced[1].uptimeTiers).to.deep.equal([{ minUptimeBps: "9500", bonusBps: "100" }]);
      expect(announced[0].hash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("error: setRateCard for the current or the next epoch is RATE_CARD_NOTICE_TOO_SHORT, naming the earliest epoch", async () => {
      const before = await auditCount();
      for (const effectiveEpoch of [CURRENT_EPOCH - 1, CURRENT_EPOCH, CURRENT_EPOCH + 1]) {
        const body = await gql(
          RATE_CARD,
          {
            i: {
              effectiveEpoch: String(effectiveEpoch),
              ratePerGbMicroUsd: "50000",
              founderMultiplierBps: 11_000,
              uptimeBonusBps: 0,
            },
          },
          ADMIN_KEY,
        );
        expect(body.errors?.[0]?.extensions?.code).to.equal("RATE_CARD_NOTICE_TOO_SHORT");
        expect(body.errors?.[0]?.message).to.contain(`must be ${CURRENT_EPOCH + 2} or later`);
      }
      expect(await auditCount()).to.equal(before);
    });

    it("default: setFounder changes the supporter's founder status, audited", async () => {
      const d = await data(FOUNDER, { n: node.address, f: true });
      expect(d.setFounder).to.deep.equal({ address: node.address.toLowerCase(), founder: true });
      const s = await data(`query($a: Bytes!) { supporter(address: $a) { founder nodes { founder } } }`, {
        a: node.address,
      });
      expect(s.supporter.founder).to.equal(true);
      const audit = await latestAudit("supporter.founder.set");
      expect(audit).to.include({ actor: "bootstrap-admin", subject: node.address.toLowerCase() });
      expect(JSON.parse(audit.details)).to.include({ founder: true });
      expect(await code(FOUNDER, { n: newKey().address, f: true })).to.equal("NOT_FOUND");
    });

    it("default: overrideFlag records the decision with its reason, visible in flagOverrides and the audit log", async () => {
      const d = await data(OVERRIDE, {
        i: {
          epoch: String(yesterday),
          node: node.address,
          sessionId,
          reasonCode: "NODE_OFFLINE",
          decision: "include",
          note: "heartbeats were lost by the monitoring relay; node verified online",
        },
      });
      expect(d.overrideFlag).to.deep.include({
        epoch: String(yesterday),
        node: node.address.toLowerCase(),
        sessionId: sessionId.toLowerCase(),
        reasonCode: "NODE_OFFLINE",
        decision: "include",
        createdBy: "bootstrap-admin",
      });
      const list = await data(
        `query($e: BigInt!) { flagOverrides(epoch: $e) { id note decision } }`,
        { e: yesterday },
        readerKey,
      );
      expect(list.flagOverrides).to.have.length(1);
      expect(list.flagOverrides[0].id).to.equal(d.overrideFlag.id);
      const audit = await latestAudit("flag_override.create");
      expect(audit.subject).to.equal(`${yesterday}:${node.address.toLowerCase()}`);
      expect(JSON.parse(audit.details)).to.include({ note: d.overrideFlag.note, decision: "include" });
    });

    it("error: bad input gets BAD_USER_INPUT (or the field's code) and writes nothing", async () => {
      const before = await auditCount();
      const card = {
        effectiveEpoch: String(CURRENT_EPOCH + 100),
        ratePerGbMicroUsd: "1",
        founderMultiplierBps: 10_000,
        uptimeBonusBps: 0,
      };
      const n = node.address.toLowerCase();
      const flag = { epoch: 1, node: n, reasonCode: "NODE_OFFLINE", decision: "include", note: "ok" };
      const cases: [string, Record<string, unknown>][] = [
        [CLOSE, { e: "-1" }],
        [CLOSE, { e: (2n ** 41n).toString() }],
        [RATE_CARD, { i: { ...card, ratePerGbMicroUsd: (10n ** 18n).toString() } }],
        [RATE_CARD, { i: { ...card, founderMultiplierBps: -1 } }],
        [RATE_CARD, { i: { ...card, uptimeBonusBps: 1_000_001 } }],
        [RATE_CARD, { i: { ...card, uptimeTiers: [{ minUptimeBps: 10_001, bonusBps: 1 }] } }],
        [
          RATE_CARD,
          { i: { ...card, uptimeTiers: Array.from({ length: 17 }, (_, k) => ({ minUptimeBps: k, bonusBps: 1 })) } },
        ],
        [FOUNDER, { n: "0x1234", f: true }],
        [OVERRIDE, { i: { ...flag, note: "" } }],
        [OVERRIDE, { i: { ...flag, note: "x".repeat(2_001) } }],
        [OVERRIDE, { i: { ...flag, reasonCode: "not a code" } }],
        [OVERRIDE, { i: { ...flag, sessionId: "0x12" } }],
        [OVERRIDE, { i: { ...flag, node: "0x12" } }],
        [`{ auditLog(first: 1, action: "${"a".repeat(65)}") { edges { cursor } } }`, {}],
        [`{ auditLog(first: 1, after: "nope") { edges { cursor } } }`, {}],
      ];
      for (const [query, variables] of cases)
        expect(await code(query, variables), JSON.stringify(variables)).to.be.oneOf([
          "BAD_USER_INPUT",
          "INVALID_CURSOR",
        ]);
      // what core would refuse at epoch close, with a sentence naming the field
      const refusals: [Record<string, unknown>, string][] = [
        [{ founderMultiplierBps: 9_999 }, "founderMultiplierBps must be from 10000 (1×) to 100000 (10×) basis points."],
        [{ ratePerGbMicroUsd: "10000001" }, "ratePerGbMicroUsd must be from 0 to 10000000 µUSD per GB"],
        [{ uptimeBonusBps: 10_001 }, "uptimeBonusBps must be from 0 to 10000"],
        [
          {
            uptimeTiers: [
              { minUptimeBps: 9_900, bonusBps: 1_000 },
              { minUptimeBps: 9_900, bonusBps: 1_500 },
            ],
          },
          "uptimeTiers[1].minUptimeBps must be above the previous tier's",
        ],
        [
          { uptimeTiers: [{ minUptimeBps: 9_500, bonusBps: 10_001 }] },
          "uptimeTiers[0].bonusBps must be from 0 to 10000",
        ],
      ];
      for (const [change, sentence] of refusals) {
        const body = await gql(RATE_CARD, { i: { ...card, ...change } }, ADMIN_KEY);
        expect(body.errors?.[0]?.extensions?.code, JSON.stringify(change)).to.equal("BAD_USER_INPUT");
        expect(body.errors?.[0]?.message).to.contain(sentence);
      }
      // variables of the wrong type are refused before any resolver runs, with the same code
      expect(await code(OVERRIDE, { i: { ...flag, decision: "maybe" } })).to.equal("BAD_USER_INPUT");
      expect(await code(RATE_CARD, { i: { ...card, founderMultiplierBps: "many" } })).to.equal("BAD_USER_INPUT");
      expect(await code(`{ auditLog(first: 101) { edges { cursor } } }`, {})).to.equal("PAGE_TOO_LARGE");
      expect(await auditCount()).to.equal(before);
    });

    it("default: the audit log pages with cursors, newest first", async () => {
      const first = await data(
        `{ auditLog(first: 2) { edges { cursor node { id action } } pageInfo { hasNextPage endCursor } } }`,
      );
      expect(first.auditLog.edges).to.have.length(2);
      expect(first.auditLog.pageInfo.hasNextPage).to.equal(true);
      const next = await data(`query($a: String) { auditLog(first: 2, after: $a) { edges { node { id } } } }`, {
        a: first.auditLog.pageInfo.endCursor,
      });
      const ids = [
        ...first.auditLog.edges.map((e: any) => BigInt(e.node.id)),
        ...next.auditLog.edges.map((e: any) => BigInt(e.node.id)),
      ];
      for (let i = 1; i < ids.length; i++) expect(ids[i] < ids[i - 1]).to.equal(true);
    });
  });
}
