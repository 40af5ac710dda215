import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, toBytes } from "viem";
import { parseDataset } from "./dataset/parse.ts";
import { datasetHash, serializeDatasetToString } from "./dataset/serialize.ts";
import { InvalidDatasetError } from "./dataset/types.ts";
import type { EpochInputs } from "./dataset/types.ts";
import { auditEpochDataset, recomputeEpoch, ZERO_ROOT } from "./recompute-epoch.ts";
import { epochWorld, keys, P9 } from "./fixtures/epoch-world.ts";

/** Pinned by the golden fixture core/fixtures/epoch-7.ndjson (regenerate only on a deliberate format change). */
const GOLDEN = {
  root: "0xc3b72a2eb11362461d9dc106ba2a0e8e23238cd038480599c137465dd0abdcbe",
  receiptsRoot: "0x6332759f2a3adc58511717d758e00e5ea2ecfdaa0b3172cefbb5ccd199b2d389",
  datasetHash: "0xe845195b184671f30aa2297a8d40618bd1f8268927d27c221ac3760fb10546c3",
  rateCardHash: "0x9e1638090661f535b4419cfc3b34332b21f7be7bb90c220e624c2ccb6f76657a",
};
const fixture = readFileSync(new URL("./fixtures/epoch-7.ndjson", import.meta.url), "utf8");

const shuffle = <T>(items: readonly T[]): T[] => [...items].reverse().sort((_a, _b) => 0);
const reversedInputs = (inputs: EpochInputs): EpochInputs => ({
  ...inputs,
  founders: shuffle(inputs.founders),
  registrations: shuffle(inputs.registrations),
  grants: shuffle(inputs.grants),
  receipts: shuffle(inputs.receipts),
  heartbeats: shuffle(inputs.heartbeats),
  previousLeaves: shuffle(inputs.previousLeaves),
});

