import type { Hex } from "./hex.ts";
import { buildStandardTree, InvalidLeafError, standardLeafHash64, verifyStandardProof } from "./standard-tree.ts";
import { writeHex, writeUint256 } from "./words.ts";
import type { StandardMerkleTreeData, StandardTree } from "./standard-tree.ts";
import type { Bytes } from "./units.ts";

/** The leaf encoding of the receipts tree: `[receiptId, countedBytes]`. */
export const RECEIPT_LEAF_ENCODING = ["bytes32", "uint256"] as const;

/** One counted receipt: its id and the bytes it counted this epoch. */
export type ReceiptLeaf = {
  /** The receipt's id: its EIP-712 digest (`hashReceipt(domain, receipt)`, as in `ReceiptVerdict.id`). */
  receiptId: Hex;
  /** What the receipt counted towards earnings this epoch (`ReceiptVerdict.countedBytes`, > 0). */
  countedBytes: Bytes;
};

export type BuildReceiptsTreeParameters = {
  /** The epoch's counted receipts (accepted or clipped, `countedBytes > 0`), any order, each id once. */
  receipts: readonly ReceiptLeaf[];
};

/** The values in `dump()`: `[receiptId, countedBytes as a decimal string]`. */
export type ReceiptsTreeValue = [string, string];

export type BuildReceiptsTreeReturnType = StandardTree<ReceiptsTreeValue>;

/**
 * Builds the epoch's receipts tree, whose root is the `receiptsRoot` of `EpochRoot`: a
 * `StandardMerkleTree` with leaf encoding `["bytes32","uint256"]` and leaf
 * keccak256(keccak256(abi.encode(receiptId, countedBytes))). Any supporter can prove a receipt
 * was counted, and how much, with OpenZeppelin's library or `MerkleProof` on-chain.
 *
 * `receiptId` is the EIP-712 digest, so the leaf binds the chain and the distributor too.
 * Duplicate ids are rejected (a duplicate receipt has verdict `duplicate` and counts nothing).
 *
 * @example
 * import { buildReceiptsTree } from "./receipts-tree.ts";
 * const tree = buildReceiptsTree({ receipts: [{ receiptId: "0x…", countedBytes: 1_000_000_000n }] });
 * tree.root;        // receiptsRoot
 * tree.getProof(0); // inclusion proof of receipt 0
 */
export function buildReceiptsTree(parameters: BuildReceiptsTreeParameters): BuildReceiptsTreeReturnType {
  const { receipts } = parameters;
  return buildStandardTree<ReceiptsTreeValue>({
    length: receipts.length,
    leafEncoding: [...RECEIPT_LEAF_ENCODING],
    keyName: "receipt",
    encode: (i, out) => encodeReceiptLeaf(receipts[i]!, i, out),
    value: (i) => [receipts[i]!.receiptId.toLowerCase(), receipts[i]!.countedBytes.toString()],
  });
}

function encodeReceiptLeaf(leaf: ReceiptLeaf, index: number, out: Uint8Array): void {
  if (!writeHex(leaf.receiptId, 32, out, 0))
    throw new InvalidLeafError(index, `receiptId ${String(leaf.receiptId)} is not a 32-byte hex string`);
  if (!writeUint256(leaf.countedBytes, out, 32))
    throw new InvalidLeafError(index, `countedBytes ${String(leaf.countedBytes)} is not a bigint in 0 … 2^256 − 1`);
}

/** keccak256(keccak256(abi.encode(receiptId, countedBytes))). */
export function receiptLeafHash(leaf: ReceiptLeaf): Hex {
  const encoding = new Uint8Array(64);
  encodeReceiptLeaf(leaf, 0, encoding);
  return standardLeafHash64(encoding);
}

export type VerifyReceiptProofParameters = ReceiptLeaf & { receiptsRoot: Hex; proof: readonly Hex[] };

/**
 * Checks that a receipt was counted (with `countedBytes`) under `receiptsRoot`.
 *
 * @example
 * verifyReceiptProof({ receiptsRoot: tree.root, ...receipts[0], proof: tree.getProof(0) }); // true
 */
export function verifyReceiptProof(parameters: VerifyReceiptProofParameters): boolean {
  const { receiptsRoot, proof, receiptId, countedBytes } = parameters;
  return verifyStandardProof({ root: receiptsRoot, leaf: receiptLeafHash({ receiptId, countedBytes }), proof });
}

export type ReceiptsTreeDump = StandardMerkleTreeData<ReceiptsTreeValue>;

/**
 * The leaves of an epoch's receipts tree from its verdicts: every receipt with an id that
 * counted bytes (accepted or clipped), in verdict order — the selection `recomputeEpoch`
 * makes for `receiptsRoot`. Returns the leaves and, per verdict, its leaf index or -1.
 *
 * @example
 * const { leaves, leafIndex } = countedReceiptLeaves(dataset.outputs.verdicts);
 * buildReceiptsTree({ receipts: leaves }).root === dataset.outputs.receiptsRoot; // true
 */
export function countedReceiptLeaves(verdicts: readonly { id: Hex | null; countedBytes: Bytes }[]): {
  leaves: ReceiptLeaf[];
  leafIndex: Int32Array;
} {
  const leaves: ReceiptLeaf[] = [];
  const leafIndex = new Int32Array(verdicts.length).fill(-1);
  verdicts.forEach((v, i) => {
    if (v.id === null || v.countedBytes <= 0n) return;
    leafIndex[i] = leaves.length;
    leaves.push({ receiptId: v.id, countedBytes: v.countedBytes });
  });
  return { leaves, leafIndex };
}
