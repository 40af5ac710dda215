/**
 * `npm run bench -- audit [RECEIPTS] [SUPPORTERS]`: an auditor's offline verification of one
 * large epoch — `ledger verify-epoch --dataset FILE` without the chain reads: the dataset file
 * parsed in chunks (hashed as it is read), every signature recovered on all cores (core's
 * verify pool), fraud rules, earnings and both trees recomputed, every published output
 * compared, the canonical form checked (scripts/commands/verify-epoch.ts
 * `verifyDatasetOffline`, the very function the command calls).
 *
 * Defaults: 10⁶ receipts from 10⁵ supporters (one node, payout address, registration,
 * heartbeat, session grant and viewer session each; ten receipts a session; a founder in a
 * hundred; every other account with a previous leaf; one receipt in a thousand re-sent, so a
 * duplicate). Seeding — signing everything, computing the epoch as the oracle does
 * and writing the dataset with core's serializer — is reported separately and not counted.
 *
 * The verification runs in a child process (bench/_audit-verify.ts), so its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own. Targets (2-core machine): ≤ 60 s, ≤ 1 GiB.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os, { availableParallelism, cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serializeDatasetChunks } from "../core/dataset/serialize.ts";
import type { EpochInputs } from "../core/dataset/types.ts";
import type { Address, RewardsDomain, Signed } from "../core/eip712/domain.ts";
import type { Messages } from "../core/eip712/messages.ts";
import type { Receipt } from "../core/eip712/receipts.ts";
import type { SessionGrant } from "../core/eip712/sessions.ts";
import type { Hex } from "../core/hex.ts";
import { DEFAULT_FRAUD_RULES, type ReceiptSubmission } from "../core/fraud.ts";
import { keccak256Utf8 } from "../core/keccak.ts";
import { DEFAULT_RATE_CARD } from "../core/ratecard.ts";
import { recomputeEpochDataset } from "../core/recompute-epoch.ts";
import { privateKeyToAddress, signTypedMessage } from "../core/sign.ts";
import type { TreeEntry } from "../core/tree.ts";
import { writeDatasetStreaming } from "../oracle/stages/build.ts";
import { report } from "./report.ts";

const BENCH = "audit";
const TARGET_SECONDS = 60;
const TARGET_RSS_MIB = 1024;
const START = 1_700_000_000n;
const END = START + 3_600n;
const STREAM_ID: Hex = `0x${"ab".repeat(32)}`;
const domain: RewardsDomain = { chainId: 31337, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const key = (label: string): Hex => `0x${Buffer.from(keccak256Utf8(`bench-audit:${label}`)).toString("hex")}`;
const addressOf = (label: string): Address =>
  `0x${Buffer.from(keccak256Utf8(`bench-audit-address:${label}`))
    .subarray(12)
    .toString("hex")}`;

/** A policy input signed by the bench's policy key (the auditor's role check needs a chain; the bench runs offline). */
function policySigned<T extends "EpochBudget" | "FounderStatus">(
  primaryType: T,
  message: Messages[T],
): Signed<Messages[T]> {
  return { message, signature: signTypedMessage({ domain, primaryType, message, privateKey: key("policy") }) };
}

/** The inputs of one epoch as the coordinator would have stored them, every message signed. */
function seedInputs(receipts: number, supporters: number): EpochInputs {
  const perSupporter = Math.max(1, Math.floor(receipts / supporters));
  const coordinatorKey = key("coordinator");
  const inputs: EpochInputs = {
    epoch: 1n,
    epochStart: START,
    epochEnd: END,
    domain,
    coordinator: privateKeyToAddress(coordinatorKey),
    predecessor: null,
    budgetMicroUsd: 10n ** 14n,
    budgetApproval: policySigned("EpochBudget", { fromEpoch: 0n, budgetMicroUsd: 10n ** 14n, issuedAt: START }),
    heartbeatIntervalSeconds: 60n,
    rules: { ...DEFAULT_FRAUD_RULES },
    rateCard: DEFAULT_RATE_CARD,
    rateCardApproval: null,
    founders: [],
    registrations: [],
    grants: [],
    receipts: [],
    heartbeats: [],
    checkpoints: [],
    flagDecisions: [],
    previousLeaves: [],
  };
  const previousLeaves: TreeEntry[] = [];
  const all: ReceiptSubmission[] = [];
  for (let s = 0; s < supporters; s++) {
    const nodeKey = key(`node-${s}`);
    const node = privateKeyToAddress(nodeKey);
    const payout = addressOf(`payout-${s}`);
    if (s % 100 === 0)
      inputs.founders.push(
        policySigned("FounderStatus", { node, founder: true, effectiveEpoch: 0n, issuedAt: START, reason: "founder" }),
      );
    if (s % 2 === 0) previousLeaves.push({ account: payout, amount: 1_000_000n + BigInt(s) });
    const registration = { node, payout, effectiveEpoch: 0n, nonce: 0n };
    inputs.registrations.push({
      message: registration,
      signature: signTypedMessage({
        domain,
        primaryType: "SupporterRegistration",
        message: registration,
        privateKey: nodeKey,
      }),
    });
    const heartbeat = { node, timestamp: START + 300n };
    inputs.heartbeats.push({
      message: heartbeat,
      signature: signTypedMessage({ domain, primaryType: "Heartbeat", message: heartbeat, privateKey: nodeKey }),
    });
    const viewerKey = key(`viewer-${s}`);
    const viewer = privateKeyToAddress(viewerKey);
    const sessionId: Hex = `0x${Buffer.from(keccak256Utf8(`bench-audit-session-${s}`)).toString("hex")}`;
    const grant: SessionGrant = {
      sessionId,
      viewer,
      streamId: STREAM_ID,
      maxBitsPerSecond: 100_000_000n,
      notBefore: START,
      notAfter: END,
    };
    inputs.grants.push({
      message: grant,
      signature: signTypedMessage({ domain, primaryType: "SessionGrant", message: grant, privateKey: coordinatorKey }),
    });
    for (let k = 0; k < perSupporter; k++) {
      const message: Receipt = {
        sessionId,
        supporter: node,
        viewer,
        seq: BigInt(k),
        cumulativeBytes: 10_000_000n * BigInt(k + 1),
        timestamp: START + 240n + BigInt(k),
      };
      // one in a thousand is a re-send of the one before (a retry): counted once, a `duplicate`
      const previous = all.at(-1);
      if (k > 0 && all.length % 1000 === 999 && previous)
        all.push({ message: { ...previous.message }, signature: previous.signature });
      else
        all.push({
          message,
          signature: signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: viewerKey }),
        });
    }
  }
  inputs.receipts = all;
  inputs.previousLeaves = previousLeaves;
  return inputs;
}

