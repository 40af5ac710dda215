/**
 * The live accrual end to end, over real HTTP: signed receipts and heartbeats through
 * `POST /v1/receipts` / `/v1/heartbeats` (real ingest, real database), a founder grant and a budget
 * through the admin API, and `accrualUpdated` over SSE pushing rising numbers within seconds.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import {
  ADMIN_KEY,
  CURRENT_EPOCH,
  NOW_S,
  grant,
  makeApp,
  newKey,
  register,
  signedHeartbeat,
  signedReceipt,
  type Key,
} from "../../coordinator/testing/fixtures.ts";

const FIELDS = `address accounts epoch status acceptedBytes receipts founder multiplierBps uptimeOnTrackBps
  uptimeBonusBps uptimeCertainBps provisionalMicroUsd conservativeMicroUsd gapMicroUsd
  gap { reason microUsd bytes explanation } budgetMicroUsd proRata { numerator denominator }`;

type AccrualBody = {
  acceptedBytes: string;
  provisionalMicroUsd: string;
  conservativeMicroUsd: string;
  gap: { reason: string; microUsd: string; bytes: string; explanation: string }[];
  [k: string]: unknown;
};

/** An SSE subscription's results as they arrive. */
function sse(url: string, query: string) {
  const controller = new AbortController();
  const results: { at: number; body: { data?: { accrualUpdated: AccrualBody }; errors?: unknown } }[] = [];
  const started = fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  }).then(async (res) => {
    const reader = res.body!.getReader();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += new TextDecoder().decode(value);
      let m;
      while ((m = /data: (\{.*\})\n/.exec(text))) {
        results.push({ at: performance.now(), body: JSON.parse(m[1]!) as never });
        text = text.slice(m.index + m[0].length);
      }
    }
  });
  const until = async (pred: (a: AccrualBody) => boolean, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = results.find((r) => r.body.data && pred(r.body.data.accrualUpdated));
      if (hit) return hit;
      if (performance.now() > deadline)
        throw new Error(`no matching push within ${timeoutMs} ms: ${JSON.stringify(results.map((r) => r.body))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { results, until, stop: () => controller.abort(), started };
}

for (const backend of testBackends()) {
  describe(`live accrual over HTTP: ingest → accrualUpdated (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let node: Key;
    let payout: Key;
    let viewer: Key;
    let session: `0x${string}`;
    let ownSession: `0x${string}`;

    const post = async (path: string, body: unknown, method = "POST") => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(json)).to.be.oneOf([200, 201]);
      return json;
    };
    const gql = async (query: string) => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as { data: { supporter: { accrual: AccrualBody } }; errors?: unknown };
    };
    const receipt = (sessionId: `0x${string}`, by: Key, seq: bigint, cumulativeBytes: bigint) =>
      signedReceipt(by, { sessionId, supporter: node.address, seq, cumulativeBytes, timestamp: NOW_S - 90n + seq });

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      // a 60-second uptime slot (the oracle's default), pushes at most every 2 s (the default)
      app = await makeApp(db, pool, { graphql: { accrual: { heartbeatSlotSeconds: 60n } } });
      await app.listen({ host: "127.0.0.1", port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      node = newKey();
      payout = newKey();
      viewer = newKey();
      expect((await register(app, node, payout.address)).statusCode).to.equal(201);
      session = await grant(app, viewer.address);
      ownSession = await grant(app, payout.address); // the node "serving" its own payout key
      await post(`/v1/admin/supporters/${node.address}/founder`, { founder: true, reason: "launch cohort" }, "PUT");
      await post("/v1/admin/budget", { fromEpoch: CURRENT_EPOCH, budgetMicroUsd: "1000000000" }, "PUT");
      // one heartbeat in every minute of the epoch so far: 720 of 720 slots begun, 720 of 1 440 in all
      const epochStart = BigInt(CURRENT_EPOCH) * 86_400n;
      const beats = Array.from({ length: 720 }, (_, i) => signedHeartbeat(node, epochStart + BigInt(i) * 60n + 5n));
      const hb = await post("/v1/heartbeats", { heartbeats: beats });
      expect(hb.accepted).to.equal(720);
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    it("default: the subscription pushes rising provisional and conservative figures within seconds of ingest", async () => {
      const sub = sse(`${base}/graphql`, `subscription { accrualUpdated(address: "${payout.address}") { ${FIELDS} } }`);
      const first = await sub.until(() => true, 10_000);
      expect(first.body.data!.accrualUpdated).to.deep.include({
        acceptedBytes: "0",
        provisionalMicroUsd: "0",
        conservativeMicroUsd: "0",
      });

      // 500 MB: 25 000 µUSD × 1.1 (founder) × 1.1 (on track: 100 % of the slots so far) = 30 250;
      // certain: 50 % of the epoch's slots, no bonus: 27 500
      let t0 = performance.now();
      const a = await post("/v1/receipts", { receipts: [receipt(session, viewer, 1n, 500_000_000n)] });
      expect(a.accepted).to.equal(1);
      const one = await sub.until((x) => x.acceptedBytes === "500000000", 5_000);
      const latency1 = one.at - t0;
      expect(one.body.data!.accrualUpdated).to.deep.include({
        provisionalMicroUsd: "30250",
        conservativeMicroUsd: "27500",
        founder: true,
        multiplierBps: "11000",
        uptimeOnTrackBps: "10000",
        uptimeBonusBps: "1000",
        uptimeCertainBps: "5000",
        budgetMicroUsd: "1000000000",
        status: "OPEN",
      });
      expect(one.body.data!.accrualUpdated.gap.map((g) => [g.reason, g.microUsd])).to.deep.equal([
        ["UPTIME_BONUS_PENDING", "2750"],
      ]);

      // +700 MB to a viewer, +100 MB to the node's own payout key (self-dealing: in the gap)
      t0 = performance.now();
      const b = await post("/v1/receipts", {
        receipts: [receipt(session, viewer, 2n, 1_200_000_000n), receipt(ownSession, payout, 1n, 100_000_000n)],
      });
      expect(b.accepted).to.equal(2);
      const two = await sub.until((x) => x.acceptedBytes === "1300000000", 5_000);
      const latency2 = two.at - t0;
      const x = two.body.data!.accrualUpdated;
      // 1.3 GB: 65 000 × 1.21 = 78 650; certain: 65 000 × 1.1 = 71 500, less 100 MB self-dealing (5 500) = 66 000
      expect([x.provisionalMicroUsd, x.conservativeMicroUsd]).to.deep.equal(["78650", "66000"]);
      expect(x.gap.map((g) => [g.reason, g.microUsd, g.bytes])).to.deep.equal([
        ["UPTIME_BONUS_PENDING", "7150", "0"],
        ["SELF_DEALING", "5500", "100000000"],
      ]);
      expect(x.gap[1]!.explanation).to.match(/own node or payout address/);
      expect(BigInt(x.conservativeMicroUsd) > 27_500n).to.equal(true);
      // the query field answers the same, by the node's address too
      const byNode = await gql(`{ supporter(address: "${node.address}") { accrual { ${FIELDS} } } }`);
      expect(byNode.errors).to.equal(undefined);
      expect(byNode.data.supporter.accrual).to.deep.include({
        acceptedBytes: "1300000000",
        provisionalMicroUsd: "78650",
        conservativeMicroUsd: "66000",
        accounts: [payout.address.toLowerCase()],
      });
      sub.stop();
      console.log(
        `      accrual pushes ${Math.round(latency1)} ms and ${Math.round(latency2)} ms after the ingest answer`,
      );
      expect(latency1).to.be.lessThan(5_000);
      expect(latency2).to.be.lessThan(5_000);
    });

    it("error: a malformed address is refused with BAD_USER_INPUT", async () => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query: `subscription { accrualUpdated(address: "0x1234") { acceptedBytes } }` }),
      });
      const text = await res.text();
      expect(text).to.match(/BAD_USER_INPUT/);
    });
  });
}
