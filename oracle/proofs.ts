import type { Address } from "../core/eip712.ts";
import type { Hex } from "../core/hex.ts";
import { buildTree } from "../core/tree.ts";
import type { Queryable } from "../db/types.ts";
import { readLeaves } from "./repositories/results.ts";

/**
 * Proofs on demand: the epoch's leaves are stored, the tree is rebuilt with core's builder
 * (≈ 0.5 s per 100 000 leaves) and the account's proof read from it.
 */
export async function proofFor(
  q: Queryable,
  epoch: bigint,
  account: Address,
): Promise<{ root: Hex; cumulativeMicroUsd: bigint; proof: Hex[] } | undefined> {
  const leaves = await readLeaves(q, epoch);
  const index = leaves.findIndex((l) => l.account === account.toLowerCase());
  if (index < 0) return undefined;
  const tree = buildTree({ entries: leaves });
  return { root: tree.root, cumulativeMicroUsd: leaves[index]!.amount, proof: tree.getProof(index) };
}
