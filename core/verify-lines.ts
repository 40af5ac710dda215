import { availableParallelism } from "node:os";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { EpochInputs, EpochOutputs } from "./dataset/types.ts";
import type { EpochVerifiedSignatures } from "./recompute-epoch.ts";
import type { ReceiptVerdict } from "./verdict.ts";
import type { Address, RewardsDomain } from "./eip712/domain.ts";
import type { VerifyResult } from "./verify.ts";
import { SIGNED_SECTIONS } from "./verify-lines-worker.ts";
import type { LinesAnswer, LinesTask, SignedSection } from "./verify-lines-worker.ts";
import { stopWorker } from "./worker-exit.ts";

/**
 * Signature recovery that runs *while* a dataset is parsed, on every core: the bytes handed to
 * `push` (as they are read, in order) go to worker threads in whole lines; each worker revives the
 * signed lines as `parseDataset` does and recovers them (`verifyTypedMessages`, the verify pool's
 * function). The caller's thread keeps parsing; `push` also drains answers synchronously
 * (`receiveMessageOnPort`), so no event-loop turn is needed, and blocks briefly while the workers
 * are `window` tasks behind (the bytes in flight stay bounded).
 *
 * `finish()` gives the results per signed section in line order — what the verify pool returns
 * for the parsed arrays — or `undefined` when a signed line was not in plain form, a worker
 * failed, or no header came first (the caller then verifies the parsed inputs on the pool).
 *
 * @example
 * const lines = createLineVerifier();
 * for (const chunk of chunks) { lines.push(chunk); parse(chunk); }
 * const verified = await lines.finish(); // aligned with the parsed registrations, grants, receipts, heartbeats
 */
export type LineVerifier = {
  push(bytes: Uint8Array): void;
  finish(): Promise<EpochVerifiedSignatures | undefined>;
  close(): Promise<void>;
};

export type CreateLineVerifierParameters = {
  /** Worker threads; default every core. */
  size?: number;
  /** Tasks in flight per worker before `push` waits; default 2. */
  window?: number;
};

/**
 * Lets equal strings be one string (memory only; no value changes): each valid result's signer
 * becomes the signed item's own (interned) signer field, and each published verdict's id the
 * result's digest when they are equal — the recomputed verdicts reuse that digest as their id —
 * and the verdicts' statuses, empty reason lists and equal byte counts. Results must be aligned
 * with `inputs`; the published verdicts are only read afterwards (their empty reason lists are frozen).
 */
export function shareVerifiedStrings(
  inputs: Pick<EpochInputs, "receipts" | "registrations" | "heartbeats">,
  outputs: Pick<EpochOutputs, "verdicts">,
  verified: EpochVerifiedSignatures,
): void {
  const share = (items: readonly { message: object }[], results: readonly VerifyResult[], field: string) => {
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const own = (items[i]?.message as Record<string, unknown> | undefined)?.[field];
      if (r.signer !== null && own === r.signer) r.signer = own;
    }
  };
  share(inputs.receipts, verified.receipts, "viewer");
  share(inputs.registrations, verified.registrations, "node");
  share(inputs.heartbeats, verified.heartbeats, "node");
  const { verdicts } = outputs;
  const statuses = new Map<string, ReceiptVerdict["status"]>();
  for (let i = 0; i < verdicts.length; i++) {
    const digest = verified.receipts[i]?.digest;
    const v = verdicts[i]!;
    if (digest !== undefined && digest !== null && v.id === digest) v.id = digest;
    // one string per status, one (frozen) empty reason list, one bigint where counted = claimed
    const status = statuses.get(v.status);
    if (status === undefined) statuses.set(v.status, v.status);
    else v.status = status;
    if (v.reasons.length === 0) v.reasons = NO_REASONS;
    if (v.countedBytes === v.claimedBytes) v.countedBytes = v.claimedBytes;
  }
}

const NO_REASONS = Object.freeze([]) as unknown as ReceiptVerdict["reasons"];

const WORKER_URL = new URL("./verify-lines-worker.ts", import.meta.url);
const NEWLINE = 0x0a;

