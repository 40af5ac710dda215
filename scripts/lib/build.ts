/**
 * Build on demand: every entry point a user runs (`npm start`, `npm test`, `npm run bench`,
 * `npx ledger …`) calls `ensureContractsBuilt()` first, so a fresh clone needs no build step
 * of its own. `npm start` and `npm test` also call `ensureWebBuilt()` (the dashboard's bundles),
 * and `npm test` calls `ensureSubgraphBuilt()` before the subgraph's tests.
 *
 * "Current" is decided by modification times: every output exists and is newer than every
 * input. When anything is missing or older, the real build runs (Hardhat's own cache then
 * recompiles only what changed); when everything is current, nothing is spawned.
 */
import { spawnSync } from "node:child_process";
import { existsSync, globSync, statSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as Esbuild from "esbuild";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The contract artifacts the runtime reads (ABIs) and the sources they are compiled from. */
const CONTRACT_OUTPUTS = [
  "artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json",
  "artifacts/contracts/mocks/MockUSD.sol/MockUSD.json",
  "artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
  "artifacts/artifacts.d.ts",
];
const CONTRACT_INPUTS = ["contracts/**/*.sol", "hardhat.config.ts", "remappings.txt", "package-lock.json"];

/**
 * The dashboard's bundles in `web/dist/` (git-ignored), served at `/dashboard/vendor/`: the few viem
 * functions the browser needs, the contract ABIs taken from the artifacts (never copied by hand), and
 * the charting library (Chart.js, the parts web/chart.js uses).
 * Keys: the bundle's name in `web/dist/vendor/`; values: its entry point.
 */
const WEB_BUNDLES = {
  viem: "web/vendor/viem-entry.js",
  contracts: "web/vendor/contracts-entry.js",
  chart: "web/vendor/chart-entry.js",
};
export const WEB_OUTPUTS = Object.keys(WEB_BUNDLES).map((name) => `web/dist/vendor/${name}.js`);
const WEB_INPUTS = [
  "web/vendor/*.js",
  "artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json",
  "artifacts/contracts/mocks/MockUSD.sol/MockUSD.json",
  "artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
  "package-lock.json",
];

const SUBGRAPH_OUTPUTS = [
  "subgraph/build/subgraph.yaml",
  "subgraph/build/RewardsDistributor/RewardsDistributor.wasm",
  "subgraph/build/RewardsTimelock/RewardsTimelock.wasm",
];
const SUBGRAPH_INPUTS = [
  "subgraph/src/**/*.ts",
  "subgraph/schema.graphql",
  "subgraph/subgraph.template.yaml",
  "subgraph/config/*.json",
  "subgraph/scripts/*.mjs",
  "subgraph/package-lock.json",
  "artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json",
  "artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
];

export type StalenessParameters = { root?: string; outputs: string[]; inputs: string[] };

/**
 * Why the outputs must be rebuilt, or `undefined` when they are current.
 *
 * @example staleReason({ outputs: ["artifacts/x.json"], inputs: ["contracts/**\/*.sol"] }) // "artifacts/x.json is missing"
 */
export function staleReason({ root = ROOT, outputs, inputs }: StalenessParameters): string | undefined {
  let oldestOutputMs = Infinity;
  for (const out of outputs) {
    const file = path.join(root, out);
    if (!existsSync(file)) return `${out} is missing`;
    oldestOutputMs = Math.min(oldestOutputMs, statSync(file).mtimeMs);
  }
  for (const pattern of inputs) {
    for (const rel of globSync(pattern, { cwd: root, exclude: (f) => f.includes("node_modules") })) {
      if (statSync(path.join(root, rel)).mtimeMs > oldestOutputMs) return `${rel} changed`;
    }
  }
  return undefined;
}

export class BuildFailedError extends Error {
  override name = "BuildFailedError";
}

function spawnStep(what: string, cmd: string, args: string[], quiet: boolean): void {
  const res = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    if (quiet) process.stderr.write(`${res.stdout ?? ""}${res.stderr ?? ""}`);
    throw new BuildFailedError(
      `${what} failed (\`${path.relative(ROOT, cmd) || cmd} ${args.join(" ")}\` exited ${res.status ?? res.signal}); fix the error above and run the command again`,
    );
  }
}

/**
 * A build tool may leave an unchanged output untouched; after a successful build every output
 * is current by definition, so its time is moved to now and the next check spawns nothing.
 */
function markCurrent(outputs: string[]): void {
  const now = new Date();
  for (const out of outputs) {
    const file = path.join(ROOT, out);
    if (!existsSync(file)) throw new BuildFailedError(`${out} is still missing after the build`);
    utimesSync(file, now, now);
  }
}

