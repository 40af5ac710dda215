import { describe, it } from "node:test";
import { expect } from "chai";
import { createLeadership } from "./leader.ts";

const url = process.env.TEST_DATABASE_URL;

describe("leadership", () => {
  it("default: PGlite (one process) is always leader", async () => {
    const l = createLeadership({ databaseUrl: "pglite:memory" });
    expect(await l.tryAcquire()).to.equal(true);
    expect(l.kind).to.equal("single-process");
  });

  it(
    "behavior: on PostgreSQL one process leads; a follower takes over when the leader goes",
    { skip: !url },
    async () => {
      const key = BigInt(Math.floor(Math.random() * 1e12)); // private to this test run
      const a = createLeadership({ databaseUrl: url, key });
      const b = createLeadership({ databaseUrl: url, key });
      try {
        expect(await a.tryAcquire()).to.equal(true);
        expect(await b.tryAcquire()).to.equal(false);
        expect(await a.tryAcquire()).to.equal(true); // still held, connection alive
        await a.release(); // the leader stops (its session ends)
        expect(await b.tryAcquire()).to.equal(true);
        expect(await a.tryAcquire()).to.equal(false);
      } finally {
        await a.release();
        await b.release();
      }
    },
  );
});
