import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import type { Address, Hex } from "viem";
import type { EpochInputs } from "../../core/dataset/types.ts";
import { serializeDatasetToString } from "../../core/dataset/serialize.ts";
import { epochWorld, keys } from "../../core/fixtures/epoch-world.ts";
import { recomputeEpoch } from "../../core/recompute-epoch.ts";
import type { RecomputeEpochReturnType } from "../../core/recompute-epoch.ts";
import { ONE_DAY, ORACLE_SIGNERS, deployFixture, signEpochRoot } from "../../test/contracts/fixture.ts";
import { verifyChain } from "./verify-chain.ts";
import { formatReport, verifyEpoch } from "./verify-epoch.ts";

/**
 * The auditor's walk over a ledger on Hardhat's in-process EVM: every epoch computed with core,
 * signed by a real oracle quorum, proposed and finalized on a real distributor. The operator's
 * attacks are the ones the quorum cannot see from one epoch's dataset alone: last epoch's
 * figures edited in the database before the next epoch is computed (a previous leaf, a stream
 * checkpoint), and a dataset shown with the wrong predecessor. Each is caught at the epoch it
 * enters, naming the account or stream.
 */

type Ledger = {
  client: Awaited<ReturnType<typeof deployFixture>>["publicClient"];
  distributor: Address;
  datasets: Map<bigint, Uint8Array>;
  results: RecomputeEpochReturnType[];
};

/** Deploys a distributor and puts `epochs` on it, each from the inputs `next` derives from the epoch before. */
async function ledger(
  count: number,
  tamper: (chainEpoch: bigint, inputs: EpochInputs) => EpochInputs = (_e, i) => i,
): Promise<Ledger> {
  const connection = await network.create();
  const fx = await deployFixture(connection);
  const domain = { chainId: fx.chainId, verifyingContract: fx.distributor.address.toLowerCase() as Address };
  const datasets = new Map<bigint, Uint8Array>();
  const results: RecomputeEpochReturnType[] = [];
  for (let e = 1n; e <= BigInt(count); e++) {
    const world = epochWorld(10_000_000n, { domain, epoch: 6n + e });
    const previous = results.at(-1);
    const honest: EpochInputs = {
      ...world,
      predecessor: previous ? { chainEpoch: e - 1n, datasetHash: previous.datasetHash, root: previous.root } : null,
      previousLeaves: previous ? previous.leaves : [],
      checkpoints: previous ? previous.checkpoints : [],
    };
    const result = recomputeEpoch({ inputs: tamper(e, honest) });
    results.push(result);
    datasets.set(e, new TextEncoder().encode(serializeDatasetToString(result.dataset)));
    const cumulativeTotal = result.leaves.reduce((s, l) => s + l.amount, 0n);
    const message = {
      epoch: e,
      attempt: 1n,
      root: result.root,
      cumulativeTotal,
      receiptsRoot: result.receiptsRoot,
      datasetHash: result.datasetHash,
      rateCardHash: result.rateCardHash,
    };
    const signatures = await signEpochRoot(ORACLE_SIGNERS.slice(0, 3), fx.chainId, fx.distributor.address, message);
    await fx.wait(
      await fx.distributor.write.proposeRoot(
        [e, 1n, result.root, cumulativeTotal, result.receiptsRoot, result.datasetHash, result.rateCardHash, signatures],
        { account: fx.proposer.account },
      ),
    );
    await connection.networkHelpers.time.increase(ONE_DAY + 1n);
    await fx.wait(await fx.distributor.write.finalize([e]));
  }
  return { client: fx.publicClient, distributor: fx.distributor.address, datasets, results };
}

const source = (l: Ledger) => async (epoch: bigint) => {
  const bytes = l.datasets.get(epoch);
  if (!bytes) throw new Error(`no dataset for epoch ${epoch}`);
  return bytes;
};