describe("recomputeEpoch", () => {
  it("default: worked example — P1 (founder, 3.2 GB, 100 % uptime) 193 600 µUSD; P2 (0.3 GB, 96.66 %) 15 750", () => {
    const r = recomputeEpoch({ inputs: epochWorld() });
    const p1 = r.statements.find((s) => s.account === keys.P1.address)!;
    const p2 = r.statements.find((s) => s.account === keys.P2.address)!;
    // P1: 3.2 GB × 50 000 = 160 000; × 1.1 = 176 000; × 1.1 (≥ 99 % uptime) = 193 600
    expect([p1.baseMicroUsd, p1.multiplierBps, p1.uptimeBonusBps, p1.payoutMicroUsd]).to.deep.equal([
      "160000",
      11_000n,
      1_000n,
      193_600n,
    ]);
    expect(p1.cumulativeMicroUsd).to.equal(1_193_600n); // previous 1 000 000
    // P2: 0.3 GB × 50 000 = 15 000; × 1.05 (58/60 slots = 9 666 bps ≥ 95 %) = 15 750
    expect([p2.baseMicroUsd, p2.uptimeBps, p2.uptimeBonusBps, p2.payoutMicroUsd]).to.deep.equal([
      "15000",
      9_666n,
      500n,
      15_750n,
    ]);
    expect(p2.withheld.map((w) => [w.status, w.reason, w.receipts])).to.deep.equal([
      ["duplicate", "DUPLICATE", 1],
      ["flagged", "NON_MONOTONIC", 1],
    ]);
    // P9 was not active: its leaf carries over unchanged
    expect(r.leaves.find((l) => l.account === P9)?.amount).to.equal(42n);
    expect(r.verdicts.filter((v) => v.status === "rejected").map((v) => v.reasons)).to.deep.equal([["UNREGISTERED"]]);
  });

  it("default: golden fixture — roots and hashes pinned, and the fixture is exactly what we serialize", () => {
    const r = recomputeEpoch({ inputs: epochWorld() });
    expect({
      root: r.root,
      receiptsRoot: r.receiptsRoot,
      datasetHash: r.datasetHash,
      rateCardHash: r.rateCardHash,
    }).to.deep.equal(GOLDEN);
    expect(serializeDatasetToString(r.dataset)).to.equal(fixture);
    expect(keccak256(toBytes(fixture))).to.equal(GOLDEN.datasetHash);
  });

  it("behavior: root and receiptsRoot equal @openzeppelin/merkle-tree over the dataset's leaves and counted receipts", () => {
    const { dataset, root, receiptsRoot } = recomputeEpoch({ inputs: epochWorld() });
    const payout = StandardMerkleTree.of(
      dataset.outputs.leaves.map((l) => [l.account, l.amount.toString()]),
      ["address", "uint256"],
    );
    expect(root).to.equal(payout.root);
    const counted = dataset.outputs.verdicts
      .filter((v) => v.countedBytes > 0n)
      .map((v) => [v.id!, v.countedBytes.toString()]);
    expect(counted).to.have.length(4);
    expect(receiptsRoot).to.equal(StandardMerkleTree.of(counted, ["bytes32", "uint256"]).root);
  });

  it("behavior: an auditor recomputes the published dataset — parse, recompute, same bytes, no mismatches", () => {
    const published = parseDataset(fixture.split("\n"));
    const audit = auditEpochDataset(published);
    expect(audit.mismatches).to.deep.equal([]);
    expect(audit.ok).to.equal(true);
    expect(audit.recomputed.datasetHash).to.equal(GOLDEN.datasetHash);
    expect(datasetHash(published)).to.equal(GOLDEN.datasetHash);
  });

  it("behavior: deterministic under input order — shuffled inputs give the same dataset hash", () => {
    expect(recomputeEpoch({ inputs: reversedInputs(epochWorld()) }).datasetHash).to.equal(GOLDEN.datasetHash);
  });

  it("behavior: a tampered statement or leaf is caught by the audit", () => {
    const published = parseDataset(fixture.split("\n"));
    published.outputs.statements[0]!.payoutMicroUsd += 1n;
    published.outputs.leaves[0]!.amount += 1n;
    expect(auditEpochDataset(published).mismatches).to.deep.equal(["statements", "leaves"]);
  });

  it("behavior: a short budget scales payouts pro rata and the dataset records the factor", () => {
    const r = recomputeEpoch({ inputs: epochWorld(100_000n) });
    expect(r.summary.proRata).to.deep.equal({ numerator: 100_000n, denominator: 209_350n });
    expect(r.statements.reduce((a, s) => a + s.payoutMicroUsd, 0n)).to.equal(100_000n);
    // P1: 193 600 × 100 000 / 209 350 = 92 476.71… → 92 476 (+1 largest remainder); P2: 7 523.28… → 7 523
    expect(r.statements.map((s) => s.payoutMicroUsd).sort()).to.deep.equal([7_523n, 92_477n].sort());
    expect(r.datasetHash).to.not.equal(GOLDEN.datasetHash);
  });

  it("behavior: an epoch without receipts keeps the previous leaves and has a zero receiptsRoot", () => {
    const r = recomputeEpoch({ inputs: { ...epochWorld(), receipts: [] } });
    expect(r.receiptsRoot).to.equal(ZERO_ROOT);
    expect(r.leaves).to.deep.equal([
      { account: P9, amount: 42n },
      { account: keys.P1.address, amount: 1_000_000n },
    ]);
    expect(r.statements.every((s) => s.payoutMicroUsd === 0n)).to.equal(true);
  });

  it("error: a truncated or inconsistent dataset is refused", () => {
    const lines = fixture.split("\n");
    expect(() => parseDataset(lines.slice(0, 10))).to.throw(InvalidDatasetError);
    expect(() => parseDataset(lines.filter((l) => !l.includes('"t":"leaf"')))).to.throw(InvalidDatasetError);
    expect(() => parseDataset(["not json"])).to.throw(InvalidDatasetError);
  });
});
