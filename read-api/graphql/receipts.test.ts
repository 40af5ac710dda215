/**
 * Receipts with their epoch verdicts and inclusion proofs, and per-session impact summaries,
 * over real HTTP on data from the real pipeline: signed coordinator records (oracle/testing),
 * the oracle closing, computing, signing and posting epochs on Hardhat's in-process chain, and
 * the chain indexer. Each proof is checked against the receiptsRoot stored for the epoch, the
 * one on-chain, and OpenZeppelin's StandardMerkleTree.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import pino from "pino";
import { custom, type Hex } from "viem";
import { verifyReceiptProof } from "../../core/receipts-tree.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import { runOnce, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, SIGNER_KEYS, type DeployedChain } from "../../oracle/testing/chain.ts";
import { COORDINATOR, epochBounds, seedEpochs } from "../../oracle/testing/seed.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { createIndexer } from "../../indexer/sync.ts";
import { makeApp } from "../../coordinator/testing/fixtures.ts";

const WINDOW = 3_600n;
const STEP = 250_000_000n; // seed: bytes per receipt step (× node index + 1)
const connection = await network.create();
const transport = custom(connection.provider);

type GqlBody = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

const RECEIPTS = `query($a: Bytes!, $e: BigInt, $first: Int, $after: String) { supporter(address: $a) {
  receipts(first: $first, after: $after, epoch: $e) { edges { cursor node { epoch sessionId supporter seq deltaBytes verdict
    epochVerdict { receiptId status reasons claimedBytes countedBytes }
    inclusion { epoch chainEpoch receiptId countedBytes leaf proof receiptsRoot onChainReceiptsRoot } } }
    pageInfo { hasNextPage endCursor } } } }`;
const SESSIONS = `query($a: Bytes!, $first: Int, $after: String, $s: Bytes) { supporter(address: $a) {
  sessions(first: $first, after: $after, sessionId: $s) { edges { cursor node { sessionId streamId viewer viewersServed nodes receipts
    firstReceiptAt lastReceiptAt durationSeconds firstEpoch lastEpoch claimedBytes pendingBytes countedBytes
    earningsMicroUsd complete } } pageInfo { hasNextPage endCursor } } } }`;

for (const backend of testBackends()) {
  describe(`GraphQL receipts' proofs and session impact (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let dataDir: string;
    let c: DeployedChain;
    let nodes: Hex[];
    let payouts: Hex[];

    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status, "never a 5xx").to.be.lessThan(500);
      return (await res.json()) as GqlBody;
    };
    const data = async (query: string, variables: Record<string, unknown> = {}) => {
      const body = await gql(query, variables);
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data!;
    };
    const increaseTime = async (seconds: bigint) => {
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const allReceipts = async (addr: Hex, epoch: number) => {
      const out: any[] = [];
      let cursor: string | null = null;
      for (;;) {
        const d = await data(RECEIPTS, { a: addr, e: epoch, first: 4, after: cursor });
        const conn = d.supporter.receipts;
        out.push(...conn.edges.map((e: any) => e.node));
        if (!conn.pageInfo.hasNextPage) return out;
        cursor = conn.pageInfo.endCursor;
      }
    };

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      dataDir = mkdtempSync(path.join(tmpdir(), "api-receipts-test-"));
      c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      const domain = domainOf(c.chainId, c.distributor);
      // epochs 0 and 1 are computed and posted; epoch 2 holds receipts but is still open
      ({ nodes, payouts } = await seedEpochs(db, { domain, epochs: [0n, 1n, 2n] }));
      const ctx: OracleContext = {
        db,
        chain: c.chain,
        log: pino({ level: "silent" }),
        config: {
          chainId: c.chainId,
          distributor: c.distributor,
          coordinator: COORDINATOR,
          graceSeconds: 60,
          heartbeatSlotSeconds: 60n,
          budgetMicroUsd: 10n ** 12n,
          dataDir,
          signerKeys: SIGNER_KEYS.slice(0, 2),
          allowVetoedRoot: false,
        },
        now: () => new Date(Number(epochBounds(1n).end + 120n) * 1000),
      };
      const indexer = await createIndexer({
        db,
        client: c.publicClient,
        address: c.distributor,
        startBlock: 0n,
        confirmations: 0,
      });
      await runOnce(ctx);
      await increaseTime(WINDOW + 1n);
      await runOnce(ctx);
      await indexer.syncToHead();
      app = await makeApp(db, pool, { dataDir });
      await app.listen({ host: "127.0.0.1", port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: every counted receipt's proof verifies against the epoch's stored and on-chain receiptsRoot", async () => {
      const epochs = await data(`{ oracleEpochs(first: 5) { edges { node { epoch status chainEpoch receiptsRoot
        chain { receiptsRoot status } } } } }`);
      const byEpoch = new Map(epochs.oracleEpochs.edges.map((e: any) => [e.node.epoch, e.node]));
      // the receiptsRoot in the RootProposed events, read from the chain itself (not the indexer)
      const proposed = await c.publicClient.getContractEvents({
        address: c.distributor,
        abi: c.abi,
        eventName: "RootProposed",
        fromBlock: 0n,
      });
      const postedRoot = new Map(
        proposed.map((l: any) => [String(l.args.epoch), String(l.args.receiptsRoot).toLowerCase()]),
      );
      for (const epoch of [0, 1]) {
        const oe: any = byEpoch.get(String(epoch));
        expect(oe.status).to.be.oneOf(["FINALIZED", "POSTED"]);
        expect(oe.chain.receiptsRoot, "the oracle posted the root it stored").to.equal(oe.receiptsRoot);
        expect(postedRoot.get(oe.chainEpoch), "RootProposed on-chain").to.equal(oe.receiptsRoot);
        const receipts = await allReceipts(nodes[0]!, epoch);
        expect(receipts).to.have.length(10); // 2 sessions × 5 receipts
        for (const r of receipts) {
          expect(r.epochVerdict).to.deep.include({ status: "accepted", reasons: [] });
          expect(r.epochVerdict.countedBytes).to.equal(r.deltaBytes);
          const i = r.inclusion;
          expect(i.epoch).to.equal(String(epoch));
          expect(i.chainEpoch).to.equal(oe.chainEpoch);
          expect(i.receiptId).to.equal(r.epochVerdict.receiptId);
          expect(i.countedBytes).to.equal(r.epochVerdict.countedBytes);
          expect(i.receiptsRoot).to.equal(oe.receiptsRoot);
          expect(i.onChainReceiptsRoot).to.equal(oe.chain.receiptsRoot);
          const leaf = { receiptId: i.receiptId as Hex, countedBytes: BigInt(i.countedBytes) };
          expect(verifyReceiptProof({ ...leaf, receiptsRoot: i.onChainReceiptsRoot, proof: i.proof })).to.equal(true);
          expect(
            StandardMerkleTree.verify(i.receiptsRoot, ["bytes32", "uint256"], [i.receiptId, i.countedBytes], i.proof),
          ).to.equal(true);
          // a forged amount does not verify
          expect(
            verifyReceiptProof({
              ...leaf,
              countedBytes: leaf.countedBytes + 1n,
              receiptsRoot: i.receiptsRoot,
              proof: i.proof,
            }),
          ).to.equal(false);
        }
        // the same proof by receipt id alone
        const one = receipts[3].inclusion;
        const byId = await data(
          `query($e: BigInt!, $r: Bytes!) { receiptInclusion(epoch: $e, receiptId: $r) { leaf proof } }`,
          {
            e: epoch,
            r: one.receiptId,
          },
        );
        expect(byId.receiptInclusion).to.deep.equal({ leaf: one.leaf, proof: one.proof });
      }
    });

    it("behavior: flagged receipts carry their verdict and no proof; an epoch not yet computed has neither", async () => {
      // node 2 served while its heartbeats said offline: flagged NODE_OFFLINE, nothing counted
      const flagged = await allReceipts(nodes[2]!, 0);
      expect(flagged).to.have.length(10);
      for (const r of flagged) {
        expect(r.verdict).to.equal("accepted"); // at ingest
        expect(r.epochVerdict.status).to.equal("flagged");
        expect(r.epochVerdict.reasons).to.include("NODE_OFFLINE");
        expect(r.epochVerdict.countedBytes).to.equal("0");
        expect(r.inclusion).to.equal(null);
      }
      const open = await allReceipts(nodes[0]!, 2);
      expect(open).to.have.length(10);
      for (const r of open) {
        expect(r.epochVerdict).to.equal(null);
        expect(r.inclusion).to.equal(null);
      }
      // a stored receiptsRoot the dataset does not rebuild: no verdict nor proof is served against it
      const { rows } = await db.query<{ r: Uint8Array }>("SELECT receipts_root AS r FROM epoch_state WHERE epoch = 1");
      await db.query("UPDATE epoch_state SET receipts_root = $1 WHERE epoch = 1", [Buffer.alloc(32, 7)]);
      try {
        for (const r of await allReceipts(nodes[0]!, 1)) {
          expect(r.epochVerdict).to.equal(null);
          expect(r.inclusion).to.equal(null);
        }
      } finally {
        await db.query("UPDATE epoch_state SET receipts_root = $1 WHERE epoch = 1", [rows[0]!.r]);
      }
      expect((await allReceipts(nodes[0]!, 1))[0].inclusion).to.not.equal(null);
      const none = await data(`query($r: Bytes!) { receiptInclusion(epoch: 0, receiptId: $r) { leaf } }`, {
        r: `0x${"11".repeat(32)}`,
      });
      expect(none.receiptInclusion).to.equal(null);
    });

    it("default: each node's newest stored heartbeat (signed timestamp and epoch), as stored", async () => {
      const { rows } = await db.query<{ node: Uint8Array; ts: string; epoch: string }>(
        `SELECT DISTINCT ON (node_address) node_address AS node, timestamp::text AS ts, epoch::text AS epoch
           FROM heartbeats ORDER BY node_address, timestamp DESC`,
      );
      const newest = new Map(rows.map((r) => [`0x${Buffer.from(r.node).toString("hex")}`, r]));
      expect(newest.size).to.be.greaterThan(0);
      let seen = 0;
      for (const addr of [...nodes, ...payouts]) {
        const d = await data(
          `query($a: Bytes!) { supporter(address: $a) { nodes { address lastHeartbeatAt lastHeartbeatEpoch } } }`,
          { a: addr },
        );
        for (const n of d.supporter?.nodes ?? []) {
          const want = newest.get(n.address);
          expect(n.lastHeartbeatAt).to.equal(want ? want.ts : null);
          expect(n.lastHeartbeatEpoch).to.equal(want ? want.epoch : null);
          if (want) seen++;
        }
      }
      expect(seen).to.be.greaterThan(0);
    });

    it("default: per-session impact — viewers, bytes claimed and counted, duration, attributable earnings", async () => {
      const d = await data(SESSIONS, { a: nodes[0], first: 10 });
      const sessions = d.supporter.sessions.edges.map((e: any) => e.node);
      expect(sessions).to.have.length(6); // 2 sessions in each of epochs 0, 1, 2
      expect(d.supporter.sessions.pageInfo.hasNextPage).to.equal(false);
      const last = sessions.map((s: any) => BigInt(s.lastReceiptAt));
      for (let i = 1; i < last.length; i++) expect(last[i] <= last[i - 1]).to.equal(true);
      for (const s of sessions) {
        expect(s).to.deep.include({ viewersServed: 1, nodes: [nodes[0]!.toLowerCase()], receipts: 5 });
        expect(s.durationSeconds).to.equal("240"); // receipts at +60 s … +300 s
        expect(BigInt(s.lastReceiptAt) - BigInt(s.firstReceiptAt)).to.equal(240n);
        expect(s.claimedBytes).to.equal((5n * STEP).toString());
        expect(s.firstEpoch).to.equal(s.lastEpoch);
      }
      // the statement of each computed epoch is shared by its sessions, pro rata to counted bytes
      for (const epoch of ["0", "1"]) {
        const inEpoch = sessions.filter((s: any) => s.firstEpoch === epoch);
        expect(inEpoch).to.have.length(2);
        const st = await data(
          `query($a: Bytes!, $e: BigInt) { supporter(address: $a) {
          statements(epoch: $e) { edges { node { account payoutMicroUsd countedBytes } } } } }`,
          { a: nodes[0], e: epoch },
        );
        const statement = st.supporter.statements.edges
          .map((e: any) => e.node)
          .find((n: any) => n.account === payouts[0]);
        const payout = BigInt(statement.payoutMicroUsd);
        const stmtCounted = BigInt(statement.countedBytes);
        expect(payout > 0n).to.equal(true);
        for (const s of inEpoch) {
          expect(s.complete).to.equal(true);
          expect(s.pendingBytes).to.equal("0");
          expect(s.countedBytes).to.equal(s.claimedBytes);
          expect(BigInt(s.earningsMicroUsd)).to.equal((payout * BigInt(s.countedBytes)) / stmtCounted);
        }
        const attributed = inEpoch.reduce((sum: bigint, s: any) => sum + BigInt(s.earningsMicroUsd), 0n);
        expect(
          attributed <= payout && attributed > payout - 2n,
          "the floors leave at most 1 µUSD per session",
        ).to.equal(true);
      }
      // epoch 2 is open: claimed but pending, nothing counted or earned yet
      for (const s of sessions.filter((x: any) => x.firstEpoch === "2"))
        expect(s).to.deep.include({
          complete: false,
          countedBytes: "0",
          earningsMicroUsd: "0",
          pendingBytes: s.claimedBytes,
        });

      // node 2's sessions: served, flagged, nothing counted nor earned
      const n2 = await data(SESSIONS, { a: nodes[2], first: 2 });
      for (const e of n2.supporter.sessions.edges) {
        expect(e.node.claimedBytes).to.equal((5n * STEP * 3n).toString());
        expect(e.node.countedBytes).to.equal("0");
        expect(e.node.earningsMicroUsd).to.equal("0");
      }
      // one session's report, by its id
      const one = await data(SESSIONS, { a: nodes[0], s: sessions[3].sessionId });
      expect(one.supporter.sessions.edges.map((e: any) => e.node)).to.deep.equal([sessions[3]]);
      // queried by the payout address: the same sessions (its node's)
      const byPayout = await data(SESSIONS, { a: payouts[0], first: 10 });
      expect(byPayout.supporter.sessions.edges.map((e: any) => e.node.sessionId)).to.deep.equal(
        sessions.map((s: any) => s.sessionId),
      );
    });

    it("default: sessions page with Relay cursors; bad input has stable codes", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const d = await data(SESSIONS, { a: nodes[1], first: 1, after: cursor }); // pages across equal timestamps
        const conn = d.supporter.sessions;
        seen.push(...conn.edges.map((e: any) => e.node.sessionId));
        if (!conn.pageInfo.hasNextPage) break;
        cursor = conn.pageInfo.endCursor;
      }
      expect(seen).to.have.length(6);
      expect(new Set(seen).size).to.equal(6);
      const code = async (q: string, v: Record<string, unknown>) => (await gql(q, v)).errors?.[0]?.extensions?.code;
      expect(await code(SESSIONS, { a: nodes[0], first: 101 })).to.equal("PAGE_TOO_LARGE");
      expect(await code(SESSIONS, { a: nodes[0], after: "nope" })).to.equal("INVALID_CURSOR");
      expect(await code(SESSIONS, { a: nodes[0], first: -1 })).to.equal("BAD_USER_INPUT");
      expect(await code(SESSIONS, { a: nodes[0], s: "0x12" })).to.equal("BAD_USER_INPUT");
      expect(await code(`{ receiptInclusion(epoch: 0, receiptId: "0x12") { leaf } }`, {})).to.equal("BAD_USER_INPUT");
      expect(await code(`{ receiptInclusion(epoch: "x", receiptId: "0x12") { leaf } }`, {})).to.equal("BAD_USER_INPUT");
    });
  });
}
