import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";
import { serializeDatasetToString } from "../../core/dataset/serialize.ts";
import { epochWorld } from "../../core/fixtures/epoch-world.ts";
import { recomputeEpoch } from "../../core/recompute-epoch.ts";
import { ORACLE_SIGNERS, deployFixture, signEpochRoot } from "../../test/contracts/fixture.ts";
import { formatReport, verifyEpoch } from "./verify-epoch.ts";

/**
 * The auditor's tool against a real distributor on Hardhat's in-process EVM: an epoch is
 * computed with core, proposed with real oracle signatures, then verified from its dataset —
 * and a dataset with one tampered receipt is caught.
 */
describe("ledger verify-epoch", () => {
  let fx: Awaited<ReturnType<typeof deployFixture>>;
  let datasetText: string;

  before(async () => {
    fx = await deployFixture(await network.create());
    const domain = { chainId: fx.chainId, verifyingContract: fx.distributor.address.toLowerCase() as Address };
    // chain epoch 1: nothing carried in from before
    const inputs = { ...epochWorld(10_000_000n, { domain, epoch: 1n }), predecessor: null, previousLeaves: [] };
    const result = recomputeEpoch({ inputs });
    datasetText = serializeDatasetToString(result.dataset);
    const cumulativeTotal = result.leaves.reduce((s, l) => s + l.amount, 0n);
    const message = {
      epoch: 1n,
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
        [
          1n,
          1n,
          result.root,
          cumulativeTotal,
          result.receiptsRoot,
          result.datasetHash,
          result.rateCardHash,
          signatures,
        ],
        { account: fx.proposer.account },
      ),
    );
  });

  it("default: an honest epoch verifies against the chain", async () => {
    const report = await verifyEpoch({
      epoch: 1n,
      client: fx.publicClient,
      dataset: new TextEncoder().encode(datasetText),
    });
    expect(report.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.checks.map((c) => c.name)).to.include.members([
      "root",
      "receiptsRoot",
      "datasetHash",
      "rateCardHash",
    ]);
    expect(formatReport(report)).to.match(/^epoch 1: VERIFIED/);
  });

  it("error: one tampered receipt is named in the report", async () => {
    const lines = datasetText.split("\n");
    const i = lines.findIndex((l) => l.includes('"t":"receipt"'));
    lines[i] = lines[i]!.replace(
      /"cumulativeBytes":"(\d+)"/,
      (_m, n: string) => `"cumulativeBytes":"${BigInt(n) * 2n}"`,
    );
    expect(lines[i]).to.not.equal(datasetText.split("\n")[i]);
    const report = await verifyEpoch({
      epoch: 1n,
      client: fx.publicClient,
      dataset: new TextEncoder().encode(lines.join("\n")),
    });
    expect(report.ok).to.equal(false);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).to.include("published outputs recompute");
    expect(failed).to.include("datasetHash");
    expect(formatReport(report)).to.match(/MISMATCH[\s\S]*differs in: verdicts/);
  });

  it("error: the CLI exits 2 with one line on bad usage and 1 when the dataset cannot be checked", () => {
    const cli = path.join(import.meta.dirname, "..", "ledger.ts");
    const usage = spawnSync(process.execPath, [cli, "verify-epoch", "x"], { encoding: "utf8" });
    expect(usage.status).to.equal(2);
    expect(usage.stderr.trim().split("\n")[0]).to.match(/^ledger verify-epoch: expected an epoch number/);
    const dir = mkdtempSync(path.join(tmpdir(), "verify-epoch-"));
    const file = path.join(dir, "bad.ndjson");
    writeFileSync(file, "not json\n");
    const bad = spawnSync(
      process.execPath,
      [cli, "verify-epoch", "1", "--dataset", file, "--rpc", "http://127.0.0.1:9"],
      { encoding: "utf8" },
    );
    expect(bad.status).to.equal(1);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/Invalid epoch dataset/);
  });
});
