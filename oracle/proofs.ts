import type { Address } from "../core/eip712/domain.ts";
import { proofOf, type PayoutProof } from "../core/proof.ts";
import type { Queryable } from "../db/types.ts";
import { readLeaves } from "./repositories/results.ts";

/**
 * Proofs on demand: the epoch's leaves are stored, the tree is rebuilt with core's builder
 * (≈ 0.5 s per 100 000 leaves) and the account's proof read from it (core/proof.ts).
 */
export async function proofFor(q: Queryable, epoch: bigint, account: Address): Promise<PayoutProof | undefined> {
  return proofOf(await readLeaves(q, epoch), account);
}
