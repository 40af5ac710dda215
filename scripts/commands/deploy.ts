import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { checkProductionParameters } from "../lib/deploy-parameters.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const USAGE =
  "ledger deploy --network NAME [--parameters FILE] [--deployer ADDRESS] [--deployment-id ID] [--dev] [--json]   (NAME from hardhat.config.ts; --dev deploys MockUSD + the distributor, funded; the production file is checked first)";

export type DeployResult = {
  deploymentId: string | null;
  /** Where the addresses were read from; null for Hardhat's in-process network, which records nothing. */
  file: string | null;
  addresses: Record<string, string>;
};

/**
 * A thin wrapper around Hardhat Ignition: runs
 * `hardhat ignition deploy ignition/modules/RewardsDistributor.ts --network NAME --parameters FILE`
 * (or `DevRewardsDistributor.ts` with --dev) as a child process, its output on stderr, then
 * prints the deployed addresses from `ignition/deployments/<id>/deployed_addresses.json`.
 * A production parameters file is checked first (`checkProductionParameters`): every problem is one
 * line on stderr and nothing is deployed. The deploying key (from `<NETWORK>_PRIVATE_KEY` in the
 * environment, or `--deployer`) must hold no role.
 */
export const deployCommand: Command = {
  name: "deploy",
  summary: "deploy the RewardsDistributor with Hardhat Ignition and print its addresses",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        network: { type: "string" },
        parameters: { type: "string" },
        "deployment-id": { type: "string" },
        deployer: { type: "string" },
        dev: { type: "boolean" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
    if (!values.network) throw new UsageError(`--network NAME is required\nusage: ${USAGE}`);
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(values.network))
      throw new UsageError(`--network must be a network name from hardhat.config.ts`);
    const id = values["deployment-id"];
    if (id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id))
      throw new UsageError(`--deployment-id must be letters, digits, - and _ (≤ 64)`);
    const module = values.dev ? "ignition/modules/DevRewardsDistributor.ts" : "ignition/modules/RewardsDistributor.ts";
    const args = ["ignition", "deploy", module, "--network", values.network];
    if (values.parameters !== undefined) {
      const file = path.resolve(values.parameters);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        throw new UsageError(`cannot read the parameters file ${values.parameters}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError(`the parameters file ${values.parameters} is not JSON`);
      }
      if (!values.dev) {
        const problems = checkProductionParameters(parsed, { deployer: deployerOf(values.network, values.deployer) });
        if (problems.length > 0) {
          for (const problem of problems) process.stderr.write(`${values.parameters}: ${problem}\n`);
          throw new UsageError(
            `the parameters file ${values.parameters} has ${problems.length} problem${problems.length === 1 ? "" : "s"} (above): nothing was deployed`,
          );
        }
      }
      args.push("--parameters", file);
    } else if (!values.dev) {
      throw new UsageError(
        `--parameters FILE is required for the production module (copy ignition/parameters.example.json), or use --dev`,
      );
    }
    if (id !== undefined) args.push("--deployment-id", id);

    const started = Date.now();
    const { code, output } = await runHardhat(args);
    if (code !== 0) {
      const last = lastMeaningfulLine(output);
      throw new Error(`hardhat ignition deploy failed (exit ${code})${last ? `: ${last}` : ""}`);
    }
    const result = readAddresses(id, started, output);
    if (Object.keys(result.addresses).length === 0)
      throw new Error("Ignition finished but no deployed addresses were found");
    if (values.json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(
      result.file
        ? `deployment ${result.deploymentId} (${path.relative(process.cwd(), result.file)}):`
        : "deployed addresses (from Ignition's output: no deployment record was written, as on Hardhat's in-process network):",
    );
    const width = Math.max(...Object.keys(result.addresses).map((k) => k.length));
    for (const [k, v] of Object.entries(result.addresses)) console.log(`  ${k.padEnd(width)}  ${v}`);
  },
};

/**
 * The deploying key's address: `--deployer`, else derived from `<NETWORK>_PRIVATE_KEY` in the environment
 * (baseSepolia → BASE_SEPOLIA_PRIVATE_KEY, as hardhat.config.ts reads it; the key is never printed). A key
 * kept only in the Hardhat keystore is not readable here: pass --deployer to have it checked.
 */
function deployerOf(network: string, flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(flag)) throw new UsageError(`--deployer must be a 0x-prefixed 20-byte address`);
    return flag;
  }
  const key = process.env[`${network.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_PRIVATE_KEY`]?.trim();
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) return undefined;
  try {
    return privateKeyToAccount(key as Hex).address;
  } catch {
    return undefined;
  }
}

function runHardhat(args: string[]): Promise<{ code: number; output: string }> {
  const bin = path.join(ROOT, "node_modules", ".bin", "hardhat");
  if (!existsSync(bin)) throw new UsageError("Hardhat is not installed here: run `npm ci` first");
  return new Promise((resolve, reject) => {
    // stdin is inherited: Ignition asks for confirmation before deploying to a live network.
    const child = spawn(process.execPath, [realpathSync(bin), ...args], {
      cwd: ROOT,
      stdio: ["inherit", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    let output = "";
    let partial = "";
    // Echo Hardhat's output, but never its stack traces (it prints them when CI is set).
    const echo = (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      const shown = lines.filter((l) => !/^\s+at /.test(l));
      if (shown.length > 0) process.stderr.write(`${shown.join("\n")}\n`);
    };
    const tee = (d: Buffer) => {
      output += d.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
      echo(d.toString());
    };
    child.stdout.on("data", tee);
    child.stderr.on("data", tee);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (partial && !/^\s+at /.test(partial)) process.stderr.write(`${partial}\n`);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function lastMeaningfulLine(output: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").split("\n");
  const meaningful = lines.map((l) => l.trim()).filter((l) => l && !/^at |^For more info|^npm warn/i.test(l));
  return meaningful.find((l) => /error/i.test(l)) ?? meaningful.at(-1);
}

/**
 * The deployment's `deployed_addresses.json`: the given id's, else the record holding exactly the
 * addresses Ignition just printed (newest first). Hardhat's in-process network records nothing:
 * then the addresses are Ignition's printed ones.
 */
function readAddresses(id: string | undefined, since: number, output: string): DeployResult {
  const printed: Record<string, string> = {};
  for (const m of output.matchAll(/^\s*([\w-]+#[\w-]+) - (0x[0-9a-fA-F]{40})\s*$/gm)) printed[m[1]!] = m[2]!;
  if (/in-process instance of Hardhat Network/.test(output))
    return { deploymentId: null, file: null, addresses: printed };
  const dir = path.join(ROOT, "ignition", "deployments");
  const read = (d: string) => {
    const file = path.join(dir, d, "deployed_addresses.json");
    try {
      return { id: d, file, addresses: JSON.parse(readFileSync(file, "utf8")) as Record<string, string> };
    } catch {
      return undefined;
    }
  };
  if (id !== undefined) {
    const record = read(id);
    if (!record) throw new Error(`Ignition finished but wrote no ${path.join(dir, id, "deployed_addresses.json")}`);
    return { deploymentId: record.id, file: record.file, addresses: record.addresses };
  }
  const matches = (existsSync(dir) ? readdirSync(dir) : [])
    .map(read)
    .filter((r) => r !== undefined)
    .filter((r) => Object.keys(printed).length > 0 && Object.entries(printed).every(([k, v]) => r.addresses[k] === v))
    .sort((a, b) => statSync(b.file).mtimeMs - statSync(a.file).mtimeMs);
  const record = matches.find((r) => statSync(r.file).mtimeMs >= since - 1000) ?? matches[0];
  if (record) return { deploymentId: record.id, file: record.file, addresses: record.addresses };
  return { deploymentId: null, file: null, addresses: printed };
}
