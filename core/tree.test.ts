import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, keccak256 } from "viem";
import {
  buildTree,
  DuplicateLeafKeyError,
  EmptyTreeError,
  InvalidLeafError,
  payoutLeafHash,
  verifyPayoutProof,
} from "./tree.ts";
import type { TreeEntry } from "./tree.ts";
import type { Address } from "./eip712/domain.ts";

const ENCODING = ["address", "uint256"];
const oz = (entries: readonly TreeEntry[]) =>
  StandardMerkleTree.of(
    entries.map((e) => [e.account, e.amount.toString()]),
    ENCODING,
  );

const toHex = (b: Uint8Array): Address => `0x${Buffer.from(b).toString("hex")}`;
const arbAddress = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(toHex);
const arbAmount = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 12n }),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 256n - 1n),
);
const arbEntries = (maxLength: number) =>
  fc.uniqueArray(fc.record({ account: arbAddress, amount: arbAmount }), {
    minLength: 1,
    maxLength,
    selector: (e) => e.account,
  });

const entry = (n: number, amount: bigint): TreeEntry => ({
  account: `0x${n.toString(16).padStart(40, "0")}`,
  amount,
});

describe("buildTree", () => {
  it("default: one leaf — the root is the leaf hash and the proof is empty", () => {
    const entries = [entry(1, 5_000_000n)];
    const tree = buildTree({ entries });
    // by hand with viem: keccak256(keccak256(abi.encode(address, uint256)))
    const leaf = keccak256(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [entries[0]!.account, 5_000_000n])),
    );
    expect(tree.root).to.equal(leaf);
    expect(tree.getProof(0)).to.deep.equal([]);
    expect(tree.root).to.equal(oz(entries).root);
  });

  it("default: two leaves — root is keccak of the sorted leaf hashes; each proof is the other leaf", () => {
    const entries = [entry(1, 1n), entry(2, 2n)];
    const tree = buildTree({ entries });
    const [a, b] = [payoutLeafHash(entries[0]!), payoutLeafHash(entries[1]!)].sort();
    expect(tree.root).to.equal(keccak256(`0x${a!.slice(2)}${b!.slice(2)}`));
    expect(tree.getProof(0)).to.deep.equal([payoutLeafHash(entries[1]!)]);
    expect(JSON.stringify(tree.dump())).to.equal(JSON.stringify(oz(entries).dump()));
  });

  it("behavior: root, every proof and dump() are identical to @openzeppelin/merkle-tree on random sets", () => {
    fc.assert(
      fc.property(arbEntries(70), (entries) => {
        const ours = buildTree({ entries });
        const theirs = oz(entries);
        expect(ours.root).to.equal(theirs.root);
        for (let i = 0; i < entries.length; i++) expect(ours.getProof(i)).to.deep.equal(theirs.getProof(i));
        expect(JSON.stringify(ours.dump())).to.equal(JSON.stringify(theirs.dump()));
      }),
      { numRuns: 150 },
    );
  });

  it("behavior: identical to OpenZeppelin at sizes 1–40 and a few larger ones", () => {
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 64, 65, 127, 128, 129, 1000]) {
      const entries = Array.from({ length: n }, (_, i) => entry(i * 7919 + 1, BigInt(i) * 1_000_003n));
      const ours = buildTree({ entries });
      const theirs = oz(entries);
      expect(ours.root, `n=${n}`).to.equal(theirs.root);
      expect(JSON.stringify(ours.dump()), `n=${n}`).to.equal(JSON.stringify(theirs.dump()));
      const i = n - 1;
      expect(ours.getProof(i)).to.deep.equal(theirs.getProof(i));
    }
  });

  it("behavior: our dump loads and verifies in StandardMerkleTree.load", () => {
    const entries = Array.from({ length: 33 }, (_, i) => entry(1000 + i, BigInt(i) ** 5n));
    const tree = buildTree({ entries });
    const loaded = StandardMerkleTree.load(JSON.parse(JSON.stringify(tree.dump())) as never);
    loaded.validate();
    expect(loaded.root).to.equal(tree.root);
    for (let i = 0; i < entries.length; i++) {
      expect(
        StandardMerkleTree.verify(
          tree.root,
          ENCODING,
          [entries[i]!.account, entries[i]!.amount.toString()],
          tree.getProof(i),
        ),
      ).to.equal(true);
    }
  });

  it("behavior: verifyPayoutProof accepts OpenZeppelin proofs and rejects a changed amount", () => {
    fc.assert(
      fc.property(arbEntries(30), fc.nat(), (entries, pick) => {
        const i = pick % entries.length;
        const theirs = oz(entries);
        const proof = theirs.getProof(i) as `0x${string}`[];
        expect(verifyPayoutProof({ root: theirs.root as `0x${string}`, ...entries[i]!, proof })).to.equal(true);
        const amount = entries[i]!.amount === 0n ? 1n : entries[i]!.amount - 1n;
        expect(
          verifyPayoutProof({ root: theirs.root as `0x${string}`, account: entries[i]!.account, amount, proof }),
        ).to.equal(false);
      }),
      { numRuns: 50 },
    );
  });

  it("behavior: getProofBytes is the hex proof as bytes; leafHash is OpenZeppelin's leaf", () => {
    const entries = Array.from({ length: 9 }, (_, i) => entry(i + 1, BigInt(i)));
    const tree = buildTree({ entries });
    for (let i = 0; i < 9; i++) {
      expect(`0x${Buffer.from(tree.getProofBytes(i)).toString("hex")}`).to.equal(
        `0x${tree
          .getProof(i)
          .map((h) => h.slice(2))
          .join("")}`,
      );
      expect(tree.leafHash(i)).to.equal(payoutLeafHash(entries[i]!));
    }
  });

  it("behavior: writeProof writes the same bytes at aligned and unaligned offsets, without allocating a result", () => {
    const entries = Array.from({ length: 37 }, (_, i) => entry(i + 100, BigInt(i) * 3n));
    const tree = buildTree({ entries });
    const out = new Uint8Array(64 * 32 + 3);
    for (const offset of [0, 4, 3]) {
      for (let i = 0; i < entries.length; i++) {
        const depth = tree.writeProof(i, out, offset);
        expect(depth).to.equal(tree.proofDepth(i));
        expect(Buffer.from(out.subarray(offset, offset + depth * 32)).toString("hex")).to.equal(
          tree
            .getProof(i)
            .map((h) => h.slice(2))
            .join(""),
        );
      }
    }
    expect(() => tree.writeProof(0, new Uint8Array(31), 0)).to.throw(RangeError);
  });

  it("behavior: checksummed accounts keep their case in dump() and match OpenZeppelin", () => {
    const entries: TreeEntry[] = [
      { account: "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", amount: 1n },
      { account: "0x00000000000000000000000000000000000000FF", amount: 2n },
    ];
    expect(JSON.stringify(buildTree({ entries }).dump())).to.equal(JSON.stringify(oz(entries).dump()));
  });

  it("error: duplicate accounts (any case) are rejected with both indices", () => {
    const entries: TreeEntry[] = [
      entry(1, 1n),
      entry(2, 2n),
      { account: "0x00000000000000000000000000000000000000AA", amount: 3n },
      { account: "0x00000000000000000000000000000000000000aa", amount: 4n },
    ];
    expect(() => buildTree({ entries }))
      .to.throw(DuplicateLeafKeyError)
      .with.property("indices")
      .that.deep.equals([2, 3]);
  });

  it("error: an empty set, a bad address or an out-of-range amount", () => {
    expect(() => buildTree({ entries: [] })).to.throw(EmptyTreeError);
    expect(() => buildTree({ entries: [{ account: "0x1234", amount: 1n }] })).to.throw(InvalidLeafError);
    expect(() => buildTree({ entries: [{ account: `0x${"zz".repeat(20)}`, amount: 1n }] })).to.throw(InvalidLeafError);
    expect(() => buildTree({ entries: [entry(1, -1n)] })).to.throw(InvalidLeafError);
    expect(() => buildTree({ entries: [entry(1, 2n ** 256n)] })).to.throw(InvalidLeafError);
    expect(() => buildTree({ entries: [entry(1, 1n)] }).getProof(1)).to.throw(RangeError);
  });
});
