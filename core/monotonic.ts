import type { Address } from "./eip712/domain.ts";
import type { TreeEntry } from "./tree.ts";

/**
 * Cumulative amounts never go down. `RewardsDistributor` cannot check it (it sees a leaf only
 * when one is proven), and a root that lowers one account below what it already claimed, giving
 * the difference to others, keeps the total unchanged and leaves the last claimer short. So every
 * party that signs or audits a root checks it here: the leader's local keys and the independent
 * signers (oracle/signer.ts) and `ledger verify-epoch`. Pure: no I/O.
 */

/** An account whose leaf is below its previous cumulative amount (absent counts as 0). */
export type DecreasedLeaf = { account: Address; previousMicroUsd: bigint; cumulativeMicroUsd: bigint };

/**
 * The first account (in `previous` order) whose cumulative amount in `leaves` is below its
 * amount in `previous`, or `null` when none decreased.
 *
 * @example
 * const d = findDecreasedLeaf(dataset.inputs.previousLeaves, dataset.outputs.leaves);
 * if (d) refuse(describeDecreasedLeaf(d));
 */
export function findDecreasedLeaf(previous: readonly TreeEntry[], leaves: readonly TreeEntry[]): DecreasedLeaf | null {
  const now = new Map<string, bigint>();
  for (const l of leaves) now.set(l.account.toLowerCase(), l.amount);
  for (const p of previous) {
    const account = p.account.toLowerCase() as Address;
    const cumulative = now.get(account) ?? 0n;
    if (cumulative < p.amount) return { account, previousMicroUsd: p.amount, cumulativeMicroUsd: cumulative };
  }
  return null;
}

/** One line naming the account and both amounts. */
export function describeDecreasedLeaf(d: DecreasedLeaf): string {
  return `account ${d.account}'s cumulative amount decreased: ${d.cumulativeMicroUsd} µUSD, below its previous ${d.previousMicroUsd} µUSD`;
}
