/**
 * `npm run bench -- tree [--no-baseline] [--sizes=100000,1000000]`: the payout Merkle tree.
 *
 * For each size, one child process (so its peak RSS is its own) builds the tree with
 * `core/tree.ts` and then produces every proof (`getProof(i)` for all i, hex as OpenZeppelin
 * returns them; and again as bytes with `getProofBytes`). The baseline,
 * `@openzeppelin/merkle-tree`'s `StandardMerkleTree.of` + `getProof(i)` for all i, runs at
 * 100 000 leaves in its own child; both roots must match.
 *
 * Targets (issue 4): 1 000 000 leaves with all proofs ≤ 3 s and ≤ 700 MiB; ≥ 60× faster
 * than the library at 100 000.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { peakRssMiB, report } from "./report.ts";
import type { Address } from "../core/eip712/domain.ts";

type ChildResult = {
  impl: "ours" | "openzeppelin";
  leaves: number;
  root: string;
  buildMs: number;
  proofsMs: number;
  proofBytesMs?: number;
  proofSiblings: number;
  peakRssMiB: number;
  /** CPU time (user + system) of build + all hex proofs: what wall time would be on an idle core. */
  cpuMs: number;
};

/** Deterministic, distinct accounts and amounts (amounts up to ~$10 000 in µUSD). */
function makeEntries(n: number): { account: Address; amount: bigint }[] {
  const entries = new Array<{ account: Address; amount: bigint }>(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const account: Address = `0x${x.toString(16).padStart(8, "0")}${i.toString(16).padStart(32, "0")}`;
    entries[i] = { account, amount: BigInt(x % 10_000_000) * 1_000n + BigInt(i) };
  }
  return entries;
}

async function child(impl: string, n: number): Promise<ChildResult> {
  const entries = makeEntries(n);
  if (impl === "ours") {
    const { buildTree } = await import("../core/tree.ts");
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const tree = buildTree({ entries });
    const t1 = performance.now();
    let siblings = 0;
    for (let i = 0; i < n; i++) siblings += tree.getProof(i).length;
    const t2 = performance.now();
    const c1 = process.cpuUsage(c0);
    const scratch = new Uint8Array(64 * 32);
    for (let i = 0; i < n; i++) siblings -= tree.writeProof(i, scratch, 0);
    const t3 = performance.now();
    if (siblings !== 0) throw new Error("hex and byte proofs differ in length");
    for (let i = 0; i < n; i++) siblings += tree.getProof(i).length;
    return {
      impl: "ours",
      leaves: n,
      root: tree.root,
      buildMs: t1 - t0,
      proofsMs: t2 - t1,
      proofBytesMs: t3 - t2,
      proofSiblings: siblings,
      peakRssMiB: peakRssMiB(),
      cpuMs: (c1.user + c1.system) / 1000,
    };
  }
  const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
  const values = entries.map((e) => [e.account, e.amount.toString()]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
  const t1 = performance.now();
  let siblings = 0;
  for (let i = 0; i < n; i++) siblings += tree.getProof(i).length;
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  return {
    impl: "openzeppelin",
    leaves: n,
    root: tree.root,
    buildMs: t1 - t0,
    proofsMs: t2 - t1,
    proofSiblings: siblings,
    peakRssMiB: peakRssMiB(),
    cpuMs: (c1.user + c1.system) / 1000,
  };
}

function runChild(impl: string, n: number): ChildResult {
  const runner = fileURLToPath(new URL("./run.ts", import.meta.url));
  const out = spawnSync(process.execPath, [runner, "tree", "--child", impl, String(n)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    timeout: 30 * 60_000,
  });
  if (out.status !== 0) throw new Error(`tree bench child (${impl}, ${n}) failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

export default async function tree(args: string[]): Promise<void> {
  if (args[0] === "--child") {
    const result = await child(args[1]!, Number(args[2]));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const sizes = (args.find((a) => a.startsWith("--sizes="))?.slice(8) ?? "100000,1000000").split(",").map(Number);
  const withBaseline = !args.includes("--no-baseline");
  const baseline = withBaseline ? runChild("openzeppelin", 100_000) : undefined;

  for (const n of sizes) {
    const ours = runChild("ours", n);
    const totalMs = ours.buildMs + ours.proofsMs;
    const common = { leaves: n, root: ours.root, proofSiblings: ours.proofSiblings };
    const oz = baseline && baseline.leaves === n ? baseline : undefined;
    if (oz && oz.root !== ours.root)
      throw new Error(`root mismatch at ${n}: ours ${ours.root}, OpenZeppelin ${oz.root}`);
    const vs = (value: number | undefined) =>
      oz && value !== undefined ? { baseline: "@openzeppelin/merkle-tree", baselineValue: value } : {};
    report({ bench: "tree", metric: "build", value: ours.buildMs, unit: "ms", ...common, ...vs(oz?.buildMs) });
    report({
      bench: "tree",
      metric: "all proofs (hex)",
      value: ours.proofsMs,
      unit: "ms",
      ...common,
      ...vs(oz?.proofsMs),
    });
    report({ bench: "tree", metric: "all proofs (bytes)", value: ours.proofBytesMs ?? 0, unit: "ms", ...common });
    report({
      bench: "tree",
      metric: "build + all proofs",
      value: totalMs,
      unit: "ms",
      ...common,
      ...vs(oz ? oz.buildMs + oz.proofsMs : undefined),
      cpuMs: Math.round(ours.cpuMs),
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      ...(n === 1_000_000 ? { target: "≤ 3000 ms" } : n === 100_000 ? { target: "≥ 60× faster than baseline" } : {}),
    });
    report({
      bench: "tree",
      metric: "peak RSS",
      value: ours.peakRssMiB,
      unit: "MiB",
      ...common,
      ...vs(oz?.peakRssMiB),
      ...(n === 1_000_000 ? { target: "≤ 700 MiB" } : {}),
      note: "whole child process, including the generated input entries",
    });
  }
}
