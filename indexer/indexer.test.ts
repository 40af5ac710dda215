/**
 * The chain indexer against a real RewardsDistributor on Hardhat's in-process network: real
 * events indexed into typed rows; a reorg staged with evm_snapshot / evm_revert and a different
 * history mined; a restart resumes from the checkpoint; a reorg deeper than finality stops it.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, numberToHex, type Hex } from "viem";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { deployFixture, ORACLE_SIGNERS, testAccount } from "../test/contracts/fixture.ts";
import { eventCounts, getCheckpoint } from "./repositories/chain.ts";
import { ReorgTooDeepError } from "./errors.ts";
import { createIndexer, eventId, type IndexerStep } from "./sync.ts";
import { proposeAndFinalize, type Fixture } from "./testing.ts";

const ALICE = testAccount("indexer-alice").address;
const BOB = testAccount("indexer-bob").address;

for (const backend of testBackends()) {
  describe(`chain indexer (${backend.name})`, () => {
    let db: Db;
    let conn: Awaited<ReturnType<typeof network.create>>;
    let f: Fixture;
    let epoch1: Awaited<ReturnType<typeof proposeAndFinalize>>;

    const newIndexer = (finalityDepth = 64) =>
      createIndexer({
        db,
        client: f.publicClient,
        address: f.distributor.address,
        startBlock: 0n,
        confirmations: 0,
        finalityDepth,
        batchSize: 5,
      });
    const count = async (table: string) =>
      Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

    before(async () => {
      db = await backend.open();
      conn = await network.create();
      f = await deployFixture(conn, { fundAmount: 10n ** 12n });
      epoch1 = await proposeAndFinalize(f, conn.networkHelpers, 1n, [
        [ALICE, 300_000_000n],
        [BOB, 200_000_000n],
      ]);
      await epoch1.claim(0);
    });
    after(async () => {
      await conn.provider.close();
      await db.close();
    });

    it("default: indexes the distributor's real events into immutable typed rows, in ranges", async () => {
      const indexer = await newIndexer();
      const steps = await indexer.syncToHead();
      expect(steps.at(-1)!.type).to.equal("idle");
      expect(steps.filter((s) => s.type === "indexed").length).to.be.greaterThan(1); // batchSize 5
      const counts = await eventCounts(db);
      expect(counts).to.include({ Funded: 1, RootProposed: 1, RootFinalized: 1, Claimed: 1 });
      const head = await f.publicClient.getBlockNumber();
      const cp = await indexer.checkpoint();
      expect(cp!.blockNumber).to.equal(head);
      expect(cp!.blockHash).to.equal((await f.publicClient.getBlock({ blockNumber: head })).hash);

      const claims = await db.query<{
        id: Uint8Array;
        account: Uint8Array;
        amount: bigint;
        epoch: bigint;
        transaction_hash: Uint8Array;
        log_index: number;
      }>("SELECT id, account, amount, epoch, transaction_hash, log_index FROM chain_claims");
      expect(claims.rows).to.have.length(1);
      const c = claims.rows[0]!;
      expect(Buffer.from(c.account).toString("hex")).to.equal(ALICE.slice(2).toLowerCase());
      expect(c.amount).to.equal(300_000_000n);
      expect(c.epoch).to.equal(1n);
      const txHash: Hex = `0x${Buffer.from(c.transaction_hash).toString("hex")}`;
      expect(`0x${Buffer.from(c.id).toString("hex")}`).to.equal(eventId(txHash, c.log_index));
      const proposal = await db.query<{ root: Uint8Array; cumulative_total: bigint; signers: Uint8Array[] }>(
        "SELECT root, cumulative_total, signers FROM chain_root_proposals WHERE epoch = 1",
      );
      expect(`0x${Buffer.from(proposal.rows[0]!.root).toString("hex")}`).to.equal(epoch1.message.root);
      expect(proposal.rows[0]!.cumulative_total).to.equal(500_000_000n);
      expect(proposal.rows[0]!.signers.map((s) => `0x${Buffer.from(s).toString("hex")}`)).to.deep.equal(
        ORACLE_SIGNERS.slice(0, 3).map((s) => s.address.toLowerCase()),
      );
      const bal = await db.query<{ balance: bigint }>("SELECT balance FROM chain_balances");
      expect(bal.rows[0]!.balance).to.equal(10n ** 12n - 300_000_000n);
    });

    it("behavior: a reorg (snapshot, mine, revert, mine differently) rewinds to the last common block and re-reads", async () => {
      const indexer = await newIndexer();
      await indexer.syncToHead();
      const snapshot = await conn.networkHelpers.takeSnapshot();
      await epoch1.claim(1); // bob claims on the branch that will disappear
      await conn.networkHelpers.mine(2);
      await indexer.syncToHead();
      expect(await count("chain_claims")).to.equal(2);

      await snapshot.restore();
      // A different history: a funding instead of bob's claim, and a longer chain.
      await f.wait(await f.usd.write.mint([f.admin.account.address, 5_000_000n]));
      await f.wait(await f.usd.write.approve([f.distributor.address, 5_000_000n]));
      await f.wait(await f.distributor.write.fund([5_000_000n]));
      await conn.networkHelpers.mine(3);

      const steps: IndexerStep[] = await indexer.syncToHead();
      const reorg = steps.find((s) => s.type === "reorg");
      expect(reorg, JSON.stringify(steps.map((s) => s.type))).to.not.equal(undefined);
      expect(await count("chain_claims")).to.equal(1);
      expect(await count("chain_fundings")).to.equal(2);
      const cp = await indexer.checkpoint();
      const head = await f.publicClient.getBlockNumber();
      expect(cp!.blockNumber).to.equal(head);
      expect(cp!.blockHash).to.equal((await f.publicClient.getBlock({ blockNumber: head })).hash);
      // Every stored event lies on the canonical chain.
      const blocks = await db.query<{ block_number: bigint; block_hash: Uint8Array }>(
        "SELECT DISTINCT block_number, block_hash FROM chain_events",
      );
      for (const b of blocks.rows) {
        const canonical = await f.publicClient.getBlock({ blockNumber: b.block_number });
        expect(`0x${Buffer.from(b.block_hash).toString("hex")}`).to.equal(canonical.hash);
      }
    });

    it("behavior: a restarted indexer resumes from its checkpoint and never stores an event twice", async () => {
      const before = await eventCounts(db);
      const cpBefore = await getCheckpoint(db, f.chainId, f.distributor.address.toLowerCase() as Hex);
      const restarted = await newIndexer();
      const first = await restarted.step();
      expect(first.type).to.equal("idle");
      await epoch1.claim(1); // bob, now on the canonical chain
      const steps = await restarted.syncToHead();
      const indexed = steps.flatMap((s) => (s.type === "indexed" ? [s] : []));
      expect(indexed[0]!.fromBlock).to.equal(cpBefore!.blockNumber + 1n);
      const after = await eventCounts(db);
      expect(after.Claimed).to.equal(before.Claimed! + 1);
      expect(after.Funded).to.equal(before.Funded);
    });

    it("behavior: start() polls in the background and reports indexed ranges", async () => {
      const indexer = await createIndexer({
        db,
        client: f.publicClient,
        address: f.distributor.address,
        startBlock: 0n,
        confirmations: 0,
        pollIntervalMs: 20,
      });
      const seen: IndexerStep[] = [];
      indexer.start((s) => seen.push(s));
      await f.wait(await f.distributor.write.withdrawExcess([f.admin.account.address, 1_000_000n]));
      const deadline = Date.now() + 10_000;
      while (!seen.some((s) => s.type === "indexed" && s.logs.some((l) => l.eventName === "ExcessWithdrawn"))) {
        if (Date.now() > deadline) throw new Error("the background indexer did not index the withdrawal");
        await new Promise((r) => setTimeout(r, 20));
      }
      await indexer.stop();
      await indexer.done;
      expect(await count("chain_withdrawals")).to.equal(1);
    });

    it("behavior: an RPC node whose head is far below the checkpoint is waited for, not taken for a deep reorg", async () => {
      let lagHead: bigint | undefined;
      // The real chain, seen through a replica that is behind: an older head, no newer blocks.
      const lagging = createPublicClient({
        transport: custom({
          request: async ({ method, params }: { method: string; params?: unknown[] }) => {
            if (lagHead !== undefined && method === "eth_blockNumber") return numberToHex(lagHead);
            if (lagHead !== undefined && method === "eth_getBlockByNumber") {
              const tag = (params as [string, boolean])[0];
              if (tag === "latest" || BigInt(tag) > lagHead)
                return tag === "latest"
                  ? (conn.provider.request({ method, params: [numberToHex(lagHead), false] }) as Promise<unknown>)
                  : null;
            }
            return conn.provider.request({ method, params: params ?? [] }) as Promise<unknown>;
          },
        }),
      });
      const indexer = await createIndexer({
        db,
        client: lagging,
        address: f.distributor.address,
        startBlock: 0n,
        confirmations: 0,
        finalityDepth: 2,
        batchSize: 5,
      });
      // One block at a time: EDR's hardhat_mine(n) reserves blocks whose historical state reads are empty.
      for (let i = 0; i < 10; i++) await conn.networkHelpers.mine(1);
      await indexer.syncToHead();
      const cp = (await indexer.checkpoint())!;
      const withdrawals = await count("chain_withdrawals");
      lagHead = cp.blockNumber - 8n; // deeper below the checkpoint than finality (2)
      const steps = await indexer.syncToHead();
      expect(steps.map((s) => s.type)).to.deep.equal(["idle"]);
      expect((await indexer.checkpoint())!.blockNumber).to.equal(cp.blockNumber);
      expect(await count("chain_withdrawals")).to.equal(withdrawals);
      lagHead = undefined; // caught up
      await conn.networkHelpers.mine(1);
      expect((await indexer.syncToHead()).map((s) => s.type)).to.not.include("reorg");
      expect(await count("chain_withdrawals")).to.equal(withdrawals);
    });

    it("error: a reorg deeper than finality stops the indexer loudly (ReorgTooDeepError)", async () => {
      const indexer = await newIndexer(2);
      await indexer.syncToHead();
      const snapshot = await conn.networkHelpers.takeSnapshot();
      await f.wait(await f.distributor.write.withdrawExcess([f.admin.account.address, 1_000n]));
      await conn.networkHelpers.mine(5);
      await indexer.syncToHead();
      await snapshot.restore();
      await f.wait(await f.distributor.write.withdrawExcess([f.admin.account.address, 2_000n]));
      await conn.networkHelpers.mine(7);
      let caught: unknown;
      try {
        await indexer.syncToHead();
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(ReorgTooDeepError);
      // Nothing was rewound: the operator decides.
      expect(await count("chain_withdrawals")).to.equal(2);
    });
  });
}
