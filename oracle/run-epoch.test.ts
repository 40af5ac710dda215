import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import pino from "pino";
import type { Hex } from "viem";
import { custom, parseEventLogs } from "viem";
import { storedDataset } from "../db/dataset-store.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { checkDeployment } from "./chain.ts";
import { domainOf } from "../chain/client.ts";
import { setCrashHook } from "./crash.ts";
import { OracleConfigError } from "./errors.ts";
import { getEpoch } from "./repositories/epochs.ts";
import { epochBalances, payableBalances } from "./repositories/ledger.ts";
import { proofFor } from "./proofs.ts";
import { advanceEpoch, runOnce } from "./run-epoch.ts";
import type { OracleContext } from "./run-epoch.ts";
import { readEpochRecord } from "./chain-reads.ts";
import { deployTestChain } from "./testing/chain.ts";
import type { DeployedChain } from "./testing/chain.ts";
import { testOracleContext } from "./testing/context.ts";
import { epochBounds, recordTestFlagDecision, seedEpochs } from "./testing/seed.ts";

const log = pino({ level: "silent" });
const WINDOW = 3_600n;

async function increaseTime(c: DeployedChain, seconds: bigint) {
  await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
  await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
}

async function proposals(c: DeployedChain): Promise<{ epoch: bigint; root: Hex }[]> {
  const logs = await c.publicClient.getLogs({ address: c.distributor, fromBlock: 0n });
  return parseEventLogs({ abi: c.abi, logs, eventName: "RootProposed" }).map((l) => {
    const args = l.args as unknown as { epoch: bigint; root: Hex };
    return { epoch: args.epoch, root: args.root };
  });
}

const connection = await network.create();
const transport = custom(connection.provider);

