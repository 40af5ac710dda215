/**
 * The GraphQL API and the dataset route over data produced by the real pipeline: the
 * coordinator's tables seeded with signed activity (oracle/testing), the oracle's state machine
 * closing, computing, signing, posting and finalizing epochs on Hardhat's in-process chain, the
 * chain indexer reading the distributor, and a claim made with the proof the API served.
 * Asserts the lifecycle totals add up at every stage and the proof verifies against the root.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import pino from "pino";
import { custom, type Hex } from "viem";
import { bytesToHex } from "../../core/hex.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { verifyPayoutProof } from "../../core/tree.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import { runOnce, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, SIGNER_KEYS, type DeployedChain } from "../../oracle/testing/chain.ts";
import { COORDINATOR, epochBounds, seedEpochs } from "../../oracle/testing/seed.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { makeApp } from "../../coordinator/testing/fixtures.ts";

const WINDOW = 3_600n;
const connection = await network.create();
const transport = custom(connection.provider);

type GqlBody = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

const TOTALS = `totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd
  unpricedBytes accruedThroughEpoch committedEpoch committedValidAt finalizedEpoch }`;

for (const backend of testBackends()) {
  describe(`GraphQL over the oracle's tables (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let dataDir: string;
    let c: DeployedChain;
    let ctx: OracleContext;
    let indexer: Indexer;
    let nodes: Hex[];
    let payouts: Hex[];

    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await app.inject({ method: "POST", url: "/graphql", payload: { query, variables } });
      return { status: res.statusCode, body: res.json<GqlBody>() };
    };
    const data = async (query: string, variables: Record<string, unknown> = {}) => {
      const { status, body } = await gql(query, variables);
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      expect(status).to.equal(200);
      return body.data!;
    };
    const increaseTime = async (seconds: bigint) => {
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const leafOf = async (epoch: bigint, account: Hex): Promise<bigint> => {
      const { rows } = await db.query<{ a: bigint }>(
        "SELECT cumulative_micro_usd AS a FROM epoch_leaves WHERE epoch = $1 AND account = $2",
        [epoch.toString(), Buffer.from(account.slice(2), "hex")],
      );
      return rows[0]?.a ?? 0n;
    };
    const totalsOf = async (addr: Hex) => {
      const d = await data(`query($a: Bytes!) { supporter(address: $a) { ${TOTALS} } }`, { a: addr });
      const t = d.supporter.totals;
      const sum =
        BigInt(t.accruedMicroUsd) +
        BigInt(t.committedMicroUsd) +
        BigInt(t.claimableMicroUsd) +
        BigInt(t.claimedMicroUsd);
      expect(sum.toString(), "the lifecycle totals add up").to.equal(t.entitledMicroUsd);
      return t;
    };

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      dataDir = mkdtempSync(path.join(tmpdir(), "api-oracle-test-"));
      c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      const domain = domainOf(c.chainId, c.distributor);
      ({ nodes, payouts } = await seedEpochs(db, { domain, epochs: [0n, 1n, 2n] }));
      ctx = {
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
        now: () => new Date(Number(epochBounds(2n).end + 120n) * 1000),
      };
      indexer = await createIndexer({
        db,
        client: c.publicClient,
        address: c.distributor,
        startBlock: 0n,
        confirmations: 0,
      });
      app = await makeApp(db, pool, { dataDir });
      await app.listen({ host: "127.0.0.1", port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

      // epoch 0 proposed, then finalized; epoch 1 proposed (pending in its dispute window)
      await runOnce(ctx);
      await increaseTime(WINDOW + 1n);
      await runOnce(ctx);
      await indexer.syncToHead();
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: statements itemize every line; uptime and flagged receipts with reason codes", async () => {
      const d = await data(
        `query($a: Bytes!) { supporter(address: $a) {
           payoutAccounts
           statements(first: 10) { edges { node { epoch chainEpoch epochStatus account countedBytes claimedBytes
             withheldBytes ratePerGbMicroUsd baseMicroUsd founder multiplierBps uptimeBps uptimeBonusBps exactMicroUsd
             earnedMicroUsd proRata { numerator } payoutMicroUsd previousCumulativeMicroUsd cumulativeMicroUsd
             withheld { status reason bytes } } } }
           uptime { epoch uptimeBps }
         } }`,
        { a: nodes[0] },
      );
      const s = d.supporter;
      expect(s.payoutAccounts).to.include(payouts[0]);
      const st = s.statements.edges.map((e: any) => e.node);
      expect(st.map((x: any) => x.epoch)).to.deep.equal(["1", "0"]);
      const e0 = st[1];
      expect(e0.account).to.equal(payouts[0]);
      expect(e0.founder).to.equal(true);
      expect(e0.multiplierBps).to.equal("11000");
      expect(e0.ratePerGbMicroUsd).to.equal("50000");
      expect(e0.uptimeBps).to.equal("10000");
      expect(BigInt(e0.payoutMicroUsd) > 0n).to.equal(true);
      expect(BigInt(e0.cumulativeMicroUsd)).to.equal(await leafOf(0n, payouts[0]!));
      expect(BigInt(st[0].previousCumulativeMicroUsd)).to.equal(BigInt(e0.cumulativeMicroUsd));
      expect(s.uptime.map((u: any) => u.epoch)).to.deep.equal(["1", "0"]);

      // node 2 was offline while it served: its receipts were flagged, with the reason code
      const n2 = await data(
        `query($a: Bytes!) { supporter(address: $a) {
           flaggedReceipts(first: 3, epoch: 0) { edges { node { status reasons claimedBytes countedBytes } } pageInfo { hasNextPage } }
         } }`,
        { a: nodes[2] },
      );
      const flagged = n2.supporter.flaggedReceipts;
      expect(flagged.edges).to.have.length(3);
      expect(flagged.pageInfo.hasNextPage).to.equal(true);
      for (const e of flagged.edges) {
        expect(e.node.reasons).to.include("NODE_OFFLINE");
        expect(e.node.countedBytes).to.equal("0");
      }
    });

    it("default: the dataset is served over HTTP with the hash on-chain; verification recomputes it", async () => {
      const d = await data(`{ epoch(id: "1") { datasetHash root status
        verification { ok datasetAvailable mismatches checks { name ok } recomputedRoot }
        oracle { epoch status attempt datasetUrl rateCard { version ratePerGbMicroUsd founderMultiplierBps hash }
                 rateCardHash timeline { status } signatures { signer } supporters payoutMicroUsd
                 metrics { activeSupporters activeNodes supporterCountedBytes supporterSubmittedBytes cdnBytes offloadBps meanUptimeBps }
                 ledger { balanced debitMicroUsd } }
        leaves(first: 2) { edges { node { account cumulativeMicroUsd } } } } }`);
      const e = d.epoch;
      expect(e.status).to.equal("Finalized");
      expect(e.verification.ok, JSON.stringify(e.verification.checks)).to.equal(true);
      expect(e.verification.recomputedRoot).to.equal(e.root);
      expect(e.oracle.status).to.equal("FINALIZED");
      expect(e.oracle.rateCard.hash).to.equal(e.oracle.rateCardHash);
      expect(e.oracle.timeline.map((t: any) => t.status)).to.deep.equal([
        "CLOSED",
        "COMPUTED",
        "SIGNED",
        "POSTED",
        "FINALIZED",
      ]);
      expect(e.oracle.signatures).to.have.length(2);
      expect(e.oracle.ledger.balanced).to.equal(true);
      expect(e.oracle.ledger.debitMicroUsd).to.equal(e.oracle.payoutMicroUsd);
      expect(e.oracle.metrics.activeNodes).to.equal(3);
      expect(e.oracle.metrics.activeSupporters).to.equal(2); // node 2 served while offline: nothing counted
      expect(e.oracle.metrics.offloadBps).to.equal("10000"); // no CDN usage reported
      expect(e.leaves.edges).to.have.length(2);

      const res = await fetch(`${base}${e.oracle.datasetUrl}`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^application\/x-ndjson/);
      expect(res.headers.get("x-dataset-hash")).to.equal(e.datasetHash);
      expect(bytesToHex(keccak256Bytes(new Uint8Array(await res.arrayBuffer())))).to.equal(e.datasetHash);

      // results are cached; a dataset this server does not store is not verified here (null)
      const again = await data(
        `{ a: epoch(id: "1") { verification { ok } } b: epoch(id: "2") { verification { ok } } }`,
      );
      expect(again.a.verification.ok).to.equal(true);
      expect(again.b.verification.ok).to.equal(true);
      rmSync(
        path.join(dataDir, "datasets", `${(await data(`{ epoch(id: "2") { datasetHash } }`)).epoch.datasetHash}.jsonl`),
      );
      const gone = await data(`{ epoch(id: "2") { verification { ok } } }`);
      expect(gone.epoch.verification.ok).to.equal(true); // cached: the same dataset and proposal
    });

    it("behavior: committed → claim with the API's proof → claimable → accrued: the totals always add up", async () => {
      const [p0, p1] = payouts as [Hex, Hex];
      // stage 1: epoch 0 finalized (claimable), epoch 1 pending (committed), nothing claimed
      let t = await totalsOf(nodes[0]!);
      expect(BigInt(t.claimableMicroUsd)).to.equal(await leafOf(0n, p0));
      expect(BigInt(t.committedMicroUsd)).to.equal((await leafOf(1n, p0)) - (await leafOf(0n, p0)));
      expect(t.committedEpoch).to.equal("2");
      expect(t.finalizedEpoch).to.equal("1");
      expect(t.claimedMicroUsd).to.equal("0");
      expect(t.accruedMicroUsd).to.equal("0");

      // the proof the API serves verifies against the finalized root and the contract accepts it
      const d = await data(
        `query($a: Bytes!) { supporter(address: $a) { proof { account epoch root cumulativeMicroUsd claimableMicroUsd proof } } }`,
        { a: nodes[0] },
      );
      const p = d.supporter.proof;
      expect(p.account).to.equal(p0);
      expect(p.epoch).to.equal("1");
      const root = (await data(`{ epoch(id: "1") { root } }`)).epoch.root;
      expect(p.root).to.equal(root);
      expect(verifyPayoutProof({ account: p0, amount: BigInt(p.cumulativeMicroUsd), root, proof: p.proof })).to.equal(
        true,
      );
      const hash = await c.admin.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "claim",
        args: [p0, BigInt(p.cumulativeMicroUsd), p.proof],
      });
      expect((await c.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
      await indexer.syncToHead();

      // stage 2: claimed
      t = await totalsOf(nodes[0]!);
      expect(t.claimedMicroUsd).to.equal(p.cumulativeMicroUsd);
      expect(t.claimableMicroUsd).to.equal("0");
      const p1Totals = await totalsOf(p1);
      expect(BigInt(p1Totals.claimableMicroUsd)).to.equal(await leafOf(0n, p1));

      // stage 3: epoch 1 finalized; epoch 2 computed but not signed (no local signers): accrued
      await increaseTime(WINDOW + 1n);
      ctx.config.signerKeys = [];
      await runOnce(ctx);
      await indexer.syncToHead();
      t = await totalsOf(nodes[0]!);
      expect(t.accruedThroughEpoch).to.equal("2");
      expect(t.finalizedEpoch).to.equal("2");
      expect(t.committedMicroUsd).to.equal("0");
      expect(BigInt(t.claimableMicroUsd)).to.equal((await leafOf(1n, p0)) - (await leafOf(0n, p0)));
      expect(BigInt(t.accruedMicroUsd)).to.equal((await leafOf(2n, p0)) - (await leafOf(1n, p0)));
      expect(BigInt(t.accruedMicroUsd) > 0n).to.equal(true);
      expect(BigInt(t.entitledMicroUsd)).to.equal(await leafOf(2n, p0));

      const oe = await data(`{ oracleEpochs(first: 1) { edges { node { epoch status chainEpoch chain { id } } } } }`);
      expect(oe.oracleEpochs.edges[0].node).to.deep.include({ epoch: "2", status: "COMPUTED", chain: null });
    });

    it("default: the ledger's entries and balances, filtered and paged", async () => {
      const d = await data(
        `query($h: Bytes!) {
           ledgerEntries(first: 2, kind: "accrual") { edges { node { journalId epoch kind account accountKind debitMicroUsd creditMicroUsd } } pageInfo { hasNextPage endCursor } }
           mine: ledgerEntries(first: 10, holder: $h) { edges { node { epoch kind debitMicroUsd creditMicroUsd } } }
           ledgerBalances(first: 10, kind: "liability") { edges { node { account holder balanceMicroUsd } } }
           ledgerEpochBalances { epoch balanced }
         }`,
        { h: payouts[0] },
      );
      expect(d.ledgerEntries.edges).to.have.length(2);
      expect(d.ledgerEntries.pageInfo.hasNextPage).to.equal(true);
      const next = await data(
        `query($a: String) { ledgerEntries(first: 2, kind: "accrual", after: $a) { edges { node { journalId account } } } }`,
        {
          a: d.ledgerEntries.pageInfo.endCursor,
        },
      );
      expect(next.ledgerEntries.edges[0].node).to.not.deep.equal(d.ledgerEntries.edges[0].node);
      // payouts[0] claimed against epoch 0's root: the oracle booked that claim's payout journal
      const { rows: claimed } = await db.query<{ a: bigint }>(
        "SELECT COALESCE(sum(amount), 0) AS a FROM chain_claims WHERE account = $1",
        [Buffer.from(payouts[0]!.slice(2), "hex")],
      );
      expect(claimed[0]!.a > 0n).to.equal(true);
      expect(d.mine.edges.map((e: any) => `${e.node.kind}:${e.node.epoch}`)).to.deep.equal([
        "accrual:0",
        "accrual:1",
        "accrual:2",
        "payout:0",
      ]);
      expect(d.mine.edges[3].node.debitMicroUsd).to.equal(claimed[0]!.a.toString());
      const mine = d.ledgerBalances.edges.find((e: any) => e.node.holder === payouts[0]);
      expect(BigInt(mine.node.balanceMicroUsd)).to.equal((await leafOf(2n, payouts[0]!)) - claimed[0]!.a);
      for (const b of d.ledgerEpochBalances) expect(b.balanced).to.equal(true);
    });

    it("error: bad input has stable codes", async () => {
      const code = async (q: string) => (await gql(q)).body.errors?.[0]?.extensions?.code;
      expect(await code(`{ ledgerEntries(first: 101) { edges { cursor } } }`)).to.equal("PAGE_TOO_LARGE");
      expect(await code(`{ ledgerEntries(after: "nope") { edges { cursor } } }`)).to.equal("INVALID_CURSOR");
      expect(await code(`{ ledgerEntries(holder: "0x12") { edges { cursor } } }`)).to.equal("BAD_USER_INPUT");
      expect(
        await code(`{ supporter(address: "${nodes[0]}") { proof(account: "${payouts[1]}") { proof } } }`),
      ).to.equal("BAD_USER_INPUT");
      expect((await data(`{ oracleEpoch(epoch: 999) { epoch } }`)).oracleEpoch).to.equal(null);
    });
  });
}
