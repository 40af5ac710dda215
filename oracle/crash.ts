/**
 * Named crash points for the crash-safety harness (oracle/crash.test.ts). When
 * `LEDGER_ORACLE_CRASH_AT` names a point (comma-separated for several), the process kills
 * itself with SIGKILL there — no cleanup, no flush, exactly like a power cut. Tests inside one
 * process can install a hook instead. In production neither is set and this is a no-op.
 */
export const CRASH_POINTS = [
  "close:before-commit",
  "close:after-commit",
  "compute:after-dataset-write",
  "compute:before-commit",
  "compute:after-commit",
  "sign:after-first-signature",
  "sign:before-commit",
  "post:before-send",
  "post:after-send",
  "post:after-commit",
  "finalize:after-send",
  "finalize:after-commit",
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

let hook: ((point: CrashPoint) => void) | undefined;

/** Installs (or removes, with `undefined`) an in-process hook called at every crash point. */
export function setCrashHook(fn: ((point: CrashPoint) => void) | undefined): void {
  hook = fn;
}

export function crashPoint(point: CrashPoint): void {
  hook?.(point);
  const at = process.env.LEDGER_ORACLE_CRASH_AT;
  if (at && at.split(",").includes(point)) {
    process.stderr.write(`crash point ${point}: SIGKILL\n`);
    process.kill(process.pid, "SIGKILL");
  }
}
