/**
 * What ingest acknowledges, the epoch counts (issue 14, part 7), tested as an attacker would try
 * it: receipts sent through the real API (`POST /v1/receipts`), then the real oracle closing and
 * computing the epochs (`runOnce` over Hardhat's in-process chain). For every trick — a node
 * registered from a future epoch, a receipt outside its grant's window, bytes or time going
 * backwards, replays, a late receipt reaching back into an earlier epoch — the ingest answer
 * and the close's verdict agree; an `accepted` receipt is counted at close unless a rule that
 * needs the whole epoch flags it, and its verdict then names the rule (NODE_OFFLINE here).
 * Where ingest stores nothing, the same signed receipt is written straight into the
 * coordinator's table (as the ingest before this fix did) to show the close would reject it too.
 * Lives in test/ because it drives both the API and the oracle (which never import each other).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { custom } from "viem";
import {
  adminHeaders,
  ADMIN_KEY,
  newKey,
  register,
  signedHeartbeat,
  signedReceipt,
  type BatchBody,
  type Key,
  type WireReceipt,
} from "../../coordinator/testing/fixtures.ts";
import { buildApp } from "../../server/app.ts";
import type { RewardsDomain } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import { getEpoch } from "../../oracle/repositories/epochs.ts";
import { runOnce, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, type DeployedChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import { COORDINATOR_KEY, EPOCH_SECONDS, GENESIS, epochBounds, recordTestBudget } from "../../oracle/testing/seed.ts";
import { testBackends } from "../helpers/db.ts";

const WINDOW = 3_600n;
const E = 10n; // the epoch under attack; E + 1 follows
const { start: START_E } = epochBounds(E);
const { start: START_F, end: END_F } = epochBounds(E + 1n);

const connection = await network.create();
const transport = custom(connection.provider);

type Verdict = { status: string; reasons: string[]; claimed: bigint; counted: bigint };

for (const backend of testBackends()) {
  describe(`ingest answers agree with the epoch close (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let c: DeployedChain;
    let ctx: OracleContext;
    let domain: RewardsDomain;
    let dataDir: string;
    let nowS = START_E + 1_800n;

    const post = async (receipts: WireReceipt[]) => {
      const res = await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts } });
      expect(res.statusCode, res.body).to.equal(200);
      return res.json<BatchBody>().results;
    };
    const beat = async (node: Key, timestamps: bigint[]) => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/heartbeats",
        payload: { heartbeats: timestamps.map((t) => signedHeartbeat(node, t, domain)) },
      });
      expect(res.json<BatchBody>().accepted, res.body).to.equal(timestamps.length);
    };
    const session = async (viewer: Key, notBefore: bigint, notAfter: bigint): Promise<Hex> => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/sessions",
        headers: adminHeaders,
        payload: {
          viewer: viewer.address,
          streamId: `0x${"5".repeat(64)}`,
          maxBitsPerSecond: 8_000_000,
          notBefore: notBefore.toString(),
          notAfter: notAfter.toString(),
        },
      });
      expect(res.statusCode, res.body).to.equal(201);
      return res.json<{ grant: { sessionId: Hex } }>().grant.sessionId;
    };
    /** A supporter node registered from `from`, its payout, a viewer and a session over both epochs. */
    const actor = async (from = E) => {
      const node = newKey();
      const payout = newKey().address;
      const viewer = newKey();
      const res = await register(app, node, payout, Number(from), 1n, domain);
      expect(res.statusCode, res.body).to.equal(201);
      return { node, payout, viewer, sessionId: await session(viewer, START_E, END_F) };
    };
    const receipt = (
      a: { viewer: Key; node: Key; sessionId: Hex },
      seq: bigint,
      cumulativeBytes: bigint,
      timestamp: bigint,
    ) =>
      signedReceipt(
        a.viewer,
        { sessionId: a.sessionId, supporter: a.node.address, seq, cumulativeBytes, timestamp },
        domain,
      );
    /** Writes a signed receipt straight into the coordinator's table, as the old ingest stored it. */
    const storeDirectly = async (epoch: bigint, r: WireReceipt) => {
      const b = (h: string) => Buffer.from(h.slice(2), "hex");
      await db.query(
        `INSERT INTO receipts (epoch, session_id, supporter, viewer, seq, cumulative_bytes, delta_bytes, timestamp,
                               signature, verdict)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, 'accepted')`,
        [
          epoch.toString(),
          b(r.sessionId),
          b(r.supporter),
          b(r.viewer),
          r.seq,
          r.cumulativeBytes,
          r.timestamp,
          b(r.signature),
        ],
      );
    };
    const verdicts = async (epoch: bigint, node: Key): Promise<Map<bigint, Verdict>> => {
      const { rows } = await db.query<{
        seq: bigint;
        status: string;
        reasons: string[];
        claimed_bytes: bigint;
        counted_bytes: bigint;
      }>(
        `SELECT seq, status, reasons, claimed_bytes, counted_bytes FROM epoch_verdicts
          WHERE epoch = $1 AND supporter = $2 ORDER BY seq`,
        [epoch.toString(), Buffer.from(node.address.slice(2), "hex")],
      );
      return new Map(
        rows.map((r) => [
          BigInt(r.seq),
          { status: r.status, reasons: r.reasons, claimed: BigInt(r.claimed_bytes), counted: BigInt(r.counted_bytes) },
        ]),
      );
    };
    const countedAtClose = async (epoch: bigint, payout: string): Promise<bigint> => {
      const { rows } = await db.query<{ counted_bytes: bigint }>(
        "SELECT counted_bytes FROM epoch_statements WHERE epoch = $1 AND account = $2",
        [epoch.toString(), Buffer.from(payout.slice(2), "hex")],
      );
      return rows[0] ? BigInt(rows[0].counted_bytes) : 0n;
    };
    const sum = (results: { countedBytes?: string }[]) =>
      results.reduce((s, r) => s + BigInt(r.countedBytes ?? "0"), 0n);

    // what each attack answered at ingest, checked against the close in the last test
    const seen: Record<string, { actor: Awaited<ReturnType<typeof actor>>; counted: bigint }> = {};

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      dataDir = mkdtempSync(path.join(tmpdir(), "ingest-close-"));
      c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      domain = domainOf(c.chainId, c.distributor);
      await recordTestBudget(db, domain, 0n, 10n ** 12n);
      app = await buildApp({
        db,
        chainId: c.chainId,
        distributorAddress: c.distributor,
        coordinatorPrivateKey: COORDINATOR_KEY,
        adminApiKey: ADMIN_KEY,
        epochClock: { epochSeconds: Number(EPOCH_SECONDS), genesis: Number(GENESIS) },
        verifyPool: pool,
        now: () => Number(nowS) * 1000,
        rateLimitPerMinute: 1_000_000,
      });
      ctx = testOracleContext({ db, deployed: c, dataDir, nowSeconds: END_F + 120n });
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("ingest: an honest stream is accepted and counted", async () => {
      const a = await actor();
      await beat(a.node, [START_E + 60n, START_E + 120n]);
      const r = await post([receipt(a, 1n, 1_000n, START_E + 60n), receipt(a, 2n, 3_000n, START_E + 120n)]);
      expect(r.map((x) => [x.status, x.countedBytes])).to.deep.equal([
        ["accepted", "1000"],
        ["accepted", "2000"],
      ]);
      seen.honest = { actor: a, counted: sum(r) };
    });

    it("ingest: a node registered from a future epoch (E + 5) is UNREGISTERED, not accepted", async () => {
      const a = await actor(E + 5n);
      await beat(a.node, [START_E + 60n]);
      const early = receipt(a, 1n, 1_000n, START_E + 60n);
      const [r] = await post([early]);
      expect(r).to.include({ status: "rejected", code: "UNREGISTERED" });
      expect(r!.message).to.contain(`from epoch ${E + 5n}`);
      await storeDirectly(E, early); // what the close says of the same receipt
      seen.future = { actor: a, counted: 0n };
    });

    it("ingest: a receipt outside its grant's window is GRANT_EXPIRED", async () => {
      const a = await actor();
      // the window opens in 100 s; the receipt is dated 50 s from now (within the clock skew)
      const narrow = { ...a, sessionId: await session(a.viewer, nowS + 100n, nowS + 200n) };
      await beat(a.node, [nowS + 50n]);
      const late = receipt(narrow, 1n, 1_000n, nowS + 50n);
      const [r] = await post([late]);
      expect(r).to.include({ status: "rejected", code: "GRANT_EXPIRED" });
      await storeDirectly(E, late);
      seen.grant = { actor: narrow, counted: 0n };
    });

    it("ingest: bytes or time going backwards count nothing; the next forward receipt counts from the mark", async () => {
      const a = await actor();
      await beat(a.node, [START_E + 10n, START_E + 30n]);
      const r = await post([
        receipt(a, 1n, 1_000n, START_E + 20n),
        receipt(a, 2n, 500n, START_E + 25n), // bytes backwards
        receipt(a, 3n, 3_000n, START_E + 5n), // time backwards
        receipt(a, 4n, 4_000n, START_E + 30n),
      ]);
      expect(r.map((x) => [x.status, x.code ?? null, x.countedBytes ?? null])).to.deep.equal([
        ["accepted", null, "1000"],
        ["duplicate", "NON_MONOTONIC", null],
        ["duplicate", "NON_MONOTONIC", null],
        ["accepted", null, "3000"],
      ]);
      seen.backwards = { actor: a, counted: sum(r) };
    });

    it("ingest: replays, in one batch and later, are DUPLICATE and count once", async () => {
      const a = await actor();
      await beat(a.node, [START_E + 40n]);
      const once = receipt(a, 1n, 2_000n, START_E + 40n);
      const r = [...(await post([once, once])), ...(await post([once]))];
      expect(r.map((x) => [x.status, x.code ?? null])).to.deep.equal([
        ["accepted", null],
        ["duplicate", "DUPLICATE"],
        ["duplicate", "DUPLICATE"],
      ]);
      seen.replay = { actor: a, counted: sum(r) };
    });

    it("ingest: accepted without heartbeats (a later rule, NODE_OFFLINE, decides at close)", async () => {
      const a = await actor();
      const r = await post([receipt(a, 1n, 1_500n, START_E + 50n)]);
      expect(r[0]).to.include({ status: "accepted", countedBytes: "1500" });
      seen.offline = { actor: a, counted: sum(r) };
    });

    it("ingest: a late receipt reaching back into epoch E after E + 1 counted is refused", async () => {
      const a = await actor();
      await beat(a.node, [START_E + 10n, START_E + 50n]);
      const first = await post([receipt(a, 1n, 1_000n, START_E + 10n)]);
      nowS = START_F + 600n; // epoch E + 1 has begun; E is still OPEN (its grace)
      await beat(a.node, [START_F + 10n]);
      const next = await post([receipt(a, 2n, 2_000n, START_F + 10n)]);
      const late = await post([receipt(a, 3n, 5_000n, START_E + 50n)]);
      expect([first[0]!.countedBytes, next[0]!.countedBytes]).to.deep.equal(["1000", "1000"]);
      expect(late[0]).to.include({ status: "rejected", code: "NON_MONOTONIC" });
      seen.late = { actor: a, counted: sum([...first, ...next, ...late]) };
    });

    it("close: every verdict agrees with what ingest answered", async () => {
      await runOnce(ctx);
      expect((await getEpoch(db, E))!.status).to.equal("POSTED");
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(WINDOW) + 1] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
      await runOnce(ctx);
      expect((await getEpoch(db, E))!.status).to.equal("FINALIZED");
      expect((await getEpoch(db, E + 1n))!.status).to.equal("POSTED");

      const total = async (k: string) =>
        (await countedAtClose(E, seen[k]!.actor.payout)) + (await countedAtClose(E + 1n, seen[k]!.actor.payout));
      for (const k of ["honest", "backwards", "replay", "late"]) {
        expect(await total(k), k).to.equal(seen[k]!.counted);
        expect(seen[k]!.counted > 0n, k).to.equal(true);
      }
      expect((await verdicts(E, seen.honest!.actor.node)).size).to.equal(0); // all accepted in full

      expect(await verdicts(E, seen.future!.actor.node)).to.deep.equal(
        new Map([[1n, { status: "rejected", reasons: ["UNREGISTERED"], claimed: 0n, counted: 0n }]]),
      );
      expect(await total("future")).to.equal(0n);
      expect(await verdicts(E, seen.grant!.actor.node)).to.deep.equal(
        new Map([[1n, { status: "rejected", reasons: ["GRANT_EXPIRED"], claimed: 0n, counted: 0n }]]),
      );
      expect(await total("grant")).to.equal(0n);

      const back = await verdicts(E, seen.backwards!.actor.node);
      expect([...back.keys()]).to.deep.equal([2n, 3n]);
      for (const v of back.values()) expect(v).to.include({ status: "flagged", counted: 0n });
      for (const v of back.values()) expect(v.reasons).to.deep.equal(["NON_MONOTONIC"]);

      expect((await verdicts(E, seen.replay!.actor.node)).size).to.equal(0);

      // accepted at ingest, flagged by a later rule: the verdict names it
      expect(await verdicts(E, seen.offline!.actor.node)).to.deep.equal(
        new Map([[1n, { status: "flagged", reasons: ["NODE_OFFLINE"], claimed: 1_500n, counted: 0n }]]),
      );

      // the late stream: 1000 in E, 1000 in E + 1, the refused receipt nowhere
      expect(await countedAtClose(E, seen.late!.actor.payout)).to.equal(1_000n);
      expect(await countedAtClose(E + 1n, seen.late!.actor.payout)).to.equal(1_000n);
      expect((await verdicts(E + 1n, seen.late!.actor.node)).size).to.equal(0);
    });
  });
}
