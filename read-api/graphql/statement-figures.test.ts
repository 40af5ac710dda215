/**
 * The read projection `statement_figures` (migration 0032) against the full statements, over data
 * the real pipeline produced: signed activity (oracle/testing), the oracle closing, computing,
 * signing, posting and finalizing five epochs on Hardhat's in-process chain, a claim with the
 * API's proof, offline-flagged receipts, and a vetoed epoch recomputed with an admin's flag
 * decision (its statements deleted and written again). Every supporter's statements answered from
 * the projection equal those answered from the full statements, and the projection equals the
 * statements it mirrors.
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
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import { runOnce, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, SIGNER_KEYS, type DeployedChain } from "../../oracle/testing/chain.ts";
import { COORDINATOR, epochBounds, recordTestFlagDecision, seedEpochs } from "../../oracle/testing/seed.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";
import { makeApp } from "../../coordinator/testing/fixtures.ts";

const WINDOW = 3_600n;
const EPOCHS = [0n, 1n, 2n, 3n, 4n];
const connection = await network.create();
const transport = custom(connection.provider);

const FIGURES = `epoch chainEpoch epochStatus account receipts claimedBytes countedBytes withheldBytes earnedMicroUsd
  payoutMicroUsd previousCumulativeMicroUsd cumulativeMicroUsd`;
const TOTALS = `totals { accruedMicroUsd committedMicroUsd claimableMicroUsd claimedMicroUsd entitledMicroUsd finalizedEpoch }`;
/** `extra`: more Statement fields; any field outside the figures sends the query down the full path. */
const query = (first: number, extra = "") => `query($a: Bytes!) { supporter(address: $a) { address ${TOTALS}
  statements(first: ${first}) { edges { cursor node { ${FIGURES} ${extra} } } pageInfo { hasNextPage endCursor } } } }`;

