/**
 * `npm run bench -- NAME [args…]`: the one entry point for benchmarks. Each benchmark is
 * `bench/NAME.ts` exporting `default async function (args: string[])`, printing JSON lines
 * through `report()`. Benchmarks never run in `npm test`.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureContractsBuilt } from "../scripts/lib/build.ts";

const dir = fileURLToPath(new URL("./", import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "report.ts"].includes(f) && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(
    name
      ? `bench: unknown benchmark "${name}"; available: ${available.join(", ") || "none yet"}`
      : `usage: npm run bench -- NAME   (available: ${available.join(", ") || "none yet"})`,
  );
  process.exit(2);
}
try {
  ensureContractsBuilt();
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const mod = (await import(`./${name}.ts`)) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
