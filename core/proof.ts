/**
 * Payout proofs from an epoch's leaves: takes the leaves (account, cumulative µUSD) and an account
 * and hands on the tree's root, the account's cumulative amount and its Merkle proof. Pure, on
 * core's payout tree (tree.ts over standard-tree.ts); `payoutProofs` builds the tree once for many.
 */
import type { Address } from "./eip712/domain.ts";
import type { Hex } from "./hex.ts";
import { buildTree, type BuildTreeReturnType, type TreeEntry } from "./tree.ts";

/** An account's proof against the root of the leaves it was built from: what `claim` takes. */
export type PayoutProof = { root: Hex; cumulativeMicroUsd: bigint; proof: Hex[] };

/** One built tree's proofs, for as many accounts as asked (rebuilding 100 000 leaves takes ≈ 0.5 s). */
export type PayoutProofs = {
  readonly root: Hex;
  /** The account's proof (compared lowercase), or undefined when it holds no leaf. */
  proofOf(account: Address): PayoutProof | undefined;
};

const proofAt = (tree: BuildTreeReturnType, leaves: readonly TreeEntry[], index: number): PayoutProof => ({
  root: tree.root,
  cumulativeMicroUsd: leaves[index]!.amount,
  proof: tree.getProof(index),
});

/** The tree of `leaves` (accounts as stored: lowercase), built once, and every account's proof from it. */
export function payoutProofs(leaves: readonly TreeEntry[]): PayoutProofs {
  const tree = buildTree({ entries: leaves });
  const index = new Map<string, number>(leaves.map((l, i) => [l.account, i]));
  return {
    root: tree.root,
    proofOf: (account) => {
      const i = index.get(account.toLowerCase());
      return i === undefined ? undefined : proofAt(tree, leaves, i);
    },
  };
}

/**
 * One account's proof from `leaves`, or undefined when it holds no leaf (the tree is then not
 * built). Accounts are compared lowercase, as the leaves are stored.
 */
export function proofOf(leaves: readonly TreeEntry[], account: Address): PayoutProof | undefined {
  const index = leaves.findIndex((l) => l.account === account.toLowerCase());
  if (index < 0) return undefined;
  return proofAt(buildTree({ entries: leaves }), leaves, index);
}
