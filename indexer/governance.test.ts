/**
 * Governance as the indexer and the GraphQL API see it, on a production-shaped deployment on
 * Hardhat's in-process network: a RewardsTimelock (min delay 1 h) is the RewardsDistributor's
 * default admin; the proposer, guardian and pauser roles are granted by an operation scheduled and
 * executed through it; a dispute-window change is cancelled by the guardian; adding an oracle
 * signer and an undecodable call are left pending. Then the pending change becomes READY on the
 * chain's clock, a reorg removes a CallScheduled, a vetoed epoch is re-proposed (attempt 2), and a
 * claim above the breaker's window is paid in part (ClaimLimited).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are untyped JSON; the assertions check their shape. */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { zeroAddress, type Hex } from "viem";
import { createVerifyPool, type VerifyPool } from "../core/verify-pool.ts";
import type { Db } from "../db/types.ts";
import { commitments, ORACLE_SIGNERS, signEpochRoot, testAccount } from "../test/contracts/fixture.ts";
import { testBackends } from "../test/helpers/db.ts";
import { makeApp } from "../coordinator/testing/fixtures.ts";
import {
  deployGoverned,
  DISPUTE_WINDOW,
  grantRolesThroughTimelock,
  NEW_SIGNER,
  ROLE,
  scheduleChanges,
  TIMELOCK_MIN_DELAY,
  type Governed,
} from "./governance-testing.ts";
import { createIndexer, type Indexer } from "./sync.ts";
import { proposeAndFinalize, type Fixture } from "./testing.ts";

const ALICE = testAccount("governance-alice").address;
const BOB = testAccount("governance-bob").address;
/** The breaker lets $100 out per day: alice's $300 claim is paid in part. */
const BREAKER_LIMIT = 100_000_000n;

type GqlBody = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

const GOVERNANCE = `{
  governance {
    distributor chainTime
    roles { role name holders { account grantedBy grantedAt transactionHash } }
    timelock { address minDelaySeconds readAtBlock roles { name holders { account } } }
    operations(first: 20) {
      id status readyAt delaySeconds salt predecessor scheduledAt scheduledTransactionHash
      executedAt executedTransactionHash cancelledAt cancelledTransactionHash description
      calls { index target value data functionName signature args { name type value } description }
    }
  }
}`;

