/**
 * Verdict and proof lookups in epoch datasets, answered by one worker thread
 * (receipt-proof-worker.ts) that keeps the indexes: reading a large dataset and building its
 * receipts tree never blocks the API's event loop. The worker is started on first use, holds
 * the process open only while a lookup is pending, and is restarted after a crash.
 */
import { Worker } from "node:worker_threads";
import { BaseError } from "../../core/errors.ts";
import type { ProofLookupRequest, ProofLookupResponse } from "./receipt-proof-worker.ts";

const WORKER_URL = new URL("./receipt-proof-worker.ts", import.meta.url);

export class ReceiptProofWorkerError extends BaseError {
  override name = "ReceiptProofWorkerError";
}

type Pending = { resolve(res: ProofLookupResponse): void; reject(err: Error): void };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function spawn(): Worker {
  const w = new Worker(WORKER_URL);
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    if (worker === w) worker = null;
  };
  w.on("message", (res: ProofLookupResponse) => {
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (pending.size === 0) w.unref();
    if (res.error !== undefined) p.reject(new ReceiptProofWorkerError(`receipt proof lookup failed: ${res.error}`));
    else p.resolve(res);
  });
  w.on("error", (err) => failAll(new ReceiptProofWorkerError(`receipt proof worker failed: ${err.message}`)));
  w.on("exit", (code) => failAll(new ReceiptProofWorkerError(`receipt proof worker exited with code ${code}`)));
  w.unref();
  return w;
}

/** Looks receipts up (by key and by id) in one stored dataset, off the event loop. */
export function lookupReceiptProofs(request: Omit<ProofLookupRequest, "id">): Promise<ProofLookupResponse> {
  const w = (worker ??= spawn());
  const id = nextId++;
  return new Promise<ProofLookupResponse>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ ...request, id } satisfies ProofLookupRequest);
  });
}
