/**
 * The GraphQL API over data produced by the real pieces: a supporter registered and receipts
 * ingested through the coordinator's REST API; a RewardsDistributor on Hardhat's network with
 * a finalized epoch, a claim and a vetoed proposal; the chain indexer reading it. Then every
 * query, the error codes, DataLoader batching, and subscriptions over SSE, WebSocket and Redis
 * across two app instances.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createClient } from "graphql-ws";
import { network } from "hardhat";
import type { Hex } from "viem";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { commitments, deployFixture, ORACLE_SIGNERS, signEpochRoot } from "../../test/contracts/fixture.ts";
import { grant, makeApp, newKey, register, signedReceipt, type Key } from "../../coordinator/testing/fixtures.ts";
import { proposeAndFinalize } from "../../indexer/testing.ts";
import { createIndexer, type Indexer } from "../../indexer/sync.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const hex32 = (byte: string): Hex => `0x${byte.repeat(32)}`;
const VETO_REASON = "dataset hash does not match the published dataset";

type GqlBody = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
};

for (const backend of testBackends()) {
  describe(`GraphQL API (${backend.name})`, () => {
    let db: Db;
    let queries = 0;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let conn: Awaited<ReturnType<typeof network.create>>;
    let f: Awaited<ReturnType<typeof deployFixture>>;
    let indexer: Indexer;
    let epoch1: Awaited<ReturnType<typeof proposeAndFinalize>>;
    let node: Key;
    let alice: Key; // the node's payout address
    let bob: Key;

    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await app.inject({ method: "POST", url: "/graphql", payload: { query, variables } });
      return { status: res.statusCode, body: res.json<GqlBody>() };
    };
    const data = async (query: string, variables: Record<string, unknown> = {}) => {
      const { status, body } = await gql(query, variables);
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      expect(status).to.equal(200);
      return body.data as Record<string, any>;
    };
    const errorCode = async (query: string, variables: Record<string, unknown> = {}) => {
      const { status, body } = await gql(query, variables);
      expect(status).to.be.lessThan(500);
      expect(body.errors, JSON.stringify(body)).to.be.an("array").that.is.not.empty;
      return body.errors![0]!.extensions?.code;
    };
    const index = async (target: FastifyInstance = app) => {
      for (const step of await indexer.syncToHead()) target.ledgerEvents.publishStep(step);
    };

    before(async () => {
      const raw = await backend.open();
      // Count queries (DataLoader test) without changing behaviour.
      db = {
        ...raw,
        kind: raw.kind,
        query: (sql, params) => {
          queries++;
          return raw.query(sql, params);
        },
        exec: (sql) => raw.exec(sql),
        transaction: (fn) => raw.transaction(fn),
        close: () => raw.close(),
      };
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      node = newKey();
      alice = newKey();
      bob = newKey();
      const viewer = newKey();
      expect((await register(app, node, alice.address)).statusCode).to.equal(201);
      const sessionId = await grant(app, viewer.address);
      const receipts = [1n, 2n, 3n].map((seq) =>
        signedReceipt(viewer, { sessionId, supporter: node.address, seq, cumulativeBytes: seq * 1_000_000n }),
      );
      receipts.push(
        signedReceipt(viewer, { sessionId, supporter: node.address, seq: 4n, cumulativeBytes: 2_500_000n }),
      );
      const ingest = await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts } });
      expect(ingest.statusCode, ingest.body).to.equal(200);

      conn = await network.create();
      f = await deployFixture(conn, { fundAmount: 10n ** 12n });
      epoch1 = await proposeAndFinalize(f, conn.networkHelpers, 1n, [
        [alice.address, 300_000_000n],
        [bob.address, 200_000_000n],
      ]);
      await epoch1.claim(0); // alice
      // Epoch 2 proposed, then vetoed by the guardian.
      const message = { epoch: 2n, attempt: 1n, root: hex32("ab"), cumulativeTotal: 900_000_000n, ...commitments(2n) };
      const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), f.chainId, f.distributor.address, message);
      await f.wait(
        await f.distributor.write.proposeRoot(
          [
            2n,
            message.attempt,
            message.root,
            message.cumulativeTotal,
            message.receiptsRoot,
            message.datasetHash,
            message.rateCardHash,
            signatures,
          ],
          { account: f.proposer.account },
        ),
      );
      await f.wait(await f.distributor.write.veto([2n, VETO_REASON], { account: f.guardian.account }));
      indexer = await createIndexer({
        db,
        client: f.publicClient,
        address: f.distributor.address,
        startBlock: 0n,
        confirmations: 0,
      });
      await index();
    });
    after(async () => {
      await app.close();
      await pool.close();
      await conn.provider.close();
      await db.close();
    });

    it("default: epochs with status, commitments, transactions, veto reason and claims", async () => {
      const d = await data(`{
        epochs { id epoch status root cumulativeTotalMicroUsd receiptsRoot datasetHash rateCardHash validAt signers
                 finalizedAt vetoedAt vetoReason proposalCount claimedMicroUsd
                 transactions { kind transactionHash blockNumber }
                 claims { amountMicroUsd account { id } } }
        epoch(id: "1") { status root }
      }`);
      const [e2, e1] = d.epochs as any[];
      expect(e2).to.include({
        id: "2",
        status: "Vetoed",
        vetoReason: VETO_REASON,
        proposalCount: 1,
        claimedMicroUsd: "0",
      });
      expect(e2.transactions.map((t: { kind: string }) => t.kind)).to.deep.equal(["Proposed", "Vetoed"]);
      expect(e1).to.include({
        id: "1",
        epoch: "1",
        status: "Finalized",
        root: epoch1.message.root,
        cumulativeTotalMicroUsd: "500000000",
        datasetHash: commitments(1n).datasetHash,
        vetoReason: null,
        claimedMicroUsd: "300000000",
      });
      expect(e1.signers).to.deep.equal(ORACLE_SIGNERS.slice(0, 3).map((s) => s.address.toLowerCase()));
      expect(e1.finalizedAt).to.match(/^\d+$/);
      expect(e1.transactions.map((t: { kind: string }) => t.kind)).to.deep.equal(["Proposed", "Finalized"]);
      expect(e1.claims).to.deep.equal([{ amountMicroUsd: "300000000", account: { id: alice.address.toLowerCase() } }]);
      expect(d.epoch).to.deep.equal({ status: "Finalized", root: epoch1.message.root });
    });

    it("default: claims, accounts, fundings, vetoes and reconciliation add up", async () => {
      const d = await data(`{
        claims { id amountMicroUsd cumulativeClaimedMicroUsd recipient epoch { id } blockNumber transactionHash logIndex }
        account(id: "${alice.address}") { id totalClaimedMicroUsd claimCount claims { id } }
        accounts { id }
        fundings { from amountMicroUsd netFundedMicroUsd }
        rootVetoes { reason guardian epoch { id status } }
        reconciliation { fundedMicroUsd withdrawnMicroUsd claimedMicroUsd committedMicroUsd outstandingLiabilityMicroUsd
                         expectedBalanceMicroUsd contractBalanceMicroUsd solvent balanced }
        indexer { blockNumber }
      }`);
      expect(d.claims).to.have.length(1);
      expect(d.claims[0]).to.include({ amountMicroUsd: "300000000", cumulativeClaimedMicroUsd: "300000000" });
      expect(d.claims[0].epoch).to.deep.equal({ id: "1" });
      expect(d.account).to.include({ totalClaimedMicroUsd: "300000000", claimCount: 1 });
      expect(d.account.claims[0].id).to.equal(d.claims[0].id);
      expect(d.fundings).to.deep.equal([
        {
          from: f.admin.account.address.toLowerCase(),
          amountMicroUsd: "1000000000000",
          netFundedMicroUsd: "1000000000000",
        },
      ]);
      expect(d.rootVetoes).to.deep.equal([
        {
          reason: VETO_REASON,
          guardian: f.guardian.account.address.toLowerCase(),
          epoch: { id: "2", status: "Vetoed" },
        },
      ]);
      expect(d.reconciliation).to.deep.equal({
        fundedMicroUsd: "1000000000000",
        withdrawnMicroUsd: "0",
        claimedMicroUsd: "300000000",
        committedMicroUsd: "500000000", // epoch 2 was vetoed: epoch 1's total stays committed
        outstandingLiabilityMicroUsd: "200000000",
        expectedBalanceMicroUsd: "999700000000",
        contractBalanceMicroUsd: "999700000000",
        solvent: true,
        balanced: true,
      });
      expect(BigInt(d.indexer.blockNumber as string)).to.equal(await f.publicClient.getBlockNumber());
    });

    it("default: supporter by payout address: nodes, payout history, account, claims and receipts with verdicts, paginated", async () => {
      const q = `query($a: Bytes!, $after: String) { supporter(address: $a) {
        address founder nodes { address founder payoutAddresses { payoutAddress effectiveEpoch } }
        account { totalClaimedMicroUsd } claims { edges { node { amountMicroUsd } } }
        receipts(first: 3, after: $after) { edges { cursor node { seq deltaBytes verdict reason } } pageInfo { hasNextPage endCursor } }
      } }`;
      const d = await data(q, { a: alice.address });
      const s = d.supporter;
      expect(s.founder).to.equal(false);
      expect(s.nodes).to.have.length(1);
      expect(s.nodes[0].address).to.equal(node.address.toLowerCase());
      expect(s.nodes[0].payoutAddresses[0].payoutAddress).to.equal(alice.address.toLowerCase());
      expect(s.account).to.deep.equal({ totalClaimedMicroUsd: "300000000" });
      expect(s.claims.edges).to.deep.equal([{ node: { amountMicroUsd: "300000000" } }]);
      expect(s.receipts.edges.map((e: { node: { seq: string } }) => e.node.seq)).to.deep.equal(["4", "3", "2"]);
      expect(s.receipts.edges[0].node).to.include({ verdict: "duplicate", reason: "NON_MONOTONIC", deltaBytes: "0" });
      expect(s.receipts.pageInfo.hasNextPage).to.equal(true);
      const next = await data(q, { a: alice.address, after: s.receipts.pageInfo.endCursor });
      expect(next.supporter.receipts.edges.map((e: { node: { seq: string } }) => e.node.seq)).to.deep.equal(["1"]);
      expect(next.supporter.receipts.pageInfo).to.deep.equal({
        hasNextPage: false,
        endCursor: next.supporter.receipts.edges[0].cursor,
      });
      // The node address finds the same supporter.
      const byNode = await data(`{ supporter(address: "${node.address}") { nodes { address } } }`);
      expect(byNode.supporter.nodes).to.have.length(1);
    });

    it("behavior: connections page with cursors; DataLoader keeps nested queries to a constant count", async () => {
      const page1 = await data(
        `{ epochsConnection(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
      );
      expect(page1.epochsConnection.edges).to.deep.equal([{ node: { id: "2" } }]);
      const page2 = await data(
        `query($c: String) { epochsConnection(first: 1, after: $c) { edges { node { id } } pageInfo { hasNextPage } } }`,
        {
          c: page1.epochsConnection.pageInfo.endCursor,
        },
      );
      expect(page2.epochsConnection).to.deep.equal({
        edges: [{ node: { id: "1" } }],
        pageInfo: { hasNextPage: false },
      });

      const nested = `{ epochs(first: 10) { id transactions { kind } vetoes { reason } claimedMicroUsd
        claims(first: 10) { account { totalClaimedMicroUsd claims(first: 10) { epoch { status transactions { kind } } } } } } }`;
      queries = 0;
      await data(nested);
      // epochs, transactions, vetoes, claimed totals, claims per epoch, accounts, claims per account
      // (epochs of those claims are already primed): a fixed number, whatever the row count.
      expect(queries).to.be.at.most(8);
    });

    it("error: bad queries get GraphQL errors with stable codes, never a 5xx", async () => {
      expect(await errorCode("{ epochs { id ")).to.equal("GRAPHQL_PARSE_FAILED");
      expect(await errorCode("{ nope }")).to.equal("GRAPHQL_VALIDATION_FAILED");
      expect(await errorCode(`{ supporter(address: "0x${"12".repeat(20)}") { address } }`)).to.equal("NOT_FOUND");
      expect(await errorCode(`{ supporter(address: "0x1234") { address } }`)).to.equal("BAD_USER_INPUT");
      expect(await errorCode(`{ supporter(address: "zz") { address } }`)).to.match(
        /BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/,
      );
      expect(await errorCode("{ epochs(first: 1000) { id } }")).to.equal("PAGE_TOO_LARGE");
      expect(await errorCode(`{ claimsConnection(after: "garbage") { edges { cursor } } }`)).to.equal("INVALID_CURSOR");
      expect(await errorCode(`{ epoch(id: "x") { id } }`)).to.equal("BAD_USER_INPUT");
      expect(
        await errorCode(
          "{ claims { epoch { claims { epoch { claims { epoch { claims { epoch { claims { id } } } } } } } } } }",
        ),
      ).to.equal("QUERY_TOO_DEEP");
      expect(await errorCode("{ epochs(first: 100) { claims(first: 100) { id account { id } } } }")).to.equal(
        "QUERY_TOO_COMPLEX",
      );
      const get = await app.inject({ method: "GET", url: "/graphql?query=%7B" });
      expect(get.statusCode).to.be.lessThan(500);
    });

    it("default: GraphiQL is served on GET /graphql in development", async () => {
      const res = await app.inject({ method: "GET", url: "/graphql", headers: { accept: "text/html" } });
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/text\/html/);
      expect(res.body).to.match(/graphiql/i);
    });

    it("behavior: subscriptions over SSE (claimed) and WebSocket (epochUpdated) deliver indexed events", async () => {
      await app.listen({ host: "127.0.0.1", port: 0 });
      const port = (app.server.address() as { port: number }).port;

      const controller = new AbortController();
      const sse = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({
          query: "subscription { claimed { amountMicroUsd account { id totalClaimedMicroUsd } } }",
        }),
        signal: controller.signal,
      });
      expect(sse.status).to.equal(200);
      const reader = sse.body!.getReader();
      const firstData = (async () => {
        let text = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) throw new Error("SSE stream ended");
          text += new TextDecoder().decode(value);
          const m = /data: (\{.*\})\n/.exec(text);
          if (m) return JSON.parse(m[1]!) as GqlBody;
        }
      })();

      const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, lazy: false });
      const wsEvents: unknown[] = [];
      const wsDone = new Promise<void>((resolve, reject) => {
        ws.subscribe(
          { query: "subscription { epochUpdated { id status } }" },
          {
            next: (v) => {
              wsEvents.push(v);
              resolve();
            },
            error: reject,
            complete: () => {},
          },
        );
      });
      await new Promise((r) => setTimeout(r, 400)); // let both subscriptions attach

      await epoch1.claim(1); // bob
      await index();
      const got = await firstData;
      expect(got.data).to.deep.equal({
        claimed: {
          amountMicroUsd: "200000000",
          account: { id: bob.address.toLowerCase(), totalClaimedMicroUsd: "200000000" },
        },
      });
      controller.abort();

      // Re-propose epoch 2 (after the veto): an epochUpdated over WebSocket.
      const message = { epoch: 2n, attempt: 2n, root: hex32("cd"), cumulativeTotal: 800_000_000n, ...commitments(2n) };
      const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(1, 4), f.chainId, f.distributor.address, message);
      await f.wait(
        await f.distributor.write.proposeRoot(
          [
            2n,
            message.attempt,
            message.root,
            message.cumulativeTotal,
            message.receiptsRoot,
            message.datasetHash,
            message.rateCardHash,
            signatures,
          ],
          { account: f.proposer.account },
        ),
      );
      await index();
      await wsDone;
      expect(wsEvents[0]).to.deep.equal({ data: { epochUpdated: { id: "2", status: "Pending" } } });
      await ws.dispose();
    });

    it("behavior: with Redis, an event published by one app instance reaches a subscriber of another", async () => {
      const a = await makeApp(db, pool, { graphql: { redisUrl: REDIS_URL } });
      const b = await makeApp(db, pool, { graphql: { redisUrl: REDIS_URL } });
      try {
        await b.listen({ host: "127.0.0.1", port: 0 });
        const port = (b.server.address() as { port: number }).port;
        const controller = new AbortController();
        const sse = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({
            query: `subscription { supporterUpdated(address: "${alice.address}") { address account { totalClaimedMicroUsd } } }`,
          }),
          signal: controller.signal,
        });
        const reader = sse.body!.getReader();
        const first = (async () => {
          let text = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) throw new Error("SSE stream ended");
            text += new TextDecoder().decode(value);
            const m = /data: (\{.*\})\n/.exec(text);
            if (m) return JSON.parse(m[1]!) as GqlBody;
          }
        })();
        await new Promise((r) => setTimeout(r, 500)); // let b subscribe the Redis channel
        a.ledgerEvents.publishStep({
          type: "indexed",
          fromBlock: 0n,
          toBlock: 0n,
          logs: [
            {
              id: "0x00",
              contract: "0x00",
              blockNumber: 0n,
              logIndex: 0,
              blockHash: "0x00",
              blockTimestamp: 0n,
              transactionHash: "0x00",
              eventName: "Claimed",
              args: { account: alice.address },
            },
          ],
        });
        const got = await first;
        expect(got.data).to.deep.equal({
          supporterUpdated: { address: alice.address.toLowerCase(), account: { totalClaimedMicroUsd: "300000000" } },
        });
        controller.abort();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
