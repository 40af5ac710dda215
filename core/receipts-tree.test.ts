import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { readFileSync } from "node:fs";
import { parseDataset } from "./dataset/parse.ts";
import { buildReceiptsTree, countedReceiptLeaves, receiptLeafHash, verifyReceiptProof } from "./receipts-tree.ts";
import type { ReceiptLeaf } from "./receipts-tree.ts";
import { DuplicateLeafKeyError, InvalidLeafError } from "./standard-tree.ts";
import type { Hex } from "./hex.ts";

const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;
const ENCODING = ["bytes32", "uint256"];
const arbReceipts = fc.uniqueArray(
  fc.record({
    receiptId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex),
    countedBytes: fc.bigInt({ min: 1n, max: 10n ** 15n }),
  }),
  { minLength: 1, maxLength: 60, selector: (r) => r.receiptId },
);
const oz = (receipts: readonly ReceiptLeaf[]) =>
  StandardMerkleTree.of(
    receipts.map((r) => [r.receiptId, r.countedBytes.toString()]),
    ENCODING,
  );

describe("buildReceiptsTree", () => {
  it("default: one receipt — receiptsRoot is its leaf hash", () => {
    const receipts: ReceiptLeaf[] = [{ receiptId: `0x${"ab".repeat(32)}`, countedBytes: 1_000_000_000n }];
    const tree = buildReceiptsTree({ receipts });
    expect(tree.root).to.equal(receiptLeafHash(receipts[0]!));
    expect(tree.root).to.equal(oz(receipts).root);
  });

  it("behavior: identical to OpenZeppelin (root, proofs, dump) and every proof verifies in OpenZeppelin", () => {
    fc.assert(
      fc.property(arbReceipts, (receipts) => {
        const tree = buildReceiptsTree({ receipts });
        const theirs = oz(receipts);
        expect(tree.root).to.equal(theirs.root);
        expect(JSON.stringify(tree.dump())).to.equal(JSON.stringify(theirs.dump()));
        receipts.forEach((r, i) => {
          const proof = tree.getProof(i);
          expect(
            StandardMerkleTree.verify(tree.root, ENCODING, [r.receiptId, r.countedBytes.toString()], proof),
          ).to.equal(true);
          expect(verifyReceiptProof({ receiptsRoot: tree.root, ...r, proof })).to.equal(true);
          expect(
            verifyReceiptProof({ receiptsRoot: tree.root, ...r, countedBytes: r.countedBytes + 1n, proof }),
          ).to.equal(false);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("error: a duplicate receipt id or a malformed id is rejected", () => {
    const id: Hex = `0x${"01".repeat(32)}`;
    expect(() =>
      buildReceiptsTree({
        receipts: [
          { receiptId: id, countedBytes: 1n },
          { receiptId: id, countedBytes: 2n },
        ],
      }),
    ).to.throw(DuplicateLeafKeyError);
    expect(() => buildReceiptsTree({ receipts: [{ receiptId: "0x01" satisfies Hex, countedBytes: 1n }] })).to.throw(
      InvalidLeafError,
    );
  });
});

describe("countedReceiptLeaves", () => {
  it("default: the golden dataset's counted receipts rebuild its receiptsRoot; each counted verdict proves", () => {
    const fixture = readFileSync(new URL("./fixtures/epoch-7.ndjson", import.meta.url), "utf8");
    const { outputs } = parseDataset(fixture.split("\n"));
    const { leaves, leafIndex } = countedReceiptLeaves(outputs.verdicts);
    expect(leaves.length).to.be.greaterThan(0);
    const tree = buildReceiptsTree({ receipts: leaves });
    expect(tree.root).to.equal(outputs.receiptsRoot);
    outputs.verdicts.forEach((v, i) => {
      const at = leafIndex[i]!;
      if (v.id === null || v.countedBytes === 0n) return expect(at).to.equal(-1);
      expect(
        verifyReceiptProof({ receiptsRoot: tree.root, ...leaves[at]!, proof: tree.getProof(at) }),
        `verdict ${i}`,
      ).to.equal(true);
    });
    expect(outputs.verdicts.some((_, i) => leafIndex[i] === -1)).to.equal(true); // the fixture has uncounted receipts
  });
});