for (const backend of testBackends()) {
  describe(`oracle state machine (${backend.name})`, () => {
    let db: Db;
    let dataDir: string;
    before(async () => {
      db = await backend.open();
      dataDir = mkdtempSync(path.join(tmpdir(), "oracle-test-"));
    });
    after(async () => {
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function setup(epochs: bigint[], deploy: Parameters<typeof deployTestChain>[1] = {}) {
      const c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW, ...deploy });
      const domain = domainOf(c.chainId, c.distributor);
      await seedEpochs(db, { domain, epochs });
      const last = epochs[epochs.length - 1]!;
      const ctx = testOracleContext({ db, deployed: c, log, dataDir, nowSeconds: epochBounds(last).end + 120n });
      return { c, ctx };
    }

    it("default: OPEN → … → FINALIZED for two epochs, roots on-chain, claimable, ledger balanced", async () => {
      const { c, ctx } = await setup([0n, 1n]);
      await runOnce(ctx);
      expect((await getEpoch(db, 0n))!.status).to.equal("POSTED");
      expect((await getEpoch(db, 1n))!.status).to.equal("CLOSED"); // waits for epoch 0 to finalize
      await increaseTime(c, WINDOW + 1n);
      await runOnce(ctx);
      expect((await getEpoch(db, 0n))!.status).to.equal("FINALIZED");
      expect((await getEpoch(db, 1n))!.status).to.equal("POSTED");
      await increaseTime(c, WINDOW + 1n);
      await runOnce(ctx);
      const e0 = (await getEpoch(db, 0n))!;
      const e1 = (await getEpoch(db, 1n))!;
      expect(e1.status).to.equal("FINALIZED");
      expect([e0.chainEpoch, e1.chainEpoch]).to.deep.equal([1n, 2n]);
      const onChain = await readEpochRecord(c.chain, 2n);
      expect(onChain.root).to.equal(e1.root);
      expect(onChain.status).to.equal("Finalized");
      expect(e1.cumulativeTotal! > e0.cumulativeTotal!).to.equal(true);

      // node 2 was offline when it served: flagged, paid nothing
      const { rows } = await db.query<{ n: bigint }>(
        "SELECT count(*)::int8 AS n FROM epoch_verdicts WHERE epoch = 0 AND 'NODE_OFFLINE' = ANY(reasons)",
      );
      expect(rows[0]!.n).to.equal(10n);

      // the stored leaves give proofs the contract accepts
      const { rows: leaf } = await db.query<{ account: Uint8Array }>(
        "SELECT account FROM epoch_leaves WHERE epoch = 1 ORDER BY account LIMIT 1",
      );
      const account: Hex = `0x${Buffer.from(leaf[0]!.account).toString("hex")}`;
      const p = (await proofFor(db, 1n, account))!;
      expect(p.root).to.equal(e1.root);
      const hash = await c.admin.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "claim",
        args: [account, p.cumulativeMicroUsd, p.proof],
      });
      expect((await c.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");

      // double entry: every epoch balances, payables = the leaves
      for (const b of await epochBalances(db)) expect(b.balanced, `epoch ${b.epoch}`).to.equal(true);
      const payables = await payableBalances(db);
      const total = [...payables.values()].reduce((a, v) => a + v, 0n);
      expect(total).to.equal(e1.cumulativeTotal);
      expect(await proposals(c)).to.have.length(2);
    });

    it("behavior: re-runs and a lost POSTED record never post twice", async () => {
      const { rows } = await db.query<{ n: bigint }>("SELECT max(number) AS n FROM epochs");
      const epoch = rows[0]!.n ?? 0n;
      const next = epoch + 1n;
      const { c, ctx } = await setup([next]);
      // each test deploys a fresh contract, whose chain epochs start at 1 again
      await db.query("UPDATE epoch_state SET chain_epoch = NULL WHERE epoch < $1", [next.toString()]);
      await runOnce(ctx);
      const posted = (await getEpoch(db, next))!;
      expect(posted.status).to.equal("POSTED");
      await runOnce(ctx);
      // simulate a crash after the transaction was mined but before POSTED was recorded
      await db.query("UPDATE epochs SET status = 'SIGNED' WHERE number = $1", [next.toString()]);
      await runOnce(ctx);
      expect((await getEpoch(db, next))!.status).to.equal("POSTED");
      expect(await proposals(c)).to.have.length(1);
      await increaseTime(c, WINDOW + 1n);
      await runOnce(ctx);
      await runOnce(ctx);
      expect((await getEpoch(db, next))!.status).to.equal("FINALIZED");
      expect(await proposals(c)).to.have.length(1);
    });

    it("behavior: a vetoed root is reversed in the ledger, recomputed with the admin's overrides and re-proposed", async () => {
      const { rows } = await db.query<{ n: bigint }>("SELECT max(number) AS n FROM epochs");
      const next = rows[0]!.n + 1n;
      const { c, ctx } = await setup([next]);
      await db.query("UPDATE epoch_state SET chain_epoch = NULL WHERE epoch < $1", [next.toString()]);
      await runOnce(ctx);
      const first = (await getEpoch(db, next))!;
      expect(first.status).to.equal("POSTED");
      const hash = await c.guardian.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "veto",
        args: [first.chainEpoch!, "node 2 was online: its heartbeats were delayed"],
      });
      await c.publicClient.waitForTransactionReceipt({ hash });
      await runOnce(ctx);
      const vetoed = (await getEpoch(db, next))!;
      expect(vetoed.status).to.equal("VETOED");
      expect(vetoed.vetoReason).to.equal("node 2 was online: its heartbeats were delayed");
      for (const b of await epochBalances(db)) expect(b.balanced).to.equal(true);
      // recomputing without any change gives the vetoed root again: the oracle waits
      const again = await runOnce(ctx);
      expect(again.some((s) => !s.moved && s.waiting.includes("vetoed root"))).to.equal(true);
      // the admin includes node 2's offline-flagged receipts
      const { rows: n2 } = await db.query<{ supporter: Uint8Array }>(
        "SELECT DISTINCT supporter FROM epoch_verdicts WHERE epoch = $1 AND 'NODE_OFFLINE' = ANY(reasons)",
        [next.toString()],
      );
      await recordTestFlagDecision(db, domainOf(ctx.config.chainId, ctx.config.distributor), {
        epoch: next,
        node: `0x${Buffer.from(n2[0]!.supporter).toString("hex")}`,
        reasonCode: "NODE_OFFLINE",
        include: true,
        note: "heartbeats were delayed",
      });
      await runOnce(ctx);
      const second = (await getEpoch(db, next))!;
      expect(second.status).to.equal("POSTED");
      expect(second.attempt).to.equal(2);
      expect(second.chainEpoch).to.equal(first.chainEpoch);
      expect(second.root).to.not.equal(first.root);
      expect(second.cumulativeTotal! > first.cumulativeTotal!).to.equal(true);
      expect((await readEpochRecord(c.chain, second.chainEpoch!)).root).to.equal(second.root);
      await increaseTime(c, WINDOW + 1n);
      await runOnce(ctx);
      expect((await getEpoch(db, next))!.status).to.equal("FINALIZED");
      const props = await proposals(c);
      expect(props.map((p) => p.root)).to.deep.equal([first.root, second.root]);
      for (const b of await epochBalances(db)) expect(b.balanced).to.equal(true);
    });

    it("error: misconfiguration fails at start with one clear line (chain id, contract, proposer role)", async () => {
      const c = await deployTestChain(transport, { fund: 0n });
      await checkDeployment(c.chain, c.chainId); // the right setup passes
      const oneLine = async (p: Promise<unknown>, re: RegExp) => {
        const err = (await p.then(
          () => undefined,
          (e: unknown) => e,
        )) as OracleConfigError | undefined;
        expect(err).to.be.instanceOf(OracleConfigError);
        expect(err!.shortMessage).to.match(re);
        expect(err!.shortMessage).to.not.include("\n");
      };
      await oneLine(
        checkDeployment(c.chain, 8453),
        /Wrong chain: the RPC is chain 31337, the oracle is configured for 8453/,
      );
      await oneLine(checkDeployment({ ...c.chain, distributor: c.usd }, c.chainId), /is not a RewardsDistributor/);
      await oneLine(
        checkDeployment({ ...c.chain, distributor: "0x000000000000000000000000000000000000dEaD" }, c.chainId),
        /No contract at/,
      );
      await oneLine(checkDeployment({ ...c.chain, walletClient: c.guardian }, c.chainId), /lacks PROPOSER_ROLE/);
    });

    it("behavior: a standby oracle with its own data directory takes over a COMPUTED epoch and finalizes it", async () => {
      const { rows } = await db.query<{ n: bigint }>("SELECT max(number) AS n FROM epochs");
      const next = rows[0]!.n + 1n;
      const { c, ctx } = await setup([next]);
      await db.query("UPDATE epoch_state SET chain_epoch = NULL WHERE epoch < $1", [next.toString()]);
      // The first leader stops right after COMPUTED is committed (its disk goes with it).
      setCrashHook((point) => {
        if (point === "compute:after-commit") throw new Error("leader lost");
      });
      try {
        await runOnce(ctx).catch((err: unknown) => expect(String(err)).to.match(/leader lost/));
      } finally {
        setCrashHook(undefined);
      }
      const computed = (await getEpoch(db, next))!;
      expect(computed.status).to.equal("COMPUTED");
      // published with COMPUTED, in the same transaction: the standby needs nothing of the leader's disk
      const published = await storedDataset(db, computed.datasetHash!);
      expect((published?.byteLength ?? 0n) > 0n, "published bytes").to.equal(true);
      const standbyDir = mkdtempSync(path.join(tmpdir(), "oracle-standby-"));
      try {
        const standby: OracleContext = { ...ctx, config: { ...ctx.config, dataDir: standbyDir } };
        await runOnce(standby);
        expect(existsSync(path.join(standbyDir, "datasets", `${computed.datasetHash}.jsonl`))).to.equal(true);
        const posted = (await getEpoch(db, next))!;
        expect(posted.status).to.equal("POSTED");
        expect(posted.datasetHash).to.equal(computed.datasetHash);
        expect((await readEpochRecord(c.chain, posted.chainEpoch!)).root).to.equal(computed.root);
        await increaseTime(c, WINDOW + 1n);
        await runOnce(standby);
        expect((await getEpoch(db, next))!.status).to.equal("FINALIZED");
        expect(await proposals(c)).to.have.length(1);
      } finally {
        rmSync(standbyDir, { recursive: true, force: true });
      }
    });

    for (const at of ["SIGNED", "POSTED"] as const) {
      it(`behavior: failover at ${at} — the first oracle (its own data directory) reaches ${at} and stops, its disk gone; a standby with an empty data directory carries the epoch to FINALIZED, same root, one proposal`, async () => {
        const { rows } = await db.query<{ n: bigint }>("SELECT max(number) AS n FROM epochs");
        const next = rows[0]!.n + 1n;
        const { c, ctx } = await setup([next]);
        await db.query("UPDATE epoch_state SET chain_epoch = NULL WHERE epoch < $1", [next.toString()]);
        const firstDir = mkdtempSync(path.join(tmpdir(), "oracle-first-"));
        const standbyDir = mkdtempSync(path.join(tmpdir(), "oracle-standby-"));
        try {
          const first: OracleContext = { ...ctx, config: { ...ctx.config, dataDir: firstDir } };
          for (let i = 0; (await getEpoch(db, next))!.status !== at; i++) {
            expect(i, `the first oracle reaches ${at}`).to.be.lessThan(6);
            expect((await advanceEpoch(first, next)).moved).to.equal(true);
          }
          const before = (await getEpoch(db, next))!;
          expect(readdirSync(path.join(firstDir, "datasets")), "the first oracle wrote the dataset").to.have.length(1);
          rmSync(firstDir, { recursive: true, force: true }); // the first machine is gone, with its disk
          const standby: OracleContext = { ...ctx, config: { ...ctx.config, dataDir: standbyDir } };
          await runOnce(standby);
          if (at === "SIGNED") expect((await getEpoch(db, next))!.status).to.equal("POSTED");
          await increaseTime(c, WINDOW + 1n);
          await runOnce(standby);
          const done = (await getEpoch(db, next))!;
          expect(done.status).to.equal("FINALIZED");
          expect(done.root).to.equal(before.root);
          expect(done.datasetHash).to.equal(before.datasetHash);
          const onChain = await proposals(c);
          expect(onChain, "one proposal").to.have.length(1);
          expect(onChain[0]!.root).to.equal(before.root);
          expect((await readEpochRecord(c.chain, done.chainEpoch!)).status).to.equal("Finalized");
          for (const b of await epochBalances(db)) expect(b.balanced, `ledger of epoch ${b.epoch}`).to.equal(true);
        } finally {
          rmSync(firstDir, { recursive: true, force: true });
          rmSync(standbyDir, { recursive: true, force: true });
        }
      });
    }

    it("behavior: an under-funded distributor keeps the epoch SIGNED with an alert until funded", async () => {
      const { rows } = await db.query<{ n: bigint }>("SELECT max(number) AS n FROM epochs");
      const next = rows[0]!.n + 1n;
      const { c, ctx } = await setup([next], { disputeWindowSeconds: 0n, fund: 1n });
      await db.query("UPDATE epoch_state SET chain_epoch = NULL WHERE epoch < $1", [next.toString()]);
      await runOnce(ctx);
      const waiting = (await getEpoch(db, next))!;
      expect(waiting.status).to.equal("SIGNED");
      expect(waiting.alert).to.match(/under-funded/);
      await c.fund(10n ** 12n);
      await runOnce(ctx);
      const done = (await getEpoch(db, next))!;
      expect(done.status).to.equal("FINALIZED");
      expect(done.alert).to.equal(null);
    });
  });
}
