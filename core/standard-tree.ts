import { Buffer } from "node:buffer";
import { BaseError } from "./errors.ts";
import type { Hex } from "./hex.ts";
import { keccakInPlace, keccakScratch, keccakScratchWords } from "./keccak-wasm.ts";
import { hexAt, writeHex } from "./words.ts";

/**
 * The engine under `tree.ts` and `receipts-tree.ts`: an `@openzeppelin/merkle-tree`
 * `StandardMerkleTree` for leaves whose ABI encoding is two 32-byte words
 * (`["address","uint256"]`, `["bytes32","uint256"]`), built on flat buffers.
 *
 * What "identical to OpenZeppelin" means, step by step (their `MerkleTreeImpl.prepare` and
 * `makeMerkleTree`):
 * 1. leaf hash = keccak256(keccak256(abi.encode(word0, word1)));
 * 2. leaves sorted by hash ascending (as unsigned 256-bit numbers, i.e. bytewise);
 * 3. the tree is an array of `2n − 1` nodes; the k-th smallest leaf sits at `2n − 2 − k`
 *    (so the leaf level reads in descending order), node `i` = hash of its children
 *    `2i + 1` and `2i + 2`, root at 0;
 * 4. a node hash is keccak256 of the two children sorted bytewise (OZ `standardNodeHash`);
 * 5. a proof lists the siblings from the leaf up.
 *
 * Duplicate first words (an account twice, a receipt twice) are rejected: a duplicate is
 * always an upstream bug, and OpenZeppelin's `MerkleProof` cannot tell two such leaves apart.
 */

/** The JSON `StandardMerkleTree.dump()` returns and `StandardMerkleTree.load()` takes. */
export type StandardMerkleTreeData<V> = {
  format: "standard-v1";
  leafEncoding: string[];
  tree: Hex[];
  values: { value: V; treeIndex: number }[];
};

export class EmptyTreeError extends BaseError {
  override name = "EmptyTreeError";
  constructor() {
    super("A Merkle tree needs at least one leaf.", {
      details: "An epoch with no payouts has no root; skip posting it (or carry the previous root).",
    });
  }
}

export class DuplicateLeafKeyError extends BaseError {
  override name = "DuplicateLeafKeyError";
  readonly key: Hex;
  readonly indices: readonly [number, number];
  constructor(what: string, key: Hex, first: number, second: number) {
    super(`Duplicate ${what} ${key} in Merkle tree leaves (entries ${first} and ${second}).`, {
      details: `Each ${what} may appear once; merge the entries before building the tree.`,
    });
    this.key = key;
    this.indices = [first, second];
  }
}

export class InvalidLeafError extends BaseError {
  override name = "InvalidLeafError";
  readonly index: number;
  constructor(index: number, reason: string) {
    super(`Invalid Merkle tree leaf at entry ${index}: ${reason}.`);
    this.index = index;
  }
}

/**
 * A built tree. `index` arguments are entry indices (the order the entries were given in), as
 * in OpenZeppelin's `getProof(number)`.
 */
export type StandardTree<V> = {
  /** The root, 0x-prefixed lowercase hex. */
  readonly root: Hex;
  /** Number of leaves. */
  readonly length: number;
  /** All `2n − 1` nodes, 32 bytes each, in OpenZeppelin's layout (root first). */
  readonly nodes: Uint8Array;
  /** `treeIndices[i]`: where entry `i`'s leaf sits in `nodes`. */
  readonly treeIndices: Uint32Array;
  /** The leaf hash of entry `index`. */
  leafHash(index: number): Hex;
  /** The proof of entry `index` (siblings from the leaf up), identical to OpenZeppelin's. */
  getProof(index: number): Hex[];
  /** The proof of entry `index` as one array of `32 × depth` bytes (a fresh copy). */
  getProofBytes(index: number): Uint8Array;
  /** The number of siblings in entry `index`'s proof. */
  proofDepth(index: number): number;
  /**
   * Writes entry `index`'s proof (32 bytes per sibling, leaf up) into `out` at `offset` and
   * returns the number of siblings: no allocation, for streaming every proof to a file or a
   * database. Throws `RangeError` when `out` is too small.
   */
  writeProof(index: number, out: Uint8Array, offset: number): number;
  /** The JSON OpenZeppelin's `dump()` returns for the same values; loads in `StandardMerkleTree.load`. */
  dump(): StandardMerkleTreeData<V>;
};

