/**
 * The worker side of `createVerifyPool` (core/verify-pool.ts): runs `verifyTypedMessages` on
 * each task it receives and posts the results back. Pure computation; no I/O.
 */
import { parentPort } from "node:worker_threads";
import type { PrimaryType } from "./eip712/messages.ts";
import { type VerifyTypedMessagesParameters, verifyTypedMessages } from "./verify.ts";
import { isExitRequest } from "./worker-exit.ts";

export type VerifyTask = { taskId: number; parameters: VerifyTypedMessagesParameters<PrimaryType> };

const port = parentPort;
if (!port) throw new Error("core/verify-worker.ts runs only as a worker thread (createVerifyPool)");
port.on("message", (task: VerifyTask) => {
  // between two tasks, never inside one: see core/worker-exit.ts
  if (isExitRequest(task)) process.exit(0);
  try {
    port.postMessage({ taskId: task.taskId, results: verifyTypedMessages(task.parameters) });
  } catch (err) {
    port.postMessage({ taskId: task.taskId, error: err instanceof Error ? err.message : String(err) });
  }
});
