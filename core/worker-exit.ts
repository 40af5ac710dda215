/**
 * Ending a worker thread at a safe point. `worker.terminate()` stops a thread wherever it is;
 * inside a native addon (secp256k1's, mid-recovery or still loading) that can abort the whole
 * process ("terminate called after throwing an instance of 'Napi::Error'"). Instead the owner
 * posts `EXIT` and the worker, between two messages — its current task done, its imports loaded —
 * exits itself. `terminate()` remains the fallback for a worker that does not answer in time.
 */
import type { Worker } from "node:worker_threads";

/** The message that asks a worker to exit (`isExitRequest` on the worker's side). */
export const EXIT = { exit: true } as const;

export function isExitRequest(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { exit?: unknown }).exit === true;
}

/** Asks `worker` to exit, waits for it (at most `timeoutMs`, then terminates it). */
export async function stopWorker(worker: Worker, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  try {
    worker.ref();
    worker.postMessage(EXIT);
  } catch {
    return; // already gone
  }
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) await worker.terminate();
}
