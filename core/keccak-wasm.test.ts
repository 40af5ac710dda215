import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "chai";
import fc from "fast-check";
import { keccak256, toHex } from "viem";
import { createKeccak } from "hash-wasm";
import { createKeccakStream, keccak256Fast, keccakInPlace, keccakScratch } from "./keccak-wasm.ts";

describe("keccak-wasm", () => {
  it("default: keccak256 of the empty input", () => {
    expect(toHex(keccak256Fast(new Uint8Array(0)))).to.equal(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
  });

  it("behavior: equals viem's keccak256 on random inputs, one-shot and in place", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        expect(toHex(keccak256Fast(data))).to.equal(keccak256(data));
        keccakScratch.set(data, 0);
        keccakInPlace(data.length);
        expect(toHex(keccakScratch.slice(0, 32))).to.equal(keccak256(data));
      }),
    );
  });

  it("behavior: the vendored module is byte for byte hash-wasm's installed sha3 build", () => {
    const require = createRequire(import.meta.url);
    const pkg = readFileSync(require.resolve("hash-wasm").replace(/index\.umd\.js$/, "index.esm.js"), "utf8");
    const theirs = /var name\$\w+ = "sha3";\s*var data\$\w+ = "([^"]+)"/.exec(pkg)?.[1];
    const ours = readFileSync(new URL("./keccak-wasm.ts", import.meta.url), "utf8");
    const vendored = [...(/const WASM_BASE64 =([^;]+);/.exec(ours)?.[1] ?? "").matchAll(/"([^"]*)"/g)]
      .map((m) => m[1])
      .join("");
    expect(theirs).to.be.a("string");
    expect(vendored).to.equal(theirs);
  });

  it("behavior: the stream equals viem's keccak256 and hash-wasm's own createKeccak, whatever the chunking", async () => {
    const theirs = await createKeccak(256);
    const stream = createKeccakStream();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40_000 }),
        fc.array(fc.nat({ max: 40_000 }), { maxLength: 6 }),
        (data, cuts) => {
          const points = [0, ...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length];
          stream.init();
          theirs.init();
          for (let i = 1; i < points.length; i++) {
            stream.update(data.subarray(points[i - 1], points[i]));
            theirs.update(data.subarray(points[i - 1], points[i]));
          }
          const hex = stream.digest("hex");
          expect(`0x${hex}`).to.equal(keccak256(data));
          expect(hex).to.equal(theirs.digest("hex"));
        },
      ),
      { numRuns: 60 },
    );
    // a stream and the in-place scratch never clash
    stream.init().update(new Uint8Array([1, 2, 3]));
    keccak256Fast(new Uint8Array(100));
    expect(toHex(stream.digest("binary"))).to.equal(keccak256(new Uint8Array([1, 2, 3])));
  });

  it("error: inputs beyond the scratch buffer are refused", () => {
    expect(() => keccak256Fast(new Uint8Array(16 * 1024 + 1))).to.throw(RangeError);
  });
});