export type BuildStandardTreeParameters<V> = {
  /** Number of entries. */
  length: number;
  /** OpenZeppelin's leaf encoding, e.g. `["address","uint256"]`. */
  leafEncoding: string[];
  /** What a duplicate first word is called in errors ("account", "receipt"). */
  keyName: string;
  /**
   * Writes entry `index`'s 64-byte ABI encoding into `out[0..64)` (all 64 bytes: the buffer
   * holds the previous hash). Throws `InvalidLeafError` on bad input.
   */
  encode: (index: number, out: Uint8Array) => void;
  /** The value of entry `index` as it appears in `dump()` (strings, as OpenZeppelin keeps them). */
  value: (index: number) => V;
};

const HASH = 32;

/**
 * Builds a StandardMerkleTree over two-word leaves. Prefer `buildTree` (accounts) or
 * `buildReceiptsTree` (receipts), which supply the encoding.
 *
 * @example
 * const t = buildStandardTree({ length: 1, leafEncoding: ["bytes32", "uint256"], keyName: "key",
 *   encode: (_, out) => out.fill(0, 0, 64), value: () => ["0x" + "00".repeat(32), "0"] });
 * t.root; // keccak256(keccak256(64 zero bytes))
 */
export function buildStandardTree<V>(parameters: BuildStandardTreeParameters<V>): StandardTree<V> {
  const { length: n, leafEncoding, keyName, encode, value } = parameters;
  if (n === 0) throw new EmptyTreeError();
  const nodeCount = 2 * n - 1;
  const nodes = new Uint8Array(nodeCount * HASH);
  const nodeWords = new Uint32Array(nodes.buffer);
  const leafHashes = new Uint8Array(n * HASH);
  const leafWords = new Uint32Array(leafHashes.buffer);
  const keys = new Uint8Array(n * HASH);
  const keyWords = new Uint32Array(keys.buffer);
  const s = keccakScratchWords;

  // 1. leaf hashes (input order) and first words (for duplicate detection)
  for (let i = 0; i < n; i++) {
    encode(i, keccakScratch);
    const w = i * 8;
    for (let j = 0; j < 8; j++) keyWords[w + j] = s[j]!;
    keccakInPlace(64);
    keccakInPlace(32);
    for (let j = 0; j < 8; j++) leafWords[w + j] = s[j]!;
  }

  // 2. duplicates: an open-addressing hash set over the first words (O(n), no sort)
  const capacity = 2 ** Math.ceil(Math.log2(2 * n + 2));
  const slots = new Int32Array(capacity).fill(-1);
  for (let i = 0; i < n; i++) {
    const w = i * 8;
    let h = 0x811c9dc5;
    for (let j = 0; j < 8; j++) h = Math.imul(h ^ keyWords[w + j]!, 0x01000193) ^ (h >>> 15);
    for (let slot = h & (capacity - 1); ; slot = (slot + 1) & (capacity - 1)) {
      const other = slots[slot]!;
      if (other === -1) {
        slots[slot] = i;
        break;
      }
      if (compareAt(keys, other * HASH, keys, i * HASH) === 0)
        throw new DuplicateLeafKeyError(keyName, hexAt(keys, i * HASH), other, i);
    }
  }

  // 3. leaves in OpenZeppelin's order: k-th smallest hash at node 2n − 2 − k
  const order = sortIndicesByHash(leafHashes, n);
  const treeIndices = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const pos = nodeCount - 1 - k;
    treeIndices[i] = pos;
    const src = i * 8;
    const dst = pos * 8;
    for (let j = 0; j < 8; j++) nodeWords[dst + j] = leafWords[src + j]!;
  }

  // 4. internal nodes, bottom-up: hash(sorted(left, right))
  for (let i = nodeCount - 1 - n; i >= 0; i--) {
    const l = (2 * i + 1) * 8;
    const r = l + 8;
    const lFirst = compareAt(nodes, l * 4, nodes, r * 4) <= 0;
    const a = lFirst ? l : r;
    const b = lFirst ? r : l;
    for (let j = 0; j < 8; j++) {
      s[j] = nodeWords[a + j]!;
      s[8 + j] = nodeWords[b + j]!;
    }
    keccakInPlace(64);
    const dst = i * 8;
    for (let j = 0; j < 8; j++) nodeWords[dst + j] = s[j]!;
  }

  return new FlatStandardTree(nodes, treeIndices, leafEncoding, value);
}