for (const backend of testBackends()) {
  describe(`governance: indexer and GraphQL (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let conn: Awaited<ReturnType<typeof network.create>>;
    let g: Governed;
    let indexer: Indexer;
    let grants: Awaited<ReturnType<typeof grantRolesThroughTimelock>>;
    let changes: Awaited<ReturnType<typeof scheduleChanges>>;

    const data = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await app.inject({ method: "POST", url: "/graphql", payload: { query, variables } });
      const body = res.json<GqlBody>();
      expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
      return body.data!;
    };
    const count = async (table: string) =>
      Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const operation = (ops: any[], id: Hex) => ops.filter((o) => o.id === id);

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      conn = await network.create();
      g = await deployGoverned(conn, { maxOutflowPerWindow: BREAKER_LIMIT });
      grants = await grantRolesThroughTimelock(g);
      changes = await scheduleChanges(g);
      indexer = await createIndexer({
        db,
        client: g.publicClient,
        address: g.distributor.address,
        startBlock: 0n,
        confirmations: 0,
        batchSize: 4,
      });
      await indexer.syncToHead();
    });
    after(async () => {
      await app.close();
      await pool.close();
      await conn.provider.close();
      await db.close();
    });

    it("default: the timelock is found as the distributor's defaultAdmin() and its logs are read with the distributor's", async () => {
      expect(indexer.timelock).to.equal(g.timelock.address.toLowerCase());
      // Timelock: constructor grants (admin to itself, proposer + canceller to the governor, executor to
      // anyone) and the canceller grant; distributor: admin to the timelock, proposer, guardian, pauser.
      const byContract = await db.query<{ contract: Uint8Array; n: bigint }>(
        "SELECT contract, count(*) AS n FROM chain_role_events GROUP BY contract",
      );
      const counts = Object.fromEntries(
        byContract.rows.map((r) => [`0x${Buffer.from(r.contract).toString("hex")}`, Number(r.n)]),
      );
      expect(counts).to.deep.equal({ [g.timelock.address.toLowerCase()]: 5, [g.distributor.address.toLowerCase()]: 4 });
      expect(await count("chain_timelock_calls")).to.equal(4 + 1 + 1 + 1); // the grants batch, then three singles
      expect(await count("chain_timelock_executions")).to.equal(4);
      expect(await count("chain_timelock_cancellations")).to.equal(1);
      expect(await count("chain_timelock_salts")).to.equal(1);
      expect(await count("chain_timelock_delay_changes")).to.equal(1); // the constructor's 0 → 3600
    });

    it("default: `governance` answers who holds which role, the timelock's delay and each operation's status and decoded calls", async () => {
      const { governance } = await data(GOVERNANCE);
      expect(governance.distributor).to.equal(g.distributor.address.toLowerCase());
      const holders = (roles: any[], name: string) =>
        roles.find((r) => r.name === name).holders.map((h: any) => h.account);
      expect(holders(governance.roles, "DEFAULT_ADMIN_ROLE")).to.deep.equal([g.timelock.address.toLowerCase()]);
      expect(holders(governance.roles, "PROPOSER_ROLE")).to.deep.equal([g.proposer.account.address.toLowerCase()]);
      expect(holders(governance.roles, "GUARDIAN_ROLE")).to.deep.equal([g.guardian.account.address.toLowerCase()]);
      expect(holders(governance.roles, "PAUSER_ROLE")).to.deep.equal([g.pauser.account.address.toLowerCase()]);
      const proposerGrant = governance.roles.find((r: any) => r.name === "PROPOSER_ROLE").holders[0];
      expect(proposerGrant.grantedBy).to.equal(g.timelock.address.toLowerCase()); // granted by the timelock itself
      expect(proposerGrant.transactionHash).to.equal(grants.executed.transactionHash);

      const tl = governance.timelock;
      expect(tl.address).to.equal(g.timelock.address.toLowerCase());
      expect(tl.minDelaySeconds).to.equal(TIMELOCK_MIN_DELAY.toString());
      expect(holders(tl.roles, "PROPOSER_ROLE")).to.deep.equal([g.governor.account.address.toLowerCase()]);
      expect(holders(tl.roles, "CANCELLER_ROLE")).to.have.members([
        g.governor.account.address.toLowerCase(),
        g.guardian.account.address.toLowerCase(),
      ]);
      expect(holders(tl.roles, "EXECUTOR_ROLE")).to.deep.equal([zeroAddress]); // anyone executes
      expect(holders(tl.roles, "DEFAULT_ADMIN_ROLE")).to.deep.equal([g.timelock.address.toLowerCase()]);

      const ops = governance.operations;
      expect(ops.map((o: any) => o.status)).to.deep.equal(["PENDING", "PENDING", "CANCELLED", "DONE"]); // newest first
      const [done] = operation(ops, grants.id);
      expect(done.status).to.equal("DONE");
      expect(done.executedTransactionHash).to.equal(grants.executed.transactionHash);
      expect(done.calls.map((c: any) => c.functionName)).to.deep.equal([
        "grantRole",
        "grantRole",
        "grantRole",
        "grantRole",
      ]);
      expect(done.calls[1].args).to.deep.equal([
        { name: "role", type: "bytes32", value: ROLE.GUARDIAN },
        { name: "account", type: "address", value: g.guardian.account.address.toLowerCase() },
      ]);
      expect(done.calls[1].description).to.equal(
        `Grant GUARDIAN_ROLE on the distributor to ${g.guardian.account.address.toLowerCase()}`,
      );
      expect(done.calls[3].description).to.equal(
        `Grant CANCELLER_ROLE on the timelock to ${g.guardian.account.address.toLowerCase()}`,
      );
      expect(BigInt(done.readyAt) - BigInt(done.scheduledAt)).to.equal(TIMELOCK_MIN_DELAY);

      const [cancelled] = operation(ops, changes.cancelled.id);
      expect(cancelled.status).to.equal("CANCELLED");
      expect(cancelled.executedAt).to.equal(null);
      expect(cancelled.cancelledAt).to.not.equal(null);
      expect(cancelled.description).to.equal(`Set the dispute window to ${2n * DISPUTE_WINDOW} s (2 h)`);

      const [pending] = operation(ops, changes.pending.id);
      expect(pending.status).to.equal("PENDING");
      expect(BigInt(pending.readyAt) > BigInt(governance.chainTime)).to.equal(true, "readyAt after chain time");
      expect(pending.salt).to.not.equal(null);
      expect(pending.scheduledTransactionHash).to.equal(changes.pending.receipt.transactionHash);
      expect(pending.calls[0].signature).to.equal("addSigner(address)");
      expect(pending.description).to.equal(`Add ${NEW_SIGNER.toLowerCase()} as an oracle signer`);

      const [opaque] = operation(ops, changes.opaque.id);
      expect(opaque.calls[0].functionName).to.equal(null);
      expect(opaque.calls[0].args).to.deep.equal([]);
      expect(opaque.calls[0].data).to.equal(changes.unknown[0]!.data); // raw
      expect(opaque.description).to.match(/^Unknown call to 0x[0-9a-f]{40}: 20 bytes of calldata 0xdeadbeef…/);

      const onlyPending = await data(`{ timelockOperations(status: [PENDING]) { id } }`);
      expect(onlyPending.timelockOperations.map((o: any) => o.id)).to.have.members([
        changes.pending.id,
        changes.opaque.id,
      ]);
    });

    it("behavior: a pending change becomes READY when the chain's clock passes readyAt, and DONE once executed", async () => {
      await g.elapse(TIMELOCK_MIN_DELAY);
      await conn.networkHelpers.mine(1);
      await indexer.syncToHead();
      const ready = await data(`{ timelockOperations(status: [READY]) { id status } }`);
      expect(ready.timelockOperations.map((o: any) => o.id)).to.have.members([changes.pending.id, changes.opaque.id]);

      await g.execute(changes.addSigner, changes.salt);
      await indexer.syncToHead();
      const { governance } = await data(GOVERNANCE);
      expect(operation(governance.operations, changes.pending.id)[0].status).to.equal("DONE");
      expect(await g.distributor.read.isSigner([NEW_SIGNER])).to.equal(true);
    });

    it("behavior: a reorg that removes a CallScheduled removes the operation; the other branch's history is indexed", async () => {
      const snapshot = await conn.networkHelpers.takeSnapshot();
      const doomed = await g.schedule([g.onDistributor("setThreshold", [4n])]);
      await conn.networkHelpers.mine(2);
      await indexer.syncToHead();
      let ops = (await data(`{ timelockOperations { id status description } }`)).timelockOperations;
      expect(operation(ops, doomed.id).map((o: any) => o.description)).to.deep.equal([
        "Require 4 oracle signatures per root",
      ]);

      await snapshot.restore();
      // The canonical branch: the guardian pauses instead (immediate: it only reduces risk), and a longer chain.
      await g.wait(await g.distributor.write.pause({ account: g.pauser.account }));
      await conn.networkHelpers.mine(4);
      const steps = await indexer.syncToHead();
      expect(steps.map((s) => s.type)).to.include("reorg");
      ops = (await data(`{ timelockOperations { id } }`)).timelockOperations;
      expect(operation(ops, doomed.id)).to.deep.equal([]);
      const stored = await db.query("SELECT 1 FROM chain_timelock_calls WHERE operation_id = $1", [
        Buffer.from(doomed.id.slice(2), "hex"),
      ]);
      expect(stored.rows).to.have.length(0);
      expect(ops).to.have.length(4); // the four operations before the snapshot
    });

    it("behavior: a vetoed epoch's re-proposal carries attempt 2; a claim above the breaker's window is paid in part (ClaimLimited)", async () => {
      // Unpausing is an admin action: through the timelock.
      const unpause = [g.onDistributor("unpause", [])];
      await g.schedule(unpause);
      await g.elapse(TIMELOCK_MIN_DELAY + 1n);
      await g.execute(unpause);

      const f = { ...g, admin: g.funder } as unknown as Fixture;
      const wrongRoot: Hex = `0x${"ab".repeat(32)}`;
      const first = {
        epoch: 1n,
        attempt: 1n,
        root: wrongRoot,
        cumulativeTotal: 500_000_000n,
        ...commitments(1n),
      };
      const sigs = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), g.chainId, g.distributor.address, first);
      await g.wait(
        await g.distributor.write.proposeRoot(
          [1n, 1n, first.root, first.cumulativeTotal, first.receiptsRoot, first.datasetHash, first.rateCardHash, sigs],
          { account: g.proposer.account },
        ),
      );
      await g.wait(await g.distributor.write.veto([1n, "wrong root"], { account: g.guardian.account }));
      const epoch1 = await proposeAndFinalize(f, conn.networkHelpers, 1n, [
        [ALICE, 300_000_000n],
        [BOB, 200_000_000n],
      ]);
      expect(epoch1.message.attempt).to.equal(2n);
      await epoch1.claim(0); // alice: $300 due, $100 through the breaker
      await indexer.syncToHead();

      const { epoch, claimLimits } = await data(`{
        epoch(id: "1") { status attempt proposalCount }
        claimLimits(account: "${ALICE.toLowerCase()}") { account dueMicroUsd paidMicroUsd transactionHash logIndex }
      }`);
      expect(epoch).to.deep.equal({ status: "Finalized", attempt: "2", proposalCount: 2 });
      expect(claimLimits).to.have.length(1);
      expect(claimLimits[0]).to.include({
        account: ALICE.toLowerCase(),
        dueMicroUsd: "300000000",
        paidMicroUsd: BREAKER_LIMIT.toString(),
      });
      const attempts = await db.query<{ attempt: bigint }>(
        "SELECT attempt FROM chain_root_proposals ORDER BY block_number",
      );
      expect(attempts.rows.map((r) => Number(r.attempt))).to.deep.equal([1, 2]);
    });

    it("behavior: when the admin is handed from the timelock to an account, the API says so and the indexer warns", async () => {
      const newAdmin = g.other.account;
      const handOver = [g.onDistributor("beginDefaultAdminTransfer", [newAdmin.address])];
      await g.schedule(handOver);
      await g.elapse(TIMELOCK_MIN_DELAY + 1n);
      await g.execute(handOver);
      await g.elapse(3n * 86_400n + 1n); // the distributor's own admin transfer delay
      await g.wait(await g.distributor.write.acceptDefaultAdminTransfer({ account: newAdmin }));

      const warnings: { obj: object; msg: string }[] = [];
      const watching = await createIndexer({
        db,
        client: g.publicClient,
        address: g.distributor.address,
        startBlock: 0n,
        confirmations: 0,
        timelock: g.timelock.address, // as configured: defaultAdmin() is now an account
        logger: { info() {}, error() {}, warn: (obj, msg) => warnings.push({ obj, msg }) },
      });
      await watching.syncToHead();
      expect(warnings.map((w) => w.msg)).to.include(
        "the distributor's default admin is not the timelock being indexed: restart the indexer to follow a new timelock",
      );
      const { governance } = await data(`{ governance { roles { name holders { account } } timelock { isAdmin } } }`);
      expect(governance.timelock.isAdmin).to.equal(false);
      expect(governance.roles.find((r: any) => r.name === "DEFAULT_ADMIN_ROLE").holders).to.deep.equal([
        { account: newAdmin.address.toLowerCase() },
      ]);
      // A fresh indexer finds no timelock behind an account admin.
      const fresh = await createIndexer({ db, client: g.publicClient, address: g.distributor.address, startBlock: 0n });
      expect(fresh.timelock).to.equal(undefined);
    });

    it("error: a bad `status` or `account` argument is a 4xx-style user error, not a 500", async () => {
      const bad = await app.inject({
        method: "POST",
        url: "/graphql",
        payload: { query: `{ claimLimits(account: "0x1234") { id } }` },
      });
      expect(bad.statusCode).to.be.lessThan(500);
      expect(bad.json<GqlBody>().errors![0]!.extensions?.code).to.equal("BAD_USER_INPUT");
      const enumBad = await app.inject({
        method: "POST",
        url: "/graphql",
        payload: { query: `{ timelockOperations(status: [SOON]) { id } }` },
      });
      expect(enumBad.statusCode).to.be.lessThan(500);
      expect(enumBad.json<GqlBody>().errors).to.be.an("array").that.is.not.empty;
    });
  });
}