export type EnsureBuiltParameters = {
  /** Where progress lines go (default stderr, so a command's stdout stays machine-readable). */
  log?: (line: string) => void;
};

/**
 * Compiles the contracts when `artifacts/` is missing or older than a source. Returns whether
 * it compiled. Throws `BuildFailedError` (with the compiler's output already printed).
 */
export function ensureContractsBuilt({ log = (l) => console.error(l) }: EnsureBuiltParameters = {}): boolean {
  const reason = staleReason({ outputs: CONTRACT_OUTPUTS, inputs: CONTRACT_INPUTS });
  if (reason === undefined) return false;
  log(`compiling the contracts (${reason}; about 40 s on a fresh clone)…`);
  buildContracts();
  return true;
}

/**
 * Runs Hardhat's build (which itself recompiles only what changed) and marks the outputs
 * current, so no later `ensureContractsBuilt()` — say, of a process a test spawns — builds
 * again while other processes read the artifacts.
 */
export function buildContracts(): void {
  const hardhat = path.join(ROOT, "node_modules/.bin/hardhat");
  if (!existsSync(hardhat)) throw new BuildFailedError("node_modules is missing: run `npm ci` first");
  spawnStep("compiling the contracts", hardhat, ["build", "--quiet"], true);
  markCurrent(CONTRACT_OUTPUTS);
}

/** esbuild (a devDependency, so not after `npm ci --omit=dev`), or undefined when it is not installed. */
function loadEsbuild(): typeof Esbuild | undefined {
  try {
    return createRequire(import.meta.url)("esbuild") as typeof Esbuild;
  } catch {
    return undefined;
  }
}

/**
 * Bundles the dashboard into `web/dist/` when it is missing or older than a source (its entry
 * points, the artifacts' ABIs, the locked viem). Returns whether it bundled. Where esbuild is not
 * installed (`npm ci --omit=dev`) a missing or stale bundle is said in one line and left as it is:
 * the server then answers 503 for a missing one. Throws `BuildFailedError` when esbuild fails.
 */
export function ensureWebBuilt({ log = (l) => console.error(l) }: EnsureBuiltParameters = {}): boolean {
  const reason = staleReason({ outputs: WEB_OUTPUTS, inputs: WEB_INPUTS });
  if (reason === undefined) return false;
  if (!loadEsbuild()) {
    log(
      `the dashboard's bundle is not built (${reason}): esbuild, a devDependency, is missing; run \`npm ci\`, then \`npm run build:web\``,
    );
    return false;
  }
  log(`bundling the dashboard (${reason})…`);
  buildWeb();
  return true;
}

/**
 * Bundles the dashboard's vendor modules with esbuild into `web/dist/vendor/` (minified ES
 * modules for the browser) and marks them current. Throws `BuildFailedError`.
 */
export function buildWeb(): void {
  const esbuild = loadEsbuild();
  if (!esbuild) throw new BuildFailedError("esbuild (a devDependency) is missing: run `npm ci` first");
  try {
    esbuild.buildSync({
      absWorkingDir: ROOT,
      entryPoints: WEB_BUNDLES,
      outdir: "web/dist/vendor",
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      logLevel: "error",
    });
  } catch (err) {
    throw new BuildFailedError(
      `bundling the dashboard failed (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); fix the error above and run \`npm run build:web\` again`,
    );
  }
  markCurrent(WEB_OUTPUTS);
}

/**
 * Installs the subgraph's own packages when missing and builds it (ABI → manifest → codegen →
 * wasm) when `subgraph/build/` is missing or older than a source. Returns whether it built.
 */
export function ensureSubgraphBuilt({ log = (l) => console.error(l) }: EnsureBuiltParameters = {}): boolean {
  let built = false;
  if (!existsSync(path.join(ROOT, "subgraph/node_modules/.bin/graph"))) {
    log("installing the subgraph's packages (npm ci --prefix subgraph)…");
    spawnStep(
      "installing the subgraph's packages",
      "npm",
      ["ci", "--prefix", "subgraph", "--no-audit", "--no-fund", "--loglevel=error"],
      true,
    );
    built = true;
  }
  const reason = staleReason({ outputs: SUBGRAPH_OUTPUTS, inputs: SUBGRAPH_INPUTS });
  if (reason === undefined && !built) return false;
  log(`building the subgraph (${reason ?? "fresh install"})…`);
  spawnStep("building the subgraph", "npm", ["--prefix", "subgraph", "run", "--silent", "build"], true);
  markCurrent(SUBGRAPH_OUTPUTS);
  return true;
}
