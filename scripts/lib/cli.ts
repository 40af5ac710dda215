import { parseArgs, type ParseArgsConfig } from "node:util";
import { BaseError } from "../../core/errors.ts";

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends BaseError {
  override name = "UsageError";
}

/** A check that failed (e.g. a root that does not recompute): exit code 1. */
export class CheckFailedError extends BaseError {
  override name = "CheckFailedError";
}

export type Command = {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<void>;
};

/** `node:util` parseArgs with errors turned into UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig["options"]>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
  }
}

/** The first line of an error, for the one-line failure message every command prints. */
export function oneLine(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage.split("\n")[0]!;
  if (err instanceof Error) return err.message.split("\n")[0]!;
  return String(err);
}

/** A progress bar on stderr when it is a terminal; plain stage lines otherwise; nothing when `quiet` (a daemon). */
export function progress(label: string, quiet = false) {
  if (quiet) return { update(_done: number, _total: number) {}, done(_note = "") {} };
  const tty = process.stderr.isTTY;
  let last = -1;
  return {
    update(done: number, total: number) {
      if (!tty || total <= 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${pct}%`);
    },
    done(note = "") {
      if (tty && last >= 0) process.stderr.write("\r\x1b[2K");
      process.stderr.write(`${label}: done${note ? ` (${note})` : ""}\n`);
    },
  };
}