describe("ledger verify-chain", () => {
  it("default: three epochs verify in order, each linked to the one before", async () => {
    const l = await ledger(3);
    const seen: bigint[] = [];
    const report = await verifyChain({
      client: l.client,
      datasetOf: source(l),
      distributor: l.distributor,
      onEpoch: (e) => seen.push(e.epoch),
    });
    expect(report.firstFailure).to.equal(undefined);
    expect(report.ok).to.equal(true);
    expect(seen).to.deep.equal([1n, 2n, 3n]);
    expect(report.epochs.every((e) => e.ok && e.receipts > 0 && e.leaves > 0)).to.equal(true);
    // the chain really carried state: epoch 2's inputs are epoch 1's outputs
    expect(l.results[1]!.dataset.inputs.previousLeaves).to.deep.equal(l.results[0]!.leaves);
    expect(l.results[1]!.dataset.inputs.checkpoints.length).to.be.greaterThan(0);
  });

  it("behavior: the walk resumes after its checkpoint file, and refuses one the chain contradicts", async () => {
    const l = await ledger(3);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "verify-chain-")), "walk.json");
    const first = await verifyChain({
      client: l.client,
      datasetOf: source(l),
      distributor: l.distributor,
      to: 2n,
      checkpointFile: file,
    });
    expect(first.ok).to.equal(true);
    expect(first.epochs.map((e) => e.epoch)).to.deep.equal([1n, 2n]);
    const fetched: bigint[] = [];
    const resumed = await verifyChain({
      client: l.client,
      datasetOf: (e) => (fetched.push(e), source(l)(e)),
      distributor: l.distributor,
      checkpointFile: file,
    });
    expect(resumed.ok).to.equal(true);
    expect(resumed.epochs.map((e) => e.epoch)).to.deep.equal([3n]);
    expect(fetched).to.deep.equal([3n]); // epochs 1 and 2 were not downloaded again

    const saved = JSON.parse(readFileSync(file, "utf8")) as { datasetHash: string };
    writeFileSync(file, JSON.stringify({ ...saved, datasetHash: `0x${"ab".repeat(32)}` }));
    const refused = await verifyChain({
      client: l.client,
      datasetOf: source(l),
      distributor: l.distributor,
      checkpointFile: file,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(refused)).to.match(/the checkpoint file says epoch 3 had dataset 0xabab.*delete the file/);
    writeFileSync(file, "{not json");
    const garbage = await verifyChain({
      client: l.client,
      datasetOf: source(l),
      distributor: l.distributor,
      checkpointFile: file,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(garbage)).to.match(/is not a verify-chain checkpoint/);
  });

  it("error: a dataset naming the wrong predecessor (another datasetHash for epoch 1) breaks the chain at epoch 2", async () => {
    const l = await ledger(3, (e, inputs) =>
      e === 2n && inputs.predecessor
        ? { ...inputs, predecessor: { ...inputs.predecessor, datasetHash: `0x${"ee".repeat(32)}` } }
        : inputs,
    );
    const report = await verifyChain({ client: l.client, datasetOf: source(l), distributor: l.distributor });
    expect(report.ok).to.equal(false);
    expect(report.epochs.map((e) => [e.epoch, e.ok])).to.deep.equal([
      [1n, true],
      [2n, false],
    ]);
    expect(report.firstFailure).to.include(
      `the dataset names its predecessor as chain epoch 1, datasetHash 0x${"ee".repeat(32)}`,
    );
    expect(report.firstFailure).to.include(
      `but chain epoch 1 committed chain epoch 1, datasetHash ${l.results[0]!.datasetHash}`,
    );
  });

  it("error: a previous leaf edited before epoch 2 was computed (+$5 000) breaks the chain at epoch 2, naming the account", async () => {
    const P1 = keys.P1.address;
    const l = await ledger(3, (e, inputs) =>
      e === 2n
        ? {
            ...inputs,
            previousLeaves: inputs.previousLeaves.map((x) =>
              x.account === P1 ? { ...x, amount: x.amount + 5_000_000_000n } : x,
            ),
          }
        : inputs,
    );
    // epoch 2 alone is self-consistent: it recomputes, and the quorum signed it
    const alone = await verifyEpoch({
      epoch: 2n,
      client: l.client,
      dataset: l.datasets.get(2n)!,
      state: undefined,
      previousDataset: undefined,
    });
    expect(alone.checks.find((c) => c.name === "published outputs recompute")!.ok).to.equal(true);
    expect(alone.checks.find((c) => c.name === "root")!.ok).to.equal(true);

    const report = await verifyChain({ client: l.client, datasetOf: source(l), distributor: l.distributor });
    expect(report.ok).to.equal(false);
    expect(report.epochs.map((e) => [e.epoch, e.ok])).to.deep.equal([
      [1n, true],
      [2n, false],
    ]);
    const before = l.results[0]!.leaves.find((x) => x.account === P1)!.amount;
    expect(report.firstFailure).to.equal(
      `epoch 2: carried over from epoch 1 — epoch 2: the previous leaf of account ${P1} is not what epoch 1 handed on: expected ${before} µUSD, found ${before + 5_000_000_000n} µUSD`,
    );

    // verify-epoch 2 with epoch 1's published dataset catches it too
    const withPredecessor = await verifyEpoch({
      epoch: 2n,
      client: l.client,
      dataset: l.datasets.get(2n)!,
      previousDataset: l.datasets.get(1n)!,
    });
    expect(withPredecessor.ok).to.equal(false);
    expect(formatReport(withPredecessor)).to.include(
      `FAIL carried over from epoch 1 — epoch 2: the previous leaf of account ${P1}`,
    );
  });

  it("error: a stream checkpoint left out of epoch 2 (its bytes counted again) breaks the chain, naming the stream", async () => {
    const l = await ledger(2, (e, inputs) =>
      e === 2n ? { ...inputs, checkpoints: inputs.checkpoints.slice(1) } : inputs,
    );
    const dropped = l.results[0]!.checkpoints[0]!;
    const report = await verifyChain({ client: l.client, datasetOf: source(l), distributor: l.distributor });
    expect(report.ok).to.equal(false);
    expect(report.firstFailure).to.include(
      `the checkpoint of stream ${dropped.sessionId}/${dropped.supporter} is not what epoch 1 handed on: expected cumulative ${dropped.cumulativeBytes} B`,
    );
    expect(report.firstFailure).to.match(/found none \(left out\)$/);
  });

  it("error: a checkpoint lowered in epoch 2 is named with both values", async () => {
    const l = await ledger(2, (e, inputs) =>
      e === 2n
        ? {
            ...inputs,
            checkpoints: inputs.checkpoints.map((c, i) =>
              i === 0 ? { ...c, cumulativeBytes: 0n, countedBytes: 0n } : c,
            ),
          }
        : inputs,
    );
    const report = await verifyChain({ client: l.client, datasetOf: source(l), distributor: l.distributor });
    expect(report.ok).to.equal(false);
    expect(report.firstFailure).to.match(
      /the checkpoint of stream 0x[0-9a-f]{64}\/0x[0-9a-f]{40} is not what epoch 1 handed on: expected cumulative \d+ B, .*found cumulative 0 B, counted 0 B/,
    );
  });

  it("error: epoch 1 carrying leaves in from nowhere fails; a wrong predecessor dataset is refused against the chain", async () => {
    const l = await ledger(2, (e, inputs) =>
      e === 1n ? { ...inputs, previousLeaves: [{ account: keys.P2.address, amount: 7n }] } : inputs,
    );
    const report = await verifyChain({ client: l.client, datasetOf: source(l), distributor: l.distributor });
    expect(report.firstFailure).to.equal(
      `epoch 1: carried over from epoch 0 — epoch 1: the previous leaf of account ${keys.P2.address} is not what epoch 0 handed on: expected no leaf, found 7 µUSD`,
    );
    const wrong = await verifyEpoch({
      epoch: 2n,
      client: l.client,
      dataset: l.datasets.get(2n)!,
      previousDataset: l.datasets.get(2n)!, // not epoch 1's
    });
    const failed = wrong.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).to.include("epoch 1's dataset is the one it committed on-chain");
    const without = await verifyEpoch({ epoch: 2n, client: l.client, dataset: l.datasets.get(2n)! });
    expect(without.checks.find((c) => c.name === "carried over from epoch 1")).to.deep.include({
      ok: false,
      note: "not checked: give epoch 1's dataset (--previous-dataset FILE, or --api URL)",
    });
  });

  it("error: a published receipt counted although its signature is invalid fails, naming the receipt", async () => {
    const l = await ledger(1, (_e, inputs) => ({
      ...inputs,
      receipts: inputs.receipts.map((r, i) =>
        i === 0 ? { ...r, signature: `${r.signature.slice(0, -4)}0000` as Hex } : r,
      ),
    }));
    const text = new TextDecoder().decode(l.datasets.get(1n));
    const lines = text.split("\n");
    const bad = l.results[0]!.verdicts.find((v) => v.reasons.includes("INVALID_SIGNATURE"))!;
    expect(bad).to.not.equal(undefined);
    // the operator publishes that receipt as accepted
    const i = lines.findIndex((x) => x.includes('"t":"receipt"') && x.includes("INVALID_SIGNATURE"));
    lines[i] = lines[i]!.replace(/"reasons":\["INVALID_SIGNATURE"\]/, '"reasons":[]').replace(
      /"status":"rejected"/,
      '"status":"accepted"',
    );
    const report = await verifyEpoch({
      epoch: 1n,
      client: l.client,
      dataset: new TextEncoder().encode(lines.join("\n")),
    });
    expect(report.ok).to.equal(false);
    const signatures = report.checks.find((c) => c.name === "receipt signatures")!;
    expect(signatures.ok).to.equal(false);
    expect(signatures.note).to.equal(`1 receipt(s) with an invalid signature published as counted, first ${bad.id}`);
    expect(report.checks.find((c) => c.name === "published outputs recompute")!.note).to.match(
      /differs in: verdicts.*; first: verdicts: receipt 0x[0-9a-f]{64}: recomputed .*INVALID_SIGNATURE/,
    );
  });
});
