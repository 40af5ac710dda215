import { describe, it } from "node:test";
import { expect } from "chai";
import { parseDataset } from "./dataset/parse.ts";
import { serializeDatasetToString } from "./dataset/serialize.ts";
import type { Signed } from "./eip712/domain.ts";
import type { Receipt } from "./eip712/receipts.ts";
import { epochWorld, keys } from "./fixtures/epoch-world.ts";
import { epochSignatures, recomputeEpoch } from "./recompute-epoch.ts";
import { signTypedMessage } from "./sign.ts";
import { createLineVerifier, shareVerifiedStrings } from "./verify-lines.ts";

/** The golden world plus 1 500 receipts of one viewer, every 7th tampered after signing. */
function bigWorld() {
  const world = epochWorld();
  const extra: Signed<Receipt>[] = Array.from({ length: 1500 }, (_, i) => {
    const message: Receipt = {
      sessionId: `0x${(1000 + i).toString(16).padStart(64, "0")}`,
      supporter: keys.S1.address,
      viewer: keys.V1.address,
      seq: BigInt(i),
      cumulativeBytes: 1_000n * BigInt(i + 1),
      timestamp: world.epochStart + BigInt(i),
    };
    const signature = signTypedMessage({
      domain: world.domain,
      primaryType: "Receipt",
      message,
      privateKey: keys.V1.key,
    });
    return i % 7 === 3 ? { message: { ...message, seq: message.seq + 1n }, signature } : { message, signature };
  });
  return { ...world, receipts: [...world.receipts, ...extra] };
}

/** Feeds `bytes` in chunks of `size` (splitting lines and characters anywhere). */
async function verifyInChunks(bytes: Uint8Array, size: number) {
  const lines = createLineVerifier({ size: 2, window: 1 });
  try {
    for (let off = 0; off < bytes.length; off += size) lines.push(bytes.slice(off, off + size));
    return await lines.finish();
  } finally {
    await lines.close();
  }
}

describe("verify-lines", () => {
  const text = serializeDatasetToString(recomputeEpoch({ inputs: bigWorld() }).dataset);
  const bytes = new TextEncoder().encode(text);
  const parsed = parseDataset(text.split("\n"));

  it("default: the results equal verifyTypedMessages over the parsed inputs, section by section, whatever the chunking", async () => {
    const expected = epochSignatures(parsed.inputs, "verify");
    expect(expected.receipts.filter((r) => !r.valid).length).to.be.greaterThan(200);
    for (const size of [997, 64 * 1024, bytes.length])
      expect(await verifyInChunks(bytes, size)).to.deep.equal(expected);
  });

  it("behavior: shareVerifiedStrings changes no value: the dataset serializes to the same bytes", async () => {
    const again = parseDataset(text.split("\n"));
    const verified = await verifyInChunks(bytes, 64 * 1024);
    shareVerifiedStrings(again.inputs, again.outputs, verified!);
    expect(serializeDatasetToString(again)).to.equal(text);
    expect(verified).to.deep.equal(epochSignatures(parsed.inputs, "verify"));
  });

  it("behavior: a signed line not in plain form (an extra key) gives undefined, so the caller verifies the parsed inputs", async () => {
    const lines = text.split("\n");
    const i = lines.findIndex((l) => l.includes('"t":"grant"'));
    lines[i] = lines[i]!.replace('{"message":', '{"extra":1,"message":');
    expect(await verifyInChunks(new TextEncoder().encode(lines.join("\n")), 4096)).to.equal(undefined);
  });

  it("behavior: bytes without a header first give undefined", async () => {
    expect(await verifyInChunks(new TextEncoder().encode(text.split("\n").slice(1).join("\n")), 4096)).to.equal(
      undefined,
    );
  });
});
