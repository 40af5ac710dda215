/**
 * `npm start`'s options: takes the command line and the environment and hands on the validated
 * settings; `--help` prints the doc comment of the file named (scripts/start.ts) and exits, an
 * out-of-range number exits 2.
 */
import path from "node:path";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

export type StartOptions = {
  dataDir: string;
  port: number;
  chainPort: number;
  epochSeconds: number;
  disputeSeconds: number;
  supporterCount: number;
  noSimulate: boolean;
};

/** Parses `process.argv` and `process.env`; `helpOf` is the file whose opening doc comment is the help. */
export function startOptions(helpOf: URL): StartOptions {
  const { values: flags } = parseArgs({
    options: {
      "data-dir": { type: "string" },
      port: { type: "string" },
      "chain-port": { type: "string" },
      "epoch-seconds": { type: "string" },
      "dispute-seconds": { type: "string" },
      supporters: { type: "string" },
      "no-simulate": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
    // `ledger start …` passes its own subcommand name through.
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(
      readFileSync(helpOf, "utf8")
        .split("*/")[0]!
        .replace(/^\/\*\*|^ \* ?/gm, ""),
    );
    process.exit(0);
  }

  const int = (raw: string | undefined, name: string, fallback: number, min: number, max: number) => {
    if (raw === undefined || raw === "") return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      console.error(`ledger start: ${name} must be an integer in ${min}…${max}`);
      process.exit(2);
    }
    return v;
  };

  const env = process.env;
  const dataDir = path.resolve(flags["data-dir"] ?? env.LEDGER_DATA_DIR ?? "data");
  const port = int(flags.port ?? env.PORT, "--port", 8080, 0, 65_535);
  const chainPort = int(flags["chain-port"] ?? env.LEDGER_CHAIN_PORT, "--chain-port", 8545, 0, 65_535);
  const epochSeconds = int(flags["epoch-seconds"] ?? env.LEDGER_EPOCH_SECONDS, "--epoch-seconds", 30, 5, 86_400);
  const disputeSeconds = int(
    flags["dispute-seconds"] ?? env.LEDGER_DISPUTE_SECONDS,
    "--dispute-seconds",
    10,
    1,
    7 * 86_400,
  );
  const supporterCount = int(flags.supporters, "--supporters", 10, 4, 1_000);
  return {
    dataDir,
    port,
    chainPort,
    epochSeconds,
    disputeSeconds,
    supporterCount,
    noSimulate: flags["no-simulate"] ?? false,
  };
}