type ChildResult = {
  ok: boolean;
  failed: string[];
  receipts: number;
  signatures: number;
  workers: number;
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
  phases: Record<string, number>;
  phaseRssMiB: Record<string, number>;
};

/** Runs bench/_audit-verify.ts on `file` in its own process; its last stdout line is the result. */
function verifyInChild(file: string): Promise<ChildResult> {
  const script = fileURLToPath(new URL("./_audit-verify.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, file], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("{"))
        return reject(new Error(`the verification child exited with ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(last) as ChildResult);
    });
  });
}

/** Seeds the dataset (not counted): signs everything, computes the epoch as the oracle does, writes it. */
async function seed(dir: string, receipts: number, supporters: number, keep: string | undefined): Promise<string> {
  let t = performance.now();
  const inputs = seedInputs(receipts, supporters);
  const signS = (performance.now() - t) / 1000;
  t = performance.now();
  // the leader's computation (signatures verified at ingest: digests only), then core's serializer
  const computed = recomputeEpochDataset({ inputs, signatures: "trusted" });
  const written = await writeDatasetStreaming(dir, serializeDatasetChunks(computed.dataset));
  const computeS = (performance.now() - t) / 1000;
  if (keep) copyFileSync(written.file, keep);
  report({
    bench: BENCH,
    metric: "seed",
    value: signS + computeS,
    unit: "s",
    signS: round(signS),
    computeAndWriteS: round(computeS),
    receipts: inputs.receipts.length,
    supporters,
    notAccepted: computed.verdicts.filter((v) => v.status !== "accepted").length,
    datasetBytes: statSync(written.file).size,
    datasetHash: written.datasetHash,
    countedInTotal: false,
  });
  return written.file;
}

const USAGE =
  "usage: npm run bench -- audit [RECEIPTS] [SUPPORTERS] [--keep FILE | --dataset FILE] (--keep: also copy the seeded dataset to FILE; --dataset: verify FILE, no seeding)";

export default async function auditBench(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { keep: { type: "string" }, dataset: { type: "string" } },
  });
  const receipts = Number(positionals[0] ?? 1_000_000);
  const supporters = Number(positionals[1] ?? 100_000);
  if (!Number.isSafeInteger(receipts) || !Number.isSafeInteger(supporters) || receipts < 1 || supporters < 1)
    throw new Error(USAGE);
  const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version };
  const dir = mkdtempSync(path.join(tmpdir(), "bench-audit-"));
  try {
    const file = values.dataset ?? (await seed(dir, receipts, supporters, values.keep));
    // --- the audit, in its own process ---------------------------------------------------------
    const r = await verifyInChild(file);
    if (!r.ok) throw new Error(`bench: the honest dataset did not verify: ${r.failed.join("; ")}`);
    const load = os.loadavg()[0];
    report({
      bench: BENCH,
      metric: "wall",
      value: r.wallS,
      unit: "s",
      cpuS: r.cpuS,
      receipts: r.receipts,
      supporters,
      workers: r.workers,
      phases: r.phases,
      loadAvg1m: load,
      target: TARGET_SECONDS,
      meetsTarget: r.wallS <= TARGET_SECONDS,
      ...machine,
    });
    report({
      bench: BENCH,
      metric: "peakRss",
      value: r.peakRssMiB,
      unit: "MiB",
      rssAfterPhaseMiB: r.phaseRssMiB,
      target: TARGET_RSS_MIB,
      meetsTarget: r.peakRssMiB <= TARGET_RSS_MIB,
    });
    // recovery runs on the workers while the main thread parses (core/verify-lines.ts): its
    // window is the parse phase (plus any fallback recovery in the signatures phase)
    const recoveryS = (r.phases.parse ?? 0) + (r.phases.signatures ?? 0);
    report({
      bench: BENCH,
      metric: "recoveryPerSecond",
      value: r.signatures / recoveryS,
      unit: "signatures/s",
      signatures: r.signatures,
      windowS: round(recoveryS),
      workers: r.workers,
      note: "every receipt, grant, registration and heartbeat signature recovered on all cores, overlapped with parsing",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
