/**
 * Writes the RewardsDistributor and RewardsTimelock ABIs for the subgraph from the Hardhat artifact — never a
 * hand-copied ABI. Runs `hardhat build --quiet` at the repository root first (a no-op when the
 * contracts are unchanged), so a changed event always reaches `graph codegen`.
 *
 *   node scripts/abi.mjs            → generated/abis/RewardsDistributor.json, RewardsTimelock.json
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const ROOT = path.resolve(SUBGRAPH, "..");
/** Contract name → its source under contracts/ (the artifact's folder). */
const CONTRACTS = { RewardsDistributor: "RewardsDistributor.sol", RewardsTimelock: "governance/RewardsTimelock.sol" };
const OUT_DIR = path.join(SUBGRAPH, "generated/abis");

const hardhat = path.join(ROOT, "node_modules/.bin/hardhat");
if (!existsSync(hardhat)) {
  console.error(`abi: ${hardhat} is missing: run \`npm ci\` at the repository root first`);
  process.exit(1);
}
const build = spawnSync(hardhat, ["build", "--quiet"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) {
  console.error("abi: `hardhat build` failed");
  process.exit(build.status ?? 1);
}

mkdirSync(OUT_DIR, { recursive: true });
for (const [name, source] of Object.entries(CONTRACTS)) {
  const artifact = path.join(ROOT, `artifacts/contracts/${source}/${name}.json`);
  if (!existsSync(artifact)) {
    console.error(`abi: ${path.relative(ROOT, artifact)} not found after \`hardhat build\``);
    process.exit(1);
  }
  const { abi } = JSON.parse(readFileSync(artifact, "utf8"));
  if (!Array.isArray(abi) || !abi.some((item) => item.type === "event")) {
    console.error(`abi: ${name} has no events in ${path.relative(ROOT, artifact)}`);
    process.exit(1);
  }
  const out = path.join(OUT_DIR, `${name}.json`);
  writeFileSync(out, `${JSON.stringify(abi, null, 2)}\n`);
  const events = abi.filter((item) => item.type === "event").map((item) => item.name);
  console.log(`abi: ${path.relative(SUBGRAPH, out)} (${events.length} events: ${events.join(", ")})`);
}
