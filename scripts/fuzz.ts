/**
 * `npm run fuzz -- [--runs N] [--seed S] [--postgres URL]`: the adversarial HTTP fuzzer of
 * coordinator/testing/fuzz.ts at length, against a real server on 127.0.0.1 (embedded PGlite, or the
 * PostgreSQL server at `--postgres` / TEST_DATABASE_URL in a fresh database dropped at the end).
 *
 * It first runs every catalogued case once (each route and GraphQL argument × each hostile
 * class, literal and variable forms), then random cases up to `--runs`. Failures do not stop
 * it: each distinct failure is printed (the first 20), and the last line is one JSON object:
 *   {"backend":"pglite","cases":100000,"failures":0,"seconds":812.4,"seed":…}
 * Exit code 1 when any case failed.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { createVerifyPool } from "../core/verify-pool.ts";
import { testBackends } from "../test/helpers/db.ts";
import { makeApp } from "../coordinator/testing/fixtures.ts";
import { allFuzzCases, fuzzCase, prepareFuzzWorld, runFuzzCase } from "../coordinator/testing/fuzz.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string" },
    postgres: { type: "string" },
  },
});
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (values.postgres) process.env.TEST_DATABASE_URL = values.postgres;
const backend = testBackends().at(values.postgres || process.env.TEST_DATABASE_URL ? -1 : 0)!;

const started = performance.now();
const db = await backend.open();
const pool = createVerifyPool({ size: 1 });
const app = await makeApp(db, pool);
let cases = 0;
let failures = 0;
const seen = new Set<string>();
try {
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const world = await prepareFuzzWorld(app, db, base);
  const exhaustive = allFuzzCases(world).slice(0, runs);
  const random = fc.sample(fuzzCase(world), { numRuns: Math.max(0, runs - exhaustive.length), seed });
  let state: string | undefined;
  for (const c of [...exhaustive, ...random]) {
    let problem: string | null;
    try {
      ({ problem, state } = await runFuzzCase(world, c, state));
    } catch (err) {
      problem = `runner error: ${(err as Error).message} in ${JSON.stringify(c)}`;
      state = undefined;
    }
    cases++;
    if (problem) {
      failures++;
      const key = problem.split(":")[0] + JSON.stringify({ ...c, cls: c.cls, target: c.target });
      if (!seen.has(key) && seen.size < 20) {
        seen.add(key);
        console.log(`FAIL ${problem}`);
      }
    }
    if (cases % 5_000 === 0) console.error(`… ${cases} cases, ${failures} failures`);
  }
} finally {
  await app.close();
  await pool.close();
  await db.close();
}
const seconds = Math.round((performance.now() - started) / 100) / 10;
console.log(JSON.stringify({ backend: backend.name, cases, failures, seconds, seed }));
process.exitCode = failures > 0 ? 1 : 0;