export function createLineVerifier(parameters: CreateLineVerifierParameters = {}): LineVerifier {
  const size = Math.max(1, parameters.size ?? availableParallelism());
  const window = Math.max(1, parameters.window ?? 2);
  const workers: { worker: Worker; port: MessagePort; inFlight: number }[] = [];
  let failure: string | undefined;
  let closing = false;
  for (let i = 0; i < size; i++) {
    const worker = new Worker(WORKER_URL);
    const { port1, port2 } = new MessageChannel();
    worker.postMessage(port2, [port2]);
    const slot = { worker, port: port1, inFlight: 0 };
    // a worker that dies fails the whole run (finish() answers undefined), never hangs it
    const died = (why: string) => {
      failure ??= why;
      slot.inFlight = 0;
    };
    worker.on("error", (err) => died(err instanceof Error ? err.message : String(err)));
    worker.on("exit", (code) => closing || died(`a verify-lines worker exited (${code})`));
    workers.push(slot);
  }
  const answers = new Map<number, LinesAnswer>();
  let carry: Uint8Array = new Uint8Array(0);
  let header: { domain: RewardsDomain; coordinator: Address } | undefined;
  let usable = true;
  let nextTaskId = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));

  function drain(): void {
    for (const w of workers)
      for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) {
        const answer = m.message as LinesAnswer;
        w.inFlight--;
        if ("error" in answer) failure = answer.error;
        else if (!answer.plain) usable = false;
        answers.set(answer.taskId, answer);
      }
  }

  function send(bytes: Uint8Array): void {
    if (!header || !usable) return;
    for (;;) {
      drain();
      if (failure !== undefined) return;
      const idle = workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (idle.inFlight < window) {
        idle.inFlight++;
        const task: LinesTask = { taskId: nextTaskId++, bytes, ...header };
        idle.port.postMessage(task, [bytes.buffer as ArrayBuffer]);
        return;
      }
      Atomics.wait(sleeper, 0, 0, 2);
    }
  }

  function readHeader(first: Uint8Array): void {
    const end = first.indexOf(NEWLINE);
    try {
      const h = JSON.parse(Buffer.from(first.subarray(0, end)).toString("utf8")) as {
        t?: unknown;
        domain?: { chainId?: unknown; verifyingContract?: unknown };
        coordinator?: unknown;
      };
      const { domain, coordinator } = h;
      if (
        h.t === "header" &&
        typeof domain?.chainId === "number" &&
        typeof domain.verifyingContract === "string" &&
        typeof coordinator === "string"
      )
        header = {
          domain: { chainId: domain.chainId, verifyingContract: domain.verifyingContract.toLowerCase() as Address },
          coordinator: coordinator.toLowerCase() as Address,
        };
    } catch {
      // not a header: the caller's parse reports it
    }
    if (!header) usable = false;
  }

  return {
    push(chunk) {
      if (!usable) return;
      // whole lines only, in a buffer of their own (transferred to the worker)
      const joined = new Uint8Array(carry.length + chunk.length);
      joined.set(carry, 0);
      joined.set(chunk, carry.length);
      const end = joined.lastIndexOf(NEWLINE) + 1;
      carry = joined.slice(end);
      if (end === 0) return;
      const lines = end === joined.length ? joined : joined.slice(0, end);
      if (!header) readHeader(lines);
      send(lines);
    },
    async finish() {
      if (usable && carry.length > 0) {
        const rest = carry;
        carry = new Uint8Array(0);
        if (!header) readHeader(rest);
        send(rest);
      }
      for (;;) {
        drain();
        if (failure !== undefined || workers.every((w) => w.inFlight === 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (failure !== undefined || !usable || !header) return undefined;
      const out: Record<SignedSection, VerifyResult[]> = { registration: [], grant: [], receipt: [], heartbeat: [] };
      for (let id = 0; id < nextTaskId; id++) {
        const a = answers.get(id);
        if (!a || !("plain" in a) || !a.plain) return undefined;
        for (const s of SIGNED_SECTIONS) for (const r of a.results[s]) out[s].push(r);
        answers.delete(id);
      }
      return { registrations: out.registration, grants: out.grant, receipts: out.receipt, heartbeats: out.heartbeat };
    },
    async close() {
      closing = true;
      // each worker exits once its current task is done (core/worker-exit.ts)
      await Promise.all(workers.map(async (w) => (await stopWorker(w.worker), w.port.close())));
    },
  };
}
