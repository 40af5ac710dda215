import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { makeApp } from "../testing/fixtures.ts";
import { fuzzCase, prepareFuzzWorld, runFuzzCase, type FuzzWorld } from "../testing/fuzz.ts";

/** A CI-sized run per backend; `npm run fuzz -- --runs 100000` runs the same cases at length. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

for (const backend of testBackends()) {
  describe(`fuzz: every route and GraphQL argument with hostile values, over real HTTP (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let world: FuzzWorld;

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      const base = await app.listen({ host: "127.0.0.1", port: 0 });
      world = await prepareFuzzWorld(app, db, base);
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
    });

    it(`property: ${RUNS} cases — no 5xx, stable codes, hostile values refused, nothing stored from a refusal`, async () => {
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(fuzzCase(world), async (c) => {
          cases++;
          expect((await runFuzzCase(world, c)).problem).to.equal(null);
        }),
        { numRuns: RUNS },
      );
      expect(cases).to.be.at.least(RUNS);
    });
  });
}
