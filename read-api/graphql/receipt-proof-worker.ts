/**
 * The worker side of `receiptProofs()` (receipt-proof-client.ts): reads, checks and indexes
 * epoch datasets (receipt-proofs.ts) and answers verdict and proof lookups, so a large
 * dataset is parsed and its receipts tree built off the API's event loop. Its cache of
 * indexes lives here, across requests.
 */
import { parentPort } from "node:worker_threads";
import type { Hex } from "../../core/hex.ts";
import type { ReceiptVerdict } from "../../core/verdict.ts";
import { datasetReceiptIndex, type DatasetReceiptIndex } from "./receipt-proofs.ts";

/** One receipt by its stored key: (session, supporter node, seq). */
export type ReceiptKey = { sessionId: Hex; supporter: Hex; seq: bigint };

export type ProofLookupRequest = {
  id: number;
  dataDir: string;
  datasetHash: Hex;
  /** The receipts root stored for the epoch: nothing is answered from a dataset that does not rebuild it. */
  receiptsRoot: Hex;
  keys: ReceiptKey[];
  receiptIds: Hex[];
};

export type FoundProof = { receiptId: Hex; countedBytes: bigint; proof: Hex[] };
export type FoundReceipt = { verdict: Omit<ReceiptVerdict, "override">; inclusion: FoundProof | null };

export type ProofLookupResponse = {
  id: number;
  /** False when the dataset is not stored here intact or does not rebuild `receiptsRoot`. */
  available: boolean;
  /** Per key: its verdict and proof, or null when the dataset has no such receipt. */
  receipts: (FoundReceipt | null)[];
  /** Per receipt id: its proof, or null when it did not count. */
  proofs: (FoundProof | null)[];
  error?: string;
};

function proofOf(index: DatasetReceiptIndex, leafIndex: number): FoundProof {
  const leaf = index.leaf(leafIndex);
  return {
    receiptId: leaf.receiptId.toLowerCase() as Hex,
    countedBytes: leaf.countedBytes,
    proof: index.proof(leafIndex),
  };
}

export function answer(req: ProofLookupRequest): ProofLookupResponse {
  const index = datasetReceiptIndex(req.dataDir, req.datasetHash);
  if (!index || index.receiptsRoot !== req.receiptsRoot.toLowerCase())
    return { id: req.id, available: false, receipts: req.keys.map(() => null), proofs: req.receiptIds.map(() => null) };
  return {
    id: req.id,
    available: true,
    receipts: req.keys.map((k) => {
      const hit = index.byKey(k.sessionId, k.supporter, k.seq);
      if (!hit) return null;
      const { id, index: i, status, reasons, claimedBytes, countedBytes } = hit.verdict;
      return {
        verdict: { id, index: i, status, reasons, claimedBytes, countedBytes },
        inclusion: hit.leafIndex < 0 ? null : proofOf(index, hit.leafIndex),
      };
    }),
    proofs: req.receiptIds.map((r) => {
      const at = index.leafOf(r);
      return at < 0 ? null : proofOf(index, at);
    }),
  };
}

const port = parentPort;
if (port)
  port.on("message", (req: ProofLookupRequest) => {
    try {
      port.postMessage(answer(req));
    } catch (err) {
      port.postMessage({
        id: req.id,
        available: false,
        receipts: [],
        proofs: [],
        error: err instanceof Error ? err.message : String(err),
      } satisfies ProofLookupResponse);
    }
  });
