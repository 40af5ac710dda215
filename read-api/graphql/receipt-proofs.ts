/**
 * Receipts' verdicts and inclusion proofs from an epoch's stored dataset: the dataset is read
 * (and its bytes checked against the hash the oracle signed), its verdicts indexed by
 * (session, supporter, seq), and the receipts tree rebuilt with core's code — the leaves the
 * oracle committed to (`countedReceiptLeaves`, `buildReceiptsTree`). Content-addressed, so an
 * index is cached by dataset hash (a few, least recently used first out).
 */
import path from "node:path";
import { parseDatasetChunks } from "../../core/dataset/parse.ts";
import type { Hex } from "../../core/hex.ts";
import { buildReceiptsTree, countedReceiptLeaves, type ReceiptLeaf } from "../../core/receipts-tree.ts";
import { ZERO_ROOT } from "../../core/recompute-epoch.ts";
import type { StandardTree } from "../../core/standard-tree.ts";
import type { ReceiptVerdict } from "../../core/verdict.ts";
import { datasetPath, readDatasetChunks } from "../../db/dataset-store.ts";

const HASH_RE = /^0x[0-9a-f]{64}$/;
/** Datasets indexed at once (a large epoch's index holds every verdict). */
export const RECEIPT_INDEX_CACHE_SIZE = 4;

export type IndexedReceipt = { verdict: ReceiptVerdict; leafIndex: number };

export type DatasetReceiptIndex = {
  datasetHash: Hex;
  /** The receipts root rebuilt from the dataset's verdicts. */
  receiptsRoot: Hex;
  /** The root the dataset itself states (`outputs.receiptsRoot`). */
  statedReceiptsRoot: Hex;
  /** The verdict of a receipt by its key, and its leaf index (-1: not counted). */
  byKey(sessionId: Hex, supporter: Hex, seq: bigint): IndexedReceipt | undefined;
  /** The leaf index of a receipt id (-1: not counted in this epoch). */
  leafOf(receiptId: Hex): number;
  leaf(leafIndex: number): ReceiptLeaf;
  proof(leafIndex: number): Hex[];
};

const keyOf = (sessionId: string, supporter: string, seq: bigint) =>
  `${sessionId.toLowerCase()}:${supporter.toLowerCase()}:${seq}`;

function indexDataset(dataDir: string, hash: Hex): DatasetReceiptIndex | null {
  let parsed;
  try {
    parsed = parseDatasetChunks(readDatasetChunks(datasetPath(dataDir, hash)));
  } catch {
    return null; // not stored here, or unreadable: no proofs from this server
  }
  if (parsed.datasetHash !== hash) return null; // the bytes are not what the oracles signed
  const { inputs, outputs } = parsed.dataset;
  const { leaves, leafIndex } = countedReceiptLeaves(outputs.verdicts);
  let tree: StandardTree<[string, string]> | null = null;
  const rootOf = () => (tree ??= buildReceiptsTree({ receipts: leaves })).root;
  const byKey = new Map<string, number>();
  outputs.verdicts.forEach((v, i) => {
    const m = inputs.receipts[v.index]?.message;
    if (m?.sessionId && m.supporter && typeof m.seq === "bigint") byKey.set(keyOf(m.sessionId, m.supporter, m.seq), i);
  });
  let byId: Map<string, number> | null = null;
  return {
    datasetHash: hash,
    receiptsRoot: leaves.length > 0 ? rootOf() : ZERO_ROOT,
    statedReceiptsRoot: outputs.receiptsRoot,
    byKey(sessionId, supporter, seq) {
      const i = byKey.get(keyOf(sessionId, supporter, seq));
      return i === undefined ? undefined : { verdict: outputs.verdicts[i]!, leafIndex: leafIndex[i]! };
    },
    leafOf(receiptId) {
      byId ??= new Map(leaves.map((l, i) => [l.receiptId.toLowerCase(), i]));
      return byId.get(receiptId.toLowerCase()) ?? -1;
    },
    leaf: (i) => leaves[i]!,
    proof: (i) => (rootOf(), tree!.getProof(i)),
  };
}

/** Indexes by data directory and dataset hash, least recently used first. Missing datasets are not cached. */
const cache = new Map<string, DatasetReceiptIndex>();

/** The receipt index of the stored dataset `hash` (null when this server does not store it intact). */
export function datasetReceiptIndex(dataDir: string, hash: Hex): DatasetReceiptIndex | null {
  const h = hash.toLowerCase() as Hex;
  if (!HASH_RE.test(h)) return null;
  const key = `${path.resolve(dataDir)}:${h}`;
  let index = cache.get(key) ?? null;
  if (index)
    cache.delete(key); // re-inserted below as the most recently used
  else index = indexDataset(dataDir, h);
  if (!index) return null; // it may be written (or copied here) later
  cache.set(key, index);
  while (cache.size > RECEIPT_INDEX_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return index;
}
