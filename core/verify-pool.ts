import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { RewardsDomain, Signed, Address } from "./eip712/domain.ts";
import type { Messages, PrimaryType } from "./eip712/messages.ts";
import { BaseError } from "./errors.ts";
import type { Secp256k1Backend } from "./signature.ts";
import type { VerifyResult } from "./verify.ts";
import type { VerifyTask } from "./verify-worker.ts";
import { stopWorker } from "./worker-exit.ts";

/**
 * A pool of worker threads that verifies signed messages on every core: the same
 * `verifyTypedMessages` as the main thread, split into chunks that idle workers pick up.
 *
 * Lifecycle:
 * 1. `createVerifyPool({ size })` makes a pool of `size` workers (default: every core,
 *    `os.availableParallelism()`), started with the first batch; they load the native
 *    secp256k1 binding and the keccak wasm once.
 * 2. `pool.verifyBatch({ domain, primaryType, items, expectedSigner? })` resolves to one
 *    `VerifyResult` per item, in input order — exactly what `verifyTypedMessages` returns.
 *    Many batches may be in flight at once; they share the workers fairly, chunk by chunk.
 * 3. `await pool.close()` terminates the workers; batches still in flight reject with
 *    `VerifyPoolClosedError`. Idle workers do not keep the process alive, but call `close`.
 *
 * A worker that dies fails only the batches it was working on (`VerifyPoolWorkerError`,
 * retryable) and is replaced.
 *
 * @example
 * const pool = createVerifyPool();
 * const results = await pool.verifyBatch({ domain, primaryType: "Receipt", items: receipts });
 * await pool.close();
 */

export class VerifyPoolClosedError extends BaseError {
  override name = "VerifyPoolClosedError";
  constructor() {
    super("The verify pool is closed.");
  }
}

export class VerifyPoolWorkerError extends BaseError {
  override name = "VerifyPoolWorkerError";
  constructor(cause: unknown) {
    super("A verify worker failed.", { cause, retryable: true, details: String(cause) });
  }
}

export type CreateVerifyPoolParameters = {
  /** Number of worker threads; default: every core (`os.availableParallelism()`). */
  size?: number;
  /** Items per task handed to a worker; default 1024 (small enough to balance, large enough to amortize). */
  chunkSize?: number;
  /** Recovery implementation in the workers; default: native where it loads. */
  backend?: Secp256k1Backend;
};

export type VerifyBatchParameters<T extends PrimaryType> = {
  domain: RewardsDomain;
  primaryType: T;
  items: readonly Signed<Messages[T]>[];
  /** As in `verifyTypedMessages`: required for `SessionGrant` (the coordinator). */
  expectedSigner?: Address;
};
export type VerifyBatchReturnType = VerifyResult[];

export type VerifyPool = {
  /** Number of worker threads. */
  readonly size: number;
  /** Verifies a batch on the workers; one result per item, in input order. */
  verifyBatch<T extends PrimaryType>(parameters: VerifyBatchParameters<T>): Promise<VerifyBatchReturnType>;
  /** Terminates the workers; in-flight batches reject with `VerifyPoolClosedError`. */
  close(): Promise<void>;
};

type Job = {
  results: VerifyResult[];
  remaining: number;
  failed: boolean;
  resolve: (results: VerifyResult[]) => void;
  reject: (err: unknown) => void;
};
type Chunk = { job: Job; offset: number; task: VerifyTask };
type Slot = { worker: Worker; current: Chunk | undefined };

const WORKER_URL = new URL("./verify-worker.ts", import.meta.url);

export function createVerifyPool(parameters: CreateVerifyPoolParameters = {}): VerifyPool {
  const size = Math.max(1, parameters.size ?? availableParallelism());
  const chunkSize = Math.max(1, parameters.chunkSize ?? 1024);
  const backend = parameters.backend;
  const queue: Chunk[] = [];
  const slots: Slot[] = [];
  let nextTaskId = 1;
  let closed = false;

  function fail(job: Job, err: unknown) {
    if (job.failed) return;
    job.failed = true;
    job.reject(err);
  }

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), current: undefined };
    slot.worker.unref();
    slot.worker.on("message", (msg: { taskId: number; results?: VerifyResult[]; error?: string }) => {
      const chunk = slot.current;
      slot.current = undefined;
      if (chunk && chunk.task.taskId === msg.taskId) {
        if (msg.error !== undefined || !msg.results) fail(chunk.job, new VerifyPoolWorkerError(msg.error));
        else if (!chunk.job.failed) {
          const { results } = chunk.job;
          for (let i = 0; i < msg.results.length; i++) results[chunk.offset + i] = msg.results[i]!;
          chunk.job.remaining -= 1;
          if (chunk.job.remaining === 0) chunk.job.resolve(results);
        }
      }
      pump();
    });
    slot.worker.on("error", (err) => {
      if (slot.current) fail(slot.current.job, new VerifyPoolWorkerError(err));
      slot.current = undefined;
      if (closed) return;
      const index = slots.indexOf(slot);
      if (index >= 0) slots[index] = spawn();
      pump();
    });
    return slot;
  }

  function pump() {
    for (const slot of slots) {
      if (slot.current) continue;
      let chunk = queue.shift();
      while (chunk && chunk.job.failed) chunk = queue.shift();
      if (!chunk) {
        slot.worker.unref();
        continue;
      }
      slot.current = chunk;
      slot.worker.ref();
      slot.worker.postMessage(chunk.task);
    }
  }

  // workers start with the first batch: a caller that never needs one (an audit whose
  // signatures were recovered while parsing, core/verify-lines.ts) never pays their memory
  const start = () => {
    if (slots.length === 0) for (let i = 0; i < size; i++) slots.push(spawn());
  };

  return {
    size,
    verifyBatch<T extends PrimaryType>(p: VerifyBatchParameters<T>): Promise<VerifyResult[]> {
      if (closed) return Promise.reject(new VerifyPoolClosedError());
      if (p.items.length === 0) return Promise.resolve([]);
      return new Promise<VerifyResult[]>((resolve, reject) => {
        const job: Job = {
          results: new Array<VerifyResult>(p.items.length),
          remaining: Math.ceil(p.items.length / chunkSize),
          failed: false,
          resolve,
          reject,
        };
        for (let offset = 0; offset < p.items.length; offset += chunkSize) {
          const task: VerifyTask = {
            taskId: nextTaskId++,
            parameters: {
              domain: p.domain,
              primaryType: p.primaryType,
              items: p.items.slice(offset, offset + chunkSize),
              expectedSigner: p.expectedSigner,
              backend,
            },
          };
          queue.push({ job, offset, task });
        }
        start();
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const err = new VerifyPoolClosedError();
      for (const chunk of queue) fail(chunk.job, err);
      queue.length = 0;
      for (const slot of slots) if (slot.current) fail(slot.current.job, err);
      // each worker exits once its current chunk is done (core/worker-exit.ts)
      await Promise.all(slots.map((slot) => stopWorker(slot.worker)));
    },
  };
}