class FlatStandardTree<V> implements StandardTree<V> {
  readonly root: Hex;
  readonly length: number;
  readonly nodes: Uint8Array;
  readonly treeIndices: Uint32Array;
  readonly #leafEncoding: string[];
  readonly #value: (index: number) => V;
  readonly #nodesBuffer: Buffer;
  readonly #nodeWords: Uint32Array;
  #outWords: Uint32Array | undefined;
  #outWordsOffset = -1;
  #hex: Hex[] | undefined;

  constructor(nodes: Uint8Array, treeIndices: Uint32Array, leafEncoding: string[], value: (index: number) => V) {
    this.nodes = nodes;
    this.treeIndices = treeIndices;
    this.length = treeIndices.length;
    this.#leafEncoding = leafEncoding;
    this.#value = value;
    this.#nodesBuffer = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
    this.#nodeWords = new Uint32Array(nodes.buffer, nodes.byteOffset, nodes.byteLength / 4);
    this.root = hexAt(nodes, 0);
  }

  /**
   * Hex of node `pos`, cached. The first call converts every node at once (one native hex
   * conversion of the whole buffer, then slices): every node but the root is some proof's
   * sibling, so all-proofs workloads need them all anyway.
   */
  #nodeHex(pos: number): Hex {
    if (this.#hex === undefined) {
      const count = this.nodes.length / HASH;
      const cache = new Array<Hex>(count);
      const chunk = 1 << 20; // nodes per conversion: keeps each string far below V8's limit
      for (let start = 0; start < count; start += chunk) {
        const end = Math.min(count, start + chunk);
        const hex = this.#nodesBuffer.toString("hex", start * HASH, end * HASH);
        for (let p = start; p < end; p++) cache[p] = `0x${hex.slice((p - start) * 64, (p - start) * 64 + 64)}`;
      }
      this.#hex = cache;
    }
    return this.#hex[pos]!;
  }

  #treeIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length)
      throw new RangeError(`Leaf index ${index} out of bounds (tree has ${this.length} leaves)`);
    return this.treeIndices[index]!;
  }

  leafHash(index: number): Hex {
    return this.#nodeHex(this.#treeIndex(index));
  }

  getProof(index: number): Hex[] {
    const proof: Hex[] = [];
    for (let pos = this.#treeIndex(index); pos > 0; pos = (pos - 1) >> 1)
      proof.push(this.#nodeHex(pos % 2 === 1 ? pos + 1 : pos - 1));
    return proof;
  }

  getProofBytes(index: number): Uint8Array {
    const out = new Uint8Array(this.proofDepth(index) * HASH);
    this.writeProof(index, out, 0);
    return out;
  }

  proofDepth(index: number): number {
    let depth = 0;
    for (let p = this.#treeIndex(index); p > 0; p = (p - 1) >> 1) depth++;
    return depth;
  }

  writeProof(index: number, out: Uint8Array, offset: number): number {
    let pos = this.#treeIndex(index);
    const depth = this.proofDepth(index);
    if (offset < 0 || offset + depth * HASH > out.length) throw new RangeError("writeProof: output buffer too small");
    if (((out.byteOffset + offset) & 3) === 0) {
      // word copies through a cached 32-bit view of `out` (the common, aligned case)
      if (this.#outWords?.buffer !== out.buffer || this.#outWordsOffset !== out.byteOffset)
        [this.#outWords, this.#outWordsOffset] = [
          new Uint32Array(out.buffer, out.byteOffset, out.byteLength >> 2),
          out.byteOffset,
        ];
      const dst = this.#outWords;
      const words = this.#nodeWords;
      for (let o = offset >> 2; pos > 0; pos = (pos - 1) >> 1, o += 8) {
        const sibling = (pos % 2 === 1 ? pos + 1 : pos - 1) * 8;
        for (let j = 0; j < 8; j++) dst[o + j] = words[sibling + j]!;
      }
    } else {
      for (let o = offset; pos > 0; pos = (pos - 1) >> 1, o += HASH) {
        const sibling = (pos % 2 === 1 ? pos + 1 : pos - 1) * HASH;
        out.set(this.nodes.subarray(sibling, sibling + HASH), o);
      }
    }
    return depth;
  }

  dump(): StandardMerkleTreeData<V> {
    const tree = new Array<Hex>(this.nodes.length / HASH);
    for (let pos = 0; pos < tree.length; pos++) tree[pos] = this.#nodeHex(pos);
    const values = new Array<{ value: V; treeIndex: number }>(this.length);
    for (let i = 0; i < this.length; i++) values[i] = { value: this.#value(i), treeIndex: this.treeIndices[i]! };
    return { format: "standard-v1", leafEncoding: [...this.#leafEncoding], tree, values };
  }
}

/**
 * Verifies an OpenZeppelin-format proof: folds sorted-pair keccak over `proof` from `leaf`
 * and compares with `root`. Works for any leaf hash (use `leafHash*` helpers to compute it).
 *
 * @example
 * verifyStandardProof({ root: tree.root, leaf: tree.leafHash(0), proof: tree.getProof(0) }); // true
 */
export function verifyStandardProof(parameters: { root: Hex; leaf: Hex; proof: readonly Hex[] }): boolean {
  const { root, leaf, proof } = parameters;
  let current = hexToBytes32(leaf);
  for (const p of proof) {
    const sibling = hexToBytes32(p);
    const leftFirst = compareAt(current, 0, sibling, 0) <= 0;
    keccakScratch.set(leftFirst ? current : sibling, 0);
    keccakScratch.set(leftFirst ? sibling : current, HASH);
    keccakInPlace(64);
    current = keccakScratch.slice(0, HASH);
  }
  return hexAt(current, 0) === root.toLowerCase();
}

/** keccak256(keccak256(word0 ‖ word1)): the StandardMerkleTree leaf hash of a two-word encoding. */
export function standardLeafHash64(encoding: Uint8Array): Hex {
  if (encoding.length !== 64) throw new RangeError("standardLeafHash64 takes exactly 64 bytes");
  keccakScratch.set(encoding, 0);
  keccakInPlace(64);
  keccakInPlace(32);
  return hexAt(keccakScratch, 0);
}

function hexToBytes32(hex: Hex): Uint8Array {
  const out = new Uint8Array(HASH);
  if (!writeHex(hex, HASH, out, 0)) throw new RangeError(`Expected a 32-byte hex string, got ${String(hex)}`);
  return out;
}

/** Bytewise comparison of two 32-byte values (= unsigned 256-bit comparison). */
function compareAt(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let j = 0; j < HASH; j++) {
    const d = a[ao + j]! - b[bo + j]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Indices 0..n−1 sorted by the 32-byte values in `hashes` (ascending, bytewise). Sorts one
 * float64 per entry natively — the value's leading bits above the index's bits — then
 * resolves the rare runs that share those leading bits with a full comparison.
 */
function sortIndicesByHash(hashes: Uint8Array, n: number): Uint32Array {
  const indexBits = Math.max(1, Math.ceil(Math.log2(n)));
  if (indexBits > 31) throw new RangeError("too many leaves");
  const prefixBits = Math.min(32, 53 - indexBits);
  const indexScale = 2 ** indexBits;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * HASH;
    const hi = ((hashes[o]! << 24) | (hashes[o + 1]! << 16) | (hashes[o + 2]! << 8) | hashes[o + 3]!) >>> 0;
    const prefix = prefixBits === 32 ? hi : hi >>> (32 - prefixBits);
    keys[i] = prefix * indexScale + i;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = keys[k]! % indexScale;
  // runs with equal prefixes: full comparison
  let start = 0;
  for (let k = 1; k <= n; k++) {
    if (k < n && Math.floor(keys[k]! / indexScale) === Math.floor(keys[start]! / indexScale)) continue;
    if (k - start > 1) {
      const run = Array.from(order.subarray(start, k)).sort(
        (a, b) => compareAt(hashes, a * HASH, hashes, b * HASH) || a - b,
      );
      order.set(run, start);
    }
    start = k;
  }
  return order;
}
