/**
 * `npm test`: every suite of the project in one command, closing with one line
 * `N passed, M failed[, K skipped]` over all of them.
 *
 *   1. Solidity tests (`contracts/test/*.t.sol`, forge-std) through `hardhat test solidity`;
 *   2. TypeScript tests (`**\/*.test.ts`) under node:test, on PGlite always and on PostgreSQL
 *      too when `TEST_DATABASE_URL` is set;
 *   3. the subgraph's mapping and parity tests, after installing and building `subgraph/` when
 *      it is missing or stale.
 *
 * Arguments narrow the run: `npm test -- solidity`, `npm test -- ts`, or file paths/globs.
 * Exits non-zero when any test fails or a suite cannot run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, globSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { buildContracts, ensureSubgraphBuilt, ensureWebBuilt } from "./lib/build.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HARDHAT = path.join(ROOT, "node_modules/.bin/hardhat");
const TS_TEST_GLOBS = [
  "chain/**/*.test.ts",
  "coordinator/**/*.test.ts",
  "events/**/*.test.ts",
  "http/**/*.test.ts",
  "indexer/**/*.test.ts",
  "read-api/**/*.test.ts",
  "relayer/**/*.test.ts",
  "server/**/*.test.ts",
  "bench/**/*.test.ts",
  "core/**/*.test.ts",
  "db/**/*.test.ts",
  "oracle/**/*.test.ts",
  "scripts/**/*.test.ts",
  "test/**/*.test.ts",
  "subgraph/test/**/*.test.ts",
];

type Counts = { passed: number; failed: number; skipped: number };
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const add = (c: Counts) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};

const args = process.argv.slice(2);
const only = args[0] === "solidity" || args[0] === "ts" ? args[0] : undefined;
const fileArgs = only ? args.slice(1) : args;

function run(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = {}): { status: number; output: string } {
  const res = spawnSync(cmd, cmdArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  process.stdout.write(output);
  return { status: res.status ?? 1, output };
}

function heading(text: string) {
  process.stdout.write(`\n=== ${text} ===\n`);
}

// 1. Compile once (artifacts are shared by the Solidity and TypeScript suites); bundle the
// dashboard (its browser tests load web/dist/) when it is missing or stale.
heading("build contracts");
try {
  buildContracts();
  ensureWebBuilt({ log: (line) => console.log(line) });
} catch (err) {
  console.log(`\n${err instanceof Error ? err.message : String(err)}`);
  console.log(`0 passed, 1 failed`);
  process.exit(1);
}

// 2. Solidity tests.
if (only !== "ts" && fileArgs.length === 0) {
  heading("Solidity tests");
  const sol = run(HARDHAT, ["test", "solidity", "--no-compile"]);
  const plain = stripVTControlCharacters(sol.output);
  const num = (re: RegExp) => Number(re.exec(plain)?.[1] ?? 0);
  const counts = {
    passed: num(/(\d+) passing/),
    failed: num(/(\d+) failing/),
    skipped: num(/(\d+) (?:skipped|pending)/),
  };
  if (sol.status !== 0 && counts.failed === 0) counts.failed = 1; // the suite could not run
  add(counts);
}

// 3. TypeScript tests.
if (only !== "solidity") {
  const patterns = fileArgs.length > 0 ? fileArgs : TS_TEST_GLOBS;
  const files = [
    ...new Set(
      patterns.flatMap((p) =>
        existsSync(path.join(ROOT, p)) ? [p] : globSync(p, { cwd: ROOT, exclude: (f) => f.includes("node_modules") }),
      ),
    ),
  ].sort();
  // The subgraph's tests load its compiled wasm: install and build it first when needed.
  if (files.some((f) => f.startsWith("subgraph/"))) {
    heading("subgraph: install and build when missing or stale");
    try {
      if (!ensureSubgraphBuilt({ log: (line) => console.log(line) })) console.log("subgraph build is current");
    } catch (err) {
      console.log(err instanceof Error ? err.message : String(err));
      console.log(`0 passed, 1 failed`);
      process.exit(1);
    }
  }
  heading(
    `TypeScript tests (${files.length} files${process.env.TEST_DATABASE_URL ? ", PGlite and PostgreSQL" : ", PGlite only: set TEST_DATABASE_URL for PostgreSQL"})`,
  );
  if (files.length > 0) {
    const dir = mkdtempSync(path.join(tmpdir(), "ledger-test-"));
    const countsFile = path.join(dir, "counts.json");
    const ts = run(
      process.execPath,
      [
        "--test",
        "--test-concurrency=2",
        "--test-timeout=600000", // per file as well as per test: the fault suites run both backends for minutes on a loaded 2-core machine
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        `--test-reporter=${path.join(ROOT, "test/helpers/count-reporter.ts")}`,
        "--test-reporter-destination=stdout",
        ...files,
      ],
      { LEDGER_TEST_COUNTS: countsFile },
    );
    const counts = existsSync(countsFile)
      ? (JSON.parse(readFileSync(countsFile, "utf8")) as Counts)
      : { passed: 0, failed: 1, skipped: 0 };
    rmSync(dir, { recursive: true, force: true });
    if (ts.status !== 0 && counts.failed === 0) counts.failed = 1;
    add(counts);
  }
}

console.log("");
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ""}`);
process.exit(total.failed > 0 ? 1 : 0);
