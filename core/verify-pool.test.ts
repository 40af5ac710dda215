import { after, describe, it } from "node:test";
import { expect } from "chai";
import { recoverTypedDataAddress } from "viem";
import { type Signed, toTypedDataDomain } from "./eip712/domain.ts";
import { eip712Types } from "./eip712/messages.ts";
import type { Receipt } from "./eip712/receipts.ts";
import { privateKeyToAddress, signTypedMessage } from "./sign.ts";
import { verifyReceipts } from "./verify.ts";
import { VerifyPoolClosedError, createVerifyPool } from "./verify-pool.ts";

const domain = { chainId: 31337, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" } as const;
const viewerKey = `0x${"44".repeat(32)}` as const;
const viewer = privateKeyToAddress(viewerKey);
const items: Signed<Receipt>[] = Array.from({ length: 3000 }, (_, i) => {
  const message: Receipt = {
    sessionId: `0x${i.toString(16).padStart(64, "0")}`,
    supporter: "0x0000000000000000000000000000000000000009",
    viewer,
    seq: BigInt(i),
    cumulativeBytes: BigInt(i) * 1_000_000n,
    timestamp: 1_700_000_000n + BigInt(i),
  };
  const signature = signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: viewerKey });
  // every 7th is tampered (another seq than signed), every 11th malleable-looking garbage
  if (i % 7 === 3) return { message: { ...message, seq: message.seq + 1n }, signature };
  if (i % 11 === 5) return { message, signature: `${signature.slice(0, 130)}1d` as `0x${string}` };
  return { message, signature };
});

describe("verify-pool", () => {
  const pool = createVerifyPool({ size: 2, chunkSize: 256 });
  after(() => pool.close());

  it("default: verifyBatch equals verifyReceipts on the main thread, in input order", async () => {
    const [fromPool, again] = await Promise.all([
      pool.verifyBatch({ domain, primaryType: "Receipt", items }),
      pool.verifyBatch({ domain, primaryType: "Receipt", items: items.slice(0, 500) }),
    ]);
    const local = verifyReceipts(domain, items);
    expect(fromPool).to.deep.equal(local);
    expect(again).to.deep.equal(local.slice(0, 500));
    expect(fromPool.filter((r) => r.valid).length).to.be.greaterThan(2000);
    expect(fromPool.filter((r) => r.error === "BAD_V").length).to.be.greaterThan(100);
  });

  it("behavior: agrees with viem's recoverTypedDataAddress on a sample", async () => {
    const results = await pool.verifyBatch({ domain, primaryType: "Receipt", items: items.slice(0, 40) });
    for (const [i, r] of results.entries()) {
      if (r.error === "BAD_V") continue;
      const signer = await recoverTypedDataAddress({
        domain: toTypedDataDomain(domain),
        types: eip712Types.Receipt,
        primaryType: "Receipt",
        message: items[i]!.message,
        signature: items[i]!.signature,
      });
      expect(r.signer).to.equal(signer.toLowerCase());
      expect(r.valid).to.equal(signer.toLowerCase() === viewer);
    }
  });

  it("behavior: an empty batch resolves to []", async () => {
    expect(await pool.verifyBatch({ domain, primaryType: "Receipt", items: [] })).to.deep.equal([]);
  });

  it("error: after close, verifyBatch rejects with VerifyPoolClosedError", async () => {
    const p = createVerifyPool({ size: 1 });
    const inflight = p.verifyBatch({ domain, primaryType: "Receipt", items }).catch((e: unknown) => e);
    await p.close();
    expect(await inflight).to.be.instanceOf(VerifyPoolClosedError);
    let err2: unknown;
    try {
      await p.verifyBatch({ domain, primaryType: "Receipt", items });
    } catch (e) {
      err2 = e;
    }
    expect(err2).to.be.instanceOf(VerifyPoolClosedError);
  });
});
