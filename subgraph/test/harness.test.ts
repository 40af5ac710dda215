/** The offline mapping runtime itself: loud failures and the BigInt byte codec. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { MappingHarness, bigIntToLe, leToBigInt } from "./harness.ts";

/** A minimal module importing `index.ipfs.cat` (not implemented) and calling it from `_start`. */
function moduleCallingIpfsCat(): Uint8Array {
  const str = (s: string) => [s.length, ...Buffer.from(s)];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 0]), // one type: () → ()
    ...section(2, [1, ...str("index"), ...str("ipfs.cat"), 0x00, 0]), // import func, type 0
    ...section(3, [1, 0]), // one function, type 0
    ...section(5, [1, 0x00, 1]), // memory, min 1 page
    ...section(7, [2, ...str("_start"), 0x00, 1, ...str("memory"), 0x02, 0]),
    ...section(10, [1, 4, 0, 0x10, 0, 0x0b]), // _start: call 0
  ]);
}

describe("mapping harness", () => {
  it("throws loudly when a mapping calls a host function the harness does not implement", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "subgraph-harness-"));
    try {
      const wasm = path.join(dir, "m.wasm");
      writeFileSync(wasm, moduleCallingIpfsCat());
      assert.throws(() => MappingHarness.load(wasm), /unimplemented host function index\.ipfs\.cat/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("encodes BigInt as graph-node does: minimal little-endian two's complement", () => {
    assert.deepEqual([...bigIntToLe(0n)], [0]);
    assert.deepEqual([...bigIntToLe(255n)], [255, 0]);
    assert.deepEqual([...bigIntToLe(-1n)], [255]);
    assert.deepEqual([...bigIntToLe(-129n)], [127, 255]);
    for (const n of [0n, 1n, 127n, 128n, -128n, 2n ** 255n, -(2n ** 255n), 2n ** 256n - 1n, 123_456_789_000_000n]) {
      assert.equal(leToBigInt(bigIntToLe(n)), n);
    }
    assert.equal(leToBigInt(new Uint8Array()), 0n);
  });
});
