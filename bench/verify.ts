/**
 * `npm run bench -- verify [N]`: signed receipts verified per second (EIP-712 digest + signer
 * recovery + signer check), on one core with the batch API on the main thread, and on every
 * core with the worker pool; viem's `recoverTypedDataAddress` on one core is the baseline,
 * measured in the same run. Targets (2-core machine): ≥ 14 000/s on one core, ≥ 25 000/s on all.
 */
import { availableParallelism, cpus } from "node:os";
import { recoverTypedDataAddress } from "viem";
import { type Signed, toTypedDataDomain } from "../core/eip712/domain.ts";
import { eip712Types } from "../core/eip712/messages.ts";
import type { Receipt } from "../core/eip712/receipts.ts";
import { privateKeyToAddress, signTypedMessage } from "../core/sign.ts";
import { defaultBackend, nativeSecp256k1, parseSignature } from "../core/signature.ts";
import { hashTypedMessageBytes } from "../core/eip712/hash.ts";
import { verifyReceipts } from "../core/verify.ts";
import { createVerifyPool } from "../core/verify-pool.ts";
import { report } from "./report.ts";

const domain = { chainId: 8453, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" } as const;

function makeReceipts(n: number): Signed<Receipt>[] {
  const keys = Array.from({ length: 256 }, (_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}` as const);
  const viewers = keys.map((k) => privateKeyToAddress(k));
  return Array.from({ length: n }, (_, i) => {
    const k = i % keys.length;
    const message: Receipt = {
      sessionId: `0x${(k + 1).toString(16).padStart(64, "0")}`,
      supporter: `0x${(i % 1000).toString(16).padStart(40, "0")}`,
      viewer: viewers[k]!,
      seq: BigInt(i),
      cumulativeBytes: BigInt(i) * 1_250_000n,
      timestamp: 1_700_000_000n + BigInt(i),
    };
    return { message, signature: signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: keys[k]! }) };
  });
}

function perSecond(count: number, ms: number): number {
  return count / (ms / 1000);
}

export default async function verify(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 40_000);
  const cores = availableParallelism();
  const machine = { cores, cpu: cpus()[0]?.model ?? "unknown", node: process.version, backend: defaultBackend };
  const receipts = makeReceipts(n);

  // baseline: viem, one core
  const baselineCount = Math.min(600, n);
  let t = performance.now();
  for (let i = 0; i < baselineCount; i++) {
    const r = receipts[i]!;
    await recoverTypedDataAddress({
      domain: toTypedDataDomain(domain),
      types: eip712Types.Receipt,
      primaryType: "Receipt",
      message: r.message,
      signature: r.signature,
    });
  }
  const viemPerSecond = perSecond(baselineCount, performance.now() - t);
  const baseline = "viem recoverTypedDataAddress, one core";

  // one core: the batch API on the main thread (after a warm-up)
  verifyReceipts(domain, receipts.slice(0, 2000));
  t = performance.now();
  const local = verifyReceipts(domain, receipts);
  const oneCore = perSecond(n, performance.now() - t);
  if (!local.every((r) => r.valid)) throw new Error("bench: a valid receipt failed verification");
  report({
    bench: "verify",
    metric: "receipts_per_second_one_core",
    value: oneCore,
    unit: "receipts/s",
    baseline,
    baselineValue: viemPerSecond,
    target: 14_000,
    receipts: n,
    ...machine,
  });

  // the ceiling: libsecp256k1 recovery alone (digests and parsed signatures precomputed)
  if (nativeSecp256k1) {
    const native = nativeSecp256k1;
    const count = Math.min(20_000, n);
    const digests = receipts.slice(0, count).map((r) => hashTypedMessageBytes(domain, "Receipt", r.message));
    const parsed = receipts.slice(0, count).map((r) => parseSignature(r.signature));
    t = performance.now();
    for (let i = 0; i < count; i++) native.ecdsaRecover(parsed[i]!.compact, parsed[i]!.recoveryId, digests[i]!, false);
    report({
      bench: "verify",
      metric: "native_recover_only_per_second_one_core",
      value: perSecond(count, performance.now() - t),
      unit: "recoveries/s",
      note: "ceiling for one core: ecdsaRecover alone, no digest, parsing or address",
      ...machine,
    });
  }

  // the pure-JS fallback, one core (information: where the native binding is missing)
  const jsCount = Math.min(1000, n);
  t = performance.now();
  verifyReceipts(domain, receipts.slice(0, jsCount), "js");
  report({
    bench: "verify",
    metric: "receipts_per_second_one_core_js_fallback",
    value: perSecond(jsCount, performance.now() - t),
    unit: "receipts/s",
    baseline,
    baselineValue: viemPerSecond,
    receipts: jsCount,
    ...machine,
  });

  // every core: the worker pool
  const pool = createVerifyPool({ size: cores });
  try {
    await pool.verifyBatch({ domain, primaryType: "Receipt", items: receipts.slice(0, 4000) });
    t = performance.now();
    const pooled = await pool.verifyBatch({ domain, primaryType: "Receipt", items: receipts });
    const allCores = perSecond(n, performance.now() - t);
    if (!pooled.every((r) => r.valid)) throw new Error("bench: a valid receipt failed verification in the pool");
    report({
      bench: "verify",
      metric: "receipts_per_second_all_cores",
      value: allCores,
      unit: "receipts/s",
      baseline,
      baselineValue: viemPerSecond,
      target: 25_000,
      workers: pool.size,
      receipts: n,
      ...machine,
    });
  } finally {
    await pool.close();
  }
}
