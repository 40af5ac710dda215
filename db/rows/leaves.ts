/**
 * The `epoch_leaves` table's columns as every room reads them: takes a raw row and hands on core's
 * payout tree entry. The SQL stays in each room's repository.
 */
import { bytesToHex } from "../../core/hex.ts";
import type { TreeEntry } from "../../core/tree.ts";

/** A payout leaf's columns: an account and its cumulative entitlement. */
export type LeafColumns = { account: Uint8Array; cumulative_micro_usd: bigint };

/** A stored leaf as core's `TreeEntry` (the amount is the cumulative entitlement). */
export function treeEntryOfLeaf(r: LeafColumns): TreeEntry {
  return { account: bytesToHex(r.account), amount: r.cumulative_micro_usd };
}
