import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import type { Hex } from "../../core/hex.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { decideAgainstHeads, type Head } from "../lib/receipt-heads.ts";
import { ensureEpochs } from "./epochs.ts";
import { receiptTotals, storeReceipts, type VerifiedReceipt } from "./receipts.ts";

const CLOCK = { epochSeconds: 86_400, genesis: 0 };

/** Streams of receipts: per stream, seq 1..n with non-decreasing cumulative bytes. */
const streams = fc.array(
  fc.array(fc.bigInt({ min: 0n, max: 1_000_000n }), { minLength: 1, maxLength: 8 }).map((increments) => {
    let total = 0n;
    return increments.map((inc, i) => ({
      seq: BigInt(i + 1),
      cumulativeBytes: (total += inc),
      timestamp: 1_000n + BigInt(i),
      epoch: 0n,
    }));
  }),
  { minLength: 1, maxLength: 4 },
);

describe("decideAgainstHeads", () => {
  it("property: whatever the order and duplication, the counted bytes of a stream are its highest cumulative", () => {
    fc.assert(
      fc.property(streams, fc.infiniteStream(fc.nat()), fc.nat({ max: 3 }), (ss, rnd, extraCopies) => {
        const items = ss.flatMap((s, k) => s.map((r) => ({ key: `s${k}`, ...r })));
        const copies = [...items, ...items.slice(0, extraCopies * 2)];
        const it = rnd[Symbol.iterator]();
        const shuffled = copies
          .map((x) => ({ x, r: it.next().value as number }))
          .sort((a, b) => a.r - b.r)
          .map(({ x }) => x);
        const heads = new Map<string, Head>();
        const decisions = decideAgainstHeads(heads, shuffled);
        ss.forEach((s, k) => {
          const counted = decisions
            .filter((_d, i) => shuffled[i]!.key === `s${k}`)
            .reduce((sum, d) => sum + d.deltaBytes, 0n);
          const highestAccepted = heads.get(`s${k}`)!.mark.cumulativeBytes;
          expect(counted).to.equal(highestAccepted);
          expect(highestAccepted <= s[s.length - 1]!.cumulativeBytes).to.equal(true);
        });
        for (const d of decisions) expect(d.verdict === "rejected").to.equal(false); // one epoch: never refused
      }),
      { numRuns: 500 },
    );
  });

  it("default: in order, every increase is accepted and replays are duplicates", () => {
    const heads = new Map<string, Head>();
    const at = (seq: bigint, cumulativeBytes: bigint, timestamp = 100n + seq, epoch = 0n) => ({
      key: "a",
      seq,
      cumulativeBytes,
      timestamp,
      epoch,
    });
    const d = decideAgainstHeads(heads, [at(1n, 10n), at(2n, 25n), at(2n, 25n), at(3n, 20n), at(4n, 25n)]);
    expect(d.map((x) => [x.verdict, x.deltaBytes])).to.deep.equal([
      ["accepted", 10n],
      ["accepted", 15n],
      ["duplicate", 0n],
      ["duplicate", 0n],
      ["accepted", 0n], // as many bytes as the mark: forward, counts nothing (as at close)
    ]);
    expect(d[3]).to.include({ reason: "NON_MONOTONIC", store: true });
    expect(d[2]).to.include({ reason: "ALREADY_COUNTED", store: false });
  });

  it("behavior: a timestamp going backwards is NON_MONOTONIC; into an earlier epoch than the mark it is refused", () => {
    const heads = new Map<string, Head>();
    const d = decideAgainstHeads(heads, [
      { key: "a", seq: 1n, cumulativeBytes: 10n, timestamp: 200n, epoch: 2n },
      { key: "a", seq: 2n, cumulativeBytes: 20n, timestamp: 150n, epoch: 2n },
      { key: "a", seq: 3n, cumulativeBytes: 30n, timestamp: 90n, epoch: 1n },
      { key: "a", seq: 4n, cumulativeBytes: 40n, timestamp: 210n, epoch: 2n },
    ]);
    expect(d.map((x) => [x.verdict, x.store])).to.deep.equal([
      ["accepted", true],
      ["duplicate", true],
      ["rejected", false],
      ["accepted", true],
    ]);
    expect(d[3]!.deltaBytes).to.equal(30n);
  });
});

for (const backend of testBackends()) {
  describe(`storeReceipts (${backend.name})`, () => {
    let db: Db;
    before(async () => {
      db = await backend.open();
      await ensureEpochs(db, CLOCK, [100, 101]);
    });
    after(async () => {
      await db.close();
    });

    it("property: receipts stored in random batches, twice over, count each stream's highest cumulative once", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(streams, fc.integer({ min: 1, max: 5 }), async (ss, batchSize) => {
          run++;
          const sid = (k: number): Hex => `0x${run.toString(16).padStart(8, "0")}${k.toString(16).padStart(56, "0")}`;
          const supporter: Hex = `0x${"11".repeat(20)}`;
          const receipts: VerifiedReceipt[] = ss.flatMap((s, k) =>
            s.map((r) => ({
              epoch: r.seq % 2n === 0n ? 101 : 100,
              sessionId: sid(k),
              supporter,
              viewer: `0x${"22".repeat(20)}`,
              seq: r.seq,
              cumulativeBytes: r.cumulativeBytes,
              timestamp: 100n * 86_400n,
              signature: `0x${"33".repeat(65)}`,
            })),
          );
          const before = await receiptTotals(db);
          const all = [...receipts, ...[...receipts].reverse()];
          for (let i = 0; i < all.length; i += batchSize) {
            const batch = all.slice(i, i + batchSize);
            await db.transaction((tx) => storeReceipts(tx, batch));
          }
          const after = await receiptTotals(db);
          const expected = ss.reduce((sum, s) => sum + s[s.length - 1]!.cumulativeBytes, 0n);
          expect(after.deltaBytes - before.deltaBytes).to.equal(expected);
          // each (session, supporter, seq) stored at most once
          expect(after.rows - before.rows <= BigInt(receipts.length)).to.equal(true);
        }),
        { numRuns: backend.name === "pglite" ? 40 : 60 },
      );
    });
  });
}
