// OpenZeppelin StandardMerkleTree's verification rule, in the browser, for both of the ledger's
// trees: a leaf is keccak256(keccak256(abi.encode(...values))), and a proof folds sorted-pair
// keccak256 up to the root. The same rule as core/standard-tree.ts (the browser tests check
// these functions against core's on real leaves). Hashing and ABI encoding are viem's.
import { concat, encodeAbiParameters, keccak256 } from "./vendor/viem.js";

/** The receipts tree's leaf encoding (core/receipts-tree.ts `RECEIPT_LEAF_ENCODING`). */
export const RECEIPT_LEAF_ENCODING = /** @type {const} */ (["bytes32", "uint256"]);
/** The payouts tree's leaf encoding (core/tree.ts): `[account, cumulativeAmount]`. */
export const PAYOUT_LEAF_ENCODING = /** @type {const} */ (["address", "uint256"]);

/**
 * keccak256(keccak256(abi.encode(values))) for `types`.
 * @param {readonly string[]} types
 * @param {readonly unknown[]} values
 * @returns {`0x${string}`}
 */
export function standardLeafHash(types, values) {
  return keccak256(
    keccak256(
      encodeAbiParameters(
        types.map((type) => ({ type })),
        /** @type {any} */ (values),
      ),
    ),
  );
}

/**
 * The root a proof leads to from `leaf`: each step hashes the two 32-byte nodes sorted bytewise.
 * @param {`0x${string}`} leaf
 * @param {readonly `0x${string}`[]} proof
 * @returns {`0x${string}`}
 */
export function foldProof(leaf, proof) {
  let node = /** @type {`0x${string}`} */ (leaf.toLowerCase());
  for (const raw of proof) {
    const sibling = /** @type {`0x${string}`} */ (raw.toLowerCase());
    const [a, b] = BigInt(node) <= BigInt(sibling) ? [node, sibling] : [sibling, node];
    node = keccak256(concat([a, b]));
  }
  return node;
}

/**
 * A receipt's leaf in its epoch's receipts tree: keccak256(keccak256(abi.encode(receiptId, countedBytes))).
 * @param {`0x${string}`} receiptId
 * @param {bigint} countedBytes
 */
export function receiptLeafHash(receiptId, countedBytes) {
  return standardLeafHash(RECEIPT_LEAF_ENCODING, [receiptId, countedBytes]);
}
