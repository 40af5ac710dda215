/**
 * The worker side of `createLineVerifier` (core/verify-lines.ts): given whole lines of an epoch
 * dataset, it revives the signed lines (registration, grant, receipt, heartbeat) with the same
 * fast revival `parseDataset` uses (core/parse-lines.ts) and runs `verifyTypedMessages` on each
 * section's items, in line order. Any signed line that is not in plain form makes the task
 * answer `plain: false` (the caller then verifies the parsed inputs the ordinary way).
 * Pure computation; no I/O.
 */
import { parentPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { GRANT_SHAPE, HEARTBEAT_SHAPE, REGISTRATION_SHAPE } from "./canonical-signed.ts";
import type { Shape } from "./canonical-signed.ts";
import type { Address, RewardsDomain, Signed } from "./eip712/domain.ts";
import type { PrimaryType } from "./eip712/messages.ts";
import { fastReceiptLine, fastSignedLine } from "./parse-lines.ts";
import { verifyTypedMessages } from "./verify.ts";
import { type EXIT, isExitRequest } from "./worker-exit.ts";
import type { VerifyResult } from "./verify.ts";

export type SignedSection = "registration" | "grant" | "receipt" | "heartbeat";
export const SIGNED_SECTIONS: readonly SignedSection[] = ["registration", "grant", "receipt", "heartbeat"];

export type LinesTask = { taskId: number; bytes: Uint8Array; domain: RewardsDomain; coordinator: Address };
export type LinesAnswer =
  | { taskId: number; plain: true; results: Record<SignedSection, VerifyResult[]> }
  | { taskId: number; plain: false }
  | { taskId: number; error: string };

const PRIMARY: Record<SignedSection, PrimaryType> = {
  registration: "SupporterRegistration",
  grant: "SessionGrant",
  receipt: "Receipt",
  heartbeat: "Heartbeat",
};
const SHAPES: Record<Exclude<SignedSection, "receipt">, Shape> = {
  registration: REGISTRATION_SHAPE,
  grant: GRANT_SHAPE,
  heartbeat: HEARTBEAT_SHAPE,
};
// In canonical JSON a string value cannot hold an unescaped `"t":"…"`: lines without one of these
// are no signed line, and are skipped without parsing.
const MARKERS = SIGNED_SECTIONS.map((s) => [s, `"t":"${s}"`] as const);
const decoder = new TextDecoder("utf-8", { fatal: true });

/** One task: the signed items of `bytes` (whole lines), verified section by section. */
export function verifyLines(task: LinesTask): LinesAnswer {
  const items: Record<SignedSection, Signed<never>[]> = { registration: [], grant: [], receipt: [], heartbeat: [] };
  for (const raw of decoder.decode(task.bytes).split("\n")) {
    const marked = MARKERS.find(([, m]) => raw.includes(m));
    if (!marked) continue;
    const obj = JSON.parse(raw) as Record<string, unknown>;
    const section = marked[0];
    if (obj.t !== section) return { taskId: task.taskId, plain: false };
    const item = section === "receipt" ? fastReceiptLine(obj, 0)?.receipt : fastSignedLine(obj, SHAPES[section]);
    if (!item) return { taskId: task.taskId, plain: false };
    items[section].push(item as unknown as Signed<never>);
  }
  const results = {} as Record<SignedSection, VerifyResult[]>;
  for (const s of SIGNED_SECTIONS)
    results[s] = verifyTypedMessages({
      domain: task.domain,
      primaryType: PRIMARY[s],
      items: items[s],
      expectedSigner: s === "grant" ? task.coordinator : undefined,
    });
  return { taskId: task.taskId, plain: true, results };
}

const port = parentPort ?? undefined;
if (port)
  port.on("message", (message: MessagePort | typeof EXIT) => {
    // asked to exit between two tasks, never inside one: see core/worker-exit.ts
    if (isExitRequest(message)) process.exit(0);
    const channel = message as MessagePort;
    channel.on("message", (task: LinesTask) => {
      try {
        channel.postMessage(verifyLines(task));
      } catch (err) {
        channel.postMessage({ taskId: task.taskId, error: err instanceof Error ? err.message : String(err) });
      }
    });
  });
