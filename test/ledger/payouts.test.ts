/**
 * Payout journals over the real pipeline: signed activity seeded in the coordinator's tables,
 * the oracle closing, posting and finalizing epochs on Hardhat's in-process chain, a real
 * on-chain `claim` with the oracle's proof, the chain indexer storing it in `chain_claims`, and
 * the oracle booking the payout. A reorg staged with a snapshot (claim, index, book; revert,
 * mine a different history) must reverse the payout. After every step: each journal balances,
 * every epoch balances, and payable per account = cumulative entitlement − claimed on-chain.
 * Lives in test/ because it drives both the oracle and the API's indexer (which never import
 * each other).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { custom, parseEventLogs, type Hex } from "viem";
import { createIndexer, eventId, type Indexer } from "../../indexer/sync.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import { proofFor } from "../../oracle/proofs.ts";
import { epochBalances, payableBalances } from "../../oracle/repositories/ledger.ts";
import { bookPayouts } from "../../oracle/payout-booking.ts";
import { runOnce, type OracleContext } from "../../oracle/run-epoch.ts";
import { deployTestChain, type DeployedChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import { epochBounds, seedEpochs } from "../../oracle/testing/seed.ts";
import { testBackends } from "../helpers/db.ts";

const WINDOW = 3_600n;
const connection = await network.create();
const transport = custom(connection.provider);

type Journal = { id: bigint; epoch: bigint; attempt: number; kind: string; ref: string; debit: bigint; credit: bigint };

for (const backend of testBackends()) {
  describe(`ledger payouts for indexed claims (${backend.name})`, () => {
    let db: Db;
    let dataDir: string;
    let c: DeployedChain;
    let ctx: OracleContext;
    let indexer: Indexer;

    const increaseTime = async (seconds: bigint) => {
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    };
    const journals = async (): Promise<Journal[]> =>
      (
        await db.query<Journal>(
          `SELECT j.id, j.epoch, j.attempt, j.kind, j.ref, COALESCE(sum(e.debit_micro_usd), 0) AS debit,
                  COALESCE(sum(e.credit_micro_usd), 0) AS credit
             FROM ledger_journals j LEFT JOIN ledger_entries e ON e.journal_id = j.id
            GROUP BY j.id ORDER BY j.id`,
        )
      ).rows;
    /** Leaf accounts of the latest finalized epoch, in address order. */
    const finalizedAccounts = async (): Promise<{ epoch: bigint; accounts: Hex[] }> => {
      const { rows } = await db.query<{ epoch: bigint; account: Uint8Array }>(
        `SELECT l.epoch, l.account FROM epoch_leaves l
          WHERE l.epoch = (SELECT max(number) FROM epochs WHERE status = 'FINALIZED') ORDER BY l.account`,
      );
      return {
        epoch: rows[0]!.epoch,
        accounts: rows.map((r): Hex => `0x${Buffer.from(r.account).toString("hex")}`),
      };
    };
    const claim = async (account: Hex) => {
      const { epoch } = await finalizedAccounts();
      const p = (await proofFor(db, epoch, account))!;
      const hash = await c.admin.writeContract({
        address: c.distributor,
        abi: c.abi,
        functionName: "claim",
        args: [account, p.cumulativeMicroUsd, p.proof],
      });
      const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      const [log] = parseEventLogs({ abi: c.abi, logs: receipt.logs, eventName: "Claimed" });
      const args = log!.args as unknown as { amount: bigint };
      return { id: eventId(hash, log!.logIndex), amount: args.amount };
    };

    /** Every journal and epoch balances; payable per account = latest computed leaf − claimed on-chain. */
    const assertLedger = async () => {
      for (const j of await journals()) expect(j.debit, `journal ${j.id} (${j.kind}) balances`).to.equal(j.credit);
      for (const b of await epochBalances(db)) expect(b.balanced, `epoch ${b.epoch} balances`).to.equal(true);
      const { rows: entitled } = await db.query<{ account: Uint8Array; amount: bigint }>(
        `SELECT account, cumulative_micro_usd AS amount FROM epoch_leaves
          WHERE epoch = (SELECT max(s.epoch) FROM epoch_state s JOIN epochs e ON e.number = s.epoch
                          WHERE e.status IN ('COMPUTED', 'SIGNED', 'POSTED', 'FINALIZED'))`,
      );
      const { rows: claimed } = await db.query<{ account: Uint8Array; amount: bigint }>(
        "SELECT account, sum(amount) AS amount FROM chain_claims GROUP BY account",
      );
      const hexOf = (u: Uint8Array): Hex => `0x${Buffer.from(u).toString("hex")}`;
      const expected = new Map(entitled.map((r) => [hexOf(r.account), r.amount]));
      for (const r of claimed) expected.set(hexOf(r.account), (expected.get(hexOf(r.account)) ?? 0n) - r.amount);
      const payables = await payableBalances(db);
      for (const [account, amount] of expected)
        expect(payables.get(account) ?? 0n, `payable of ${account}`).to.equal(amount);
      for (const [account, amount] of payables) expect(expected.get(account) ?? 0n).to.equal(amount);
    };

    before(async () => {
      db = await backend.open();
      dataDir = mkdtempSync(path.join(tmpdir(), "ledger-payouts-test-"));
      c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      await seedEpochs(db, { domain: domainOf(c.chainId, c.distributor), epochs: [0n, 1n] });
      ctx = testOracleContext({ db, deployed: c, dataDir, nowSeconds: epochBounds(1n).end + 120n });
      indexer = await createIndexer({
        db,
        client: c.publicClient,
        address: c.distributor,
        startBlock: 0n,
        confirmations: 0,
      });
      // epoch 0 finalized (claimable), epoch 1 posted (in its dispute window)
      await runOnce(ctx);
      await increaseTime(WINDOW + 1n);
      await runOnce(ctx);
    });
    after(async () => {
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: a claim indexed later is booked once as payable → distributor cash; the ledger reconciles", async () => {
      await indexer.syncToHead();
      await runOnce(ctx);
      expect((await journals()).filter((j) => j.kind.startsWith("payout"))).to.deep.equal([]);
      await assertLedger();

      const { accounts } = await finalizedAccounts();
      const made = await claim(accounts[0]!);
      expect(made.amount > 0n).to.equal(true);
      // not yet indexed: nothing to book
      expect(await bookPayouts(ctx)).to.deep.equal({ booked: 0, reversed: 0, unmapped: 0 });
      await indexer.syncToHead();
      await runOnce(ctx);

      const payouts = (await journals()).filter((j) => j.kind === "payout");
      expect(payouts).to.have.length(1);
      expect(payouts[0]!.ref).to.equal(made.id);
      expect(payouts[0]!.attempt).to.equal(1);
      expect(payouts[0]!.epoch).to.equal(0n); // chain epoch 1 = coordinator epoch 0
      expect(payouts[0]!.debit).to.equal(made.amount);
      const { rows: lines } = await db.query<{ account: string; debit: bigint; credit: bigint }>(
        `SELECT account, debit_micro_usd AS debit, credit_micro_usd AS credit FROM ledger_entries
          WHERE journal_id = $1 ORDER BY account`,
        [payouts[0]!.id.toString()],
      );
      expect(lines).to.deep.equal([
        { account: "distributor_cash", debit: 0n, credit: made.amount },
        { account: `supporter_payable:${accounts[0]!.toLowerCase()}`, debit: made.amount, credit: 0n },
      ]);
      await assertLedger();

      // re-running (and a second pass of the step alone) books nothing twice
      const before = await journals();
      await runOnce(ctx);
      expect(await bookPayouts(ctx)).to.deep.equal({ booked: 0, reversed: 0, unmapped: 0 });
      expect(await journals()).to.deep.equal(before);
    });

    it("behavior: a reorg that deletes a claim row reverses its payout; the claim mined again is booked again", async () => {
      const { accounts } = await finalizedAccounts();
      await indexer.syncToHead();
      const snapshot = await connection.networkHelpers.takeSnapshot();
      const first = await claim(accounts[1]!);
      await connection.networkHelpers.mine(2);
      await indexer.syncToHead();
      await runOnce(ctx);
      const booked = (await journals()).filter((j) => j.kind === "payout" && j.ref === first.id);
      expect(booked).to.have.length(1);
      await assertLedger();

      // the claim's block is reorged away: a different, longer history without it
      await snapshot.restore();
      await connection.networkHelpers.mine(5);
      const steps = await indexer.syncToHead();
      expect(steps.some((s) => s.type === "reorg")).to.equal(true);
      const { rows } = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM chain_claims WHERE id = $1", [
        Buffer.from(first.id.slice(2), "hex"),
      ]);
      expect(rows[0]!.n).to.equal(0n);
      await runOnce(ctx);
      const reversal = (await journals()).filter((j) => j.kind === "payout_reversal");
      expect(reversal).to.have.length(1);
      expect(reversal[0]!.ref).to.equal(first.id);
      expect(reversal[0]!.attempt).to.equal(1);
      expect(reversal[0]!.debit).to.equal(first.amount);
      await assertLedger();
      expect(await bookPayouts(ctx)).to.deep.equal({ booked: 0, reversed: 0, unmapped: 0 });

      // the supporter claims again on the new history: a new payout (attempt 2 if the event id repeats)
      const again = await claim(accounts[1]!);
      await indexer.syncToHead();
      await runOnce(ctx);
      const live = (await journals()).filter((j) => j.kind === "payout" && j.ref === again.id);
      expect(live.at(-1)!.attempt).to.equal(again.id === first.id ? 2 : 1);
      await assertLedger();
      const count = (await journals()).length;
      await runOnce(ctx);
      expect(await journals()).to.have.length(count);
    });
  });
}
