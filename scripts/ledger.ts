#!/usr/bin/env node
/**
 * `ledger`: the command line of the rewards ledger, for supporters, admins and auditors.
 * Every command has `--help`; any error is one line on stderr and a non-zero exit code
 * (2 for a usage mistake, 1 for a failed check or a runtime error).
 */
import { ensureContractsBuilt } from "./lib/build.ts";
import { CheckFailedError, UsageError, oneLine, type Command } from "./lib/cli.ts";
import { claimCommand } from "./commands/claim.ts";
import { datasetCommand } from "./commands/dataset.ts";
import { deployCommand } from "./commands/deploy.ts";
import { fundCommand } from "./commands/fund.ts";
import { governanceCommand } from "./commands/governance.ts";
import { guardianCommand } from "./commands/guardian.ts";
import { policyCommand } from "./commands/policy.ts";
import { relayerCommand } from "./commands/relayer.ts";
import { statusCommand } from "./commands/status.ts";
import { verifyChainCommand } from "./commands/verify-chain.ts";
import { verifyEpochCommand } from "./commands/verify-epoch.ts";
import { verifyReceiptCommand } from "./commands/verify-receipt.ts";

const commands: Command[] = [
  {
    name: "api",
    summary: "run the API alone (REST, GraphQL, dashboard) on DATABASE_URL or embedded PGlite",
    usage: "ledger api   (configured by environment: PORT, DATABASE_URL, LEDGER_* — see README)",
    async run() {
      const { runApiMain } = await import("../server/main.ts");
      await runApiMain();
      await new Promise(() => {}); // serves until SIGINT/SIGTERM
    },
  },
  {
    name: "oracle",
    summary: "the oracle: run [--once] | close-epoch N [--force] | sign --epoch N | status",
    usage: "ledger oracle <run [--once] | close-epoch N [--force] | sign --epoch N [--dataset FILE] | status>",
    async run(argv) {
      const { runCli } = await import("../oracle/cli.ts");
      const code = await runCli(argv);
      if (code !== 0) process.exit(code);
    },
  },
  {
    name: "start",
    summary: "the whole ledger on one machine (same as npm start; --help for options)",
    usage:
      "ledger start [--data-dir DIR] [--port N] [--chain-port N] [--epoch-seconds N] [--dispute-seconds N] [--no-simulate]",
    async run() {
      await import("./start.ts");
      await new Promise(() => {});
    },
  },
  verifyEpochCommand,
  verifyChainCommand,
  datasetCommand,
  verifyReceiptCommand,
  deployCommand,
  fundCommand,
  claimCommand,
  relayerCommand,
  guardianCommand,
  policyCommand,
  governanceCommand,
  statusCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: ledger <command> [options]   (ledger <command> --help for its options)",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`ledger: unknown command "${name}"\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`${command.summary}\nusage: ${command.usage}`);
    return 0;
  }
  try {
    // Every command reads the contracts' ABIs: a fresh clone compiles them once, here.
    ensureContractsBuilt();
    await command.run(rest);
    return 0;
  } catch (err) {
    console.error(`ledger ${name}: ${oneLine(err)}`);
    if (err instanceof UsageError) return 2;
    if (err instanceof CheckFailedError) return 1;
    if (process.env.LEDGER_DEBUG) console.error(err);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
