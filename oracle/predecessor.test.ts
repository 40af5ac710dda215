import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { custom } from "viem";
import { createVerifyPool, type VerifyPool } from "../core/verify-pool.ts";
import { cachedDataset } from "../db/dataset-store.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { domainOf } from "../chain/client.ts";
import { carriedInState } from "./predecessor.ts";
import { getEpoch } from "./repositories/epochs.ts";
import { epochRootOf, runOnce } from "./run-epoch.ts";
import { checkEpochWithPool } from "./signer.ts";
import { deployTestChain } from "./testing/chain.ts";
import { testOracleContext } from "./testing/context.ts";
import { epochBounds, seedEpochs } from "./testing/seed.ts";

/**
 * The independent signer against an operator who edits last epoch's figures in the database
 * before the next epoch is computed: the next dataset recomputes and hashes consistently, the
 * leader's own keys would sign it, and the independent signer refuses, naming the account —
 * because it checks what the dataset carries in against the previous epoch's root on-chain.
 */
const connection = await network.create();
const transport = custom(connection.provider);
const WINDOW = 3_600n;

for (const backend of testBackends()) {
  describe(`independent signer: the link to the epoch before (${backend.name})`, () => {
    const open: Db[] = [];
    let dataDir: string;
    let pool: VerifyPool;
    before(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "oracle-predecessor-"));
      pool = createVerifyPool({ size: 1 });
    });
    after(async () => {
      await pool?.close();
      for (const db of open) await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Epoch `first` FINALIZED on a fresh distributor; `first + 1` then computed with no local signer key (it waits in COMPUTED). */
    async function twoEpochs(first: bigint, tamper?: (db: Db, first: bigint) => Promise<void>) {
      const db = await backend.open(); // a ledger of its own: chain epochs are numbered from its history
      open.push(db);
      const c = await deployTestChain(transport, { disputeWindowSeconds: WINDOW });
      await seedEpochs(db, { domain: domainOf(c.chainId, c.distributor), epochs: [first, first + 1n] });
      const ctx = testOracleContext({ db, deployed: c, dataDir, nowSeconds: epochBounds(first + 1n).end + 120n });
      await runOnce(ctx);
      await c.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(WINDOW) + 1] as never });
      await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
      await runOnce({ ...ctx, config: { ...ctx.config, signerKeys: [] } }); // FINALIZED, then the next waits for signatures
      expect((await getEpoch(db, first))!.status).to.equal("FINALIZED");
      if (tamper) {
        // the next epoch is not computed yet: the operator edits what it will carry in, then it is computed
        await db.query("UPDATE epochs SET status = 'CLOSED' WHERE number = $1", [(first + 1n).toString()]);
        await tamper(db, first);
        await runOnce({ ...ctx, config: { ...ctx.config, signerKeys: [] } });
      }
      const next = (await getEpoch(db, first + 1n))!;
      expect(next.status).to.equal("COMPUTED");
      const check = async () => {
        const carriedIn = await carriedInState({ db, chain: c.chain, dataDir, chainEpoch: next.chainEpoch! });
        const file = await cachedDataset(db, dataDir, next.datasetHash!);
        return checkEpochWithPool({
          dataset: file!,
          expected: epochRootOf(next),
          domain: domainOf(c.chainId, c.distributor),
          pool,
          carriedIn,
        });
      };
      return { check, next };
    }

    it("default: an honest next epoch carries in exactly what the previous one handed on, and is signed", async () => {
      const { check, next } = await twoEpochs(0n);
      expect(next.chainEpoch).to.equal(2n);
      expect(await check()).to.include({ ok: true });
    });

    it("error: a previous leaf raised by $5 000 in the database before the next epoch is computed is refused, naming the account", async () => {
      let edited = "";
      const { check } = await twoEpochs(0n, async (db, first) => {
        const { rows } = await db.query<{ account: Uint8Array }>(
          "SELECT account FROM epoch_leaves WHERE epoch = $1 ORDER BY account LIMIT 1",
          [first.toString()],
        );
        edited = `0x${Buffer.from(rows[0]!.account).toString("hex")}`;
        await db.query(
          "UPDATE epoch_leaves SET cumulative_micro_usd = cumulative_micro_usd + 5000000000 WHERE epoch = $1 AND account = $2",
          [first.toString(), rows[0]!.account],
        );
      });
      const verdict = await check();
      expect(verdict.ok).to.equal(false);
      expect(verdict.ok ? "" : verdict.report).to.match(
        new RegExp(
          `^epoch \\d+: the previous leaf of account ${edited} is not what epoch \\d+ handed on: expected \\d+ µUSD, found \\d+ µUSD$`,
        ),
      );
    });
  });
}
