/**
 * The `ledger` CLI (scripts/ledger.ts) as a child process for tests: takes its arguments and the
 * environment to add, hands back the exit status and everything it printed. Asynchronous, so a
 * chain or an API running in another child of the test keeps answering meanwhile.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../scripts/ledger.ts", import.meta.url));

export type CliRun = { status: number | null; stdout: string; stderr: string };

/** Runs `ledger ...args` from the repository root with `process.env` plus `env`. */
export function runLedgerCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