for (const backend of testBackends()) {
  describe(`The statement figures projection (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let dataDir: string;
    let c: DeployedChain;
    let ctx: OracleContext;
    let indexer: Indexer;
    let nodes: Hex[];
    let payouts: Hex[];
    /** Queries the API sent that read the projection. */
    let projectionReads = 0;

    const data = async (q: string, variables: Record<string, unknown> = {}) => {
      const res = await app.inject({ method: "POST", url: "/graphql", payload: { query: q, variables } });
      const body = res.json<{ data?: any; errors?: unknown }>();
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data;
    };
    const increaseTime = async (seconds: bigint) => {
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const statusOf = async (epoch: bigint) =>
      (await db.query<{ status: string }>("SELECT status FROM epochs WHERE number = $1", [epoch.toString()])).rows[0]
        ?.status;
    const chainEpochOf = async (epoch: bigint) =>
      (
        await db.query<{ chain_epoch: bigint }>("SELECT chain_epoch FROM epoch_state WHERE epoch = $1", [
          epoch.toString(),
        ])
      ).rows[0]!.chain_epoch;

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      dataDir = mkdtempSync(path.join(tmpdir(), "statement-figures-test-"));
      c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      const domain = domainOf(c.chainId, c.distributor);
      ({ nodes, payouts } = await seedEpochs(db, { domain, epochs: EPOCHS }));
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
        now: () => new Date(Number(epochBounds(EPOCHS.at(-1)!).end + 120n) * 1000),
      };
      indexer = await createIndexer({
        db,
        client: c.publicClient,
        address: c.distributor,
        startBlock: 0n,
        confirmations: 0,
      });
      // The API's database handle, counting the queries that read the projection.
      const counted = new Proxy(db, {
        get(target, prop, receiver) {
          if (prop === "query")
            return (sql: string, params?: readonly unknown[]) => {
              if (sql.includes("FROM statement_figures")) projectionReads++;
              return target.query(sql, params);
            };
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      // No response cache: every answer below is computed.
      app = await makeApp(counted, pool, { dataDir, graphql: { responseCacheMiB: 0 } });

      // epochs 0–3 finalized, epoch 4 posted
      const last = EPOCHS.at(-1)!;
      for (let i = 0; i < 20 && (await statusOf(last)) !== "POSTED"; i++) {
        await runOnce(ctx);
        await indexer.syncToHead();
        if ((await statusOf(last)) !== "POSTED") await increaseTime(WINDOW + 1n);
      }
      expect(await statusOf(last)).to.equal("POSTED");
      expect(await statusOf(last - 1n)).to.equal("FINALIZED");

      // payouts[0] claims epoch 3's entitlement with the API's proof
      const p = (
        await data(`query($a: Bytes!) { supporter(address: $a) { proof { account cumulativeMicroUsd proof } } }`, {
          a: payouts[0],
        })
      ).supporter.proof;
      const claim = await c.admin.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "claim",
        args: [p.account, BigInt(p.cumulativeMicroUsd), p.proof],
      });
      expect((await c.publicClient.waitForTransactionReceipt({ hash: claim })).status).to.equal("success");

      // epoch 4 vetoed; the admin includes node 2's offline-flagged receipts; recomputed and re-posted
      const veto = await c.guardian.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "veto",
        args: [await chainEpochOf(last), "node 2 was online"],
      });
      await c.publicClient.waitForTransactionReceipt({ hash: veto });
      await runOnce(ctx);
      expect(await statusOf(last)).to.equal("VETOED");
      await recordTestFlagDecision(db, domain, {
        epoch: last,
        node: nodes[2]!,
        reasonCode: "NODE_OFFLINE",
        include: true,
        note: "heartbeats were delayed",
      });
      await runOnce(ctx);
      expect(await statusOf(last)).to.equal("POSTED");
      await indexer.syncToHead();
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: the projection holds exactly the figures of the stored statements", async () => {
      const { rows } = await db.query<{ n: bigint; missing: bigint; extra: bigint }>(
        `WITH derived AS (SELECT f.* FROM epoch_statements n, LATERAL statement_figures_of(n.account, n.epoch, n.statement) f)
         SELECT (SELECT count(*) FROM statement_figures) AS n,
                (SELECT count(*) FROM (SELECT * FROM derived EXCEPT SELECT * FROM statement_figures) d) AS missing,
                (SELECT count(*) FROM (SELECT * FROM statement_figures EXCEPT SELECT * FROM derived) d) AS extra`,
      );
      expect(rows[0]!.n > 0n).to.equal(true);
      expect(rows[0]!.missing).to.equal(0n);
      expect(rows[0]!.extra).to.equal(0n);
    });

    it("behavior: every supporter's statements and totals from the projection equal the full path's", async () => {
      const accounts = [...new Set([...nodes, ...payouts])];
      let withheld = 0;
      for (const a of accounts)
        for (const first of [2, 5, 30]) {
          // twice: the first read after a change caches the lifecycle facts (and reads full statements)
          await data(query(first), { a });
          const before = projectionReads;
          const fromFigures = (await data(query(first), { a })).supporter;
          expect(projectionReads, `${a} first ${first}: read from the projection`).to.equal(before + 1);
          // `founder` is not one of the figures: this one reads the full statements
          const full = (await data(query(first, "founder"), { a })).supporter;
          expect(projectionReads).to.equal(before + 1);
          for (const e of full.statements.edges) delete e.node.founder;
          expect(fromFigures).to.deep.equal(full);
          for (const e of fromFigures.statements.edges) if (e.node.withheldBytes !== "0") withheld++;
        }
      // the data has what the projection must get right: many epochs, flagged bytes, a claim, a recomputation
      const n0 = (await data(query(30), { a: nodes[0] })).supporter;
      expect(n0.statements.edges.map((e: any) => e.node.epoch)).to.deep.equal(["4", "3", "2", "1", "0"]);
      expect(n0.statements.edges[0].node.epochStatus).to.equal("POSTED");
      expect(BigInt((await data(query(2), { a: payouts[0] })).supporter.totals.claimedMicroUsd) > 0n).to.equal(true);
      expect(withheld > 0, "some statements withheld flagged bytes").to.equal(true);
    });
  });
}
