/**
 * The whole subgraph build, offline: ABI from the Hardhat artifact → subgraph.yaml for a
 * network → `graph codegen` → `graph build` (wasm in build/).
 *
 *   npm --prefix subgraph run build [-- network]     network defaults to $SUBGRAPH_NETWORK or localhost
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const graph = path.join(SUBGRAPH, "node_modules/.bin/graph");
const steps = [
  [process.execPath, ["scripts/abi.mjs"]],
  [process.execPath, ["scripts/render.mjs", ...process.argv.slice(2, 3)]],
  [graph, ["codegen", "--skip-migrations"]],
  [graph, ["build", "--skip-migrations"]],
];
for (const [cmd, args] of steps) {
  console.log(`\n> ${path.basename(cmd)} ${args.join(" ")}`);
  const res = spawnSync(cmd, args, { cwd: SUBGRAPH, stdio: "inherit" });
  if (res.status !== 0) {
    console.error(`subgraph build: \`${path.basename(cmd)} ${args.join(" ")}\` failed`);
    process.exit(res.status ?? 1);
  }
}
