import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { keccak256, toBytes } from "viem";
import { computeEarnings, decimal, InvalidEarningsInputError } from "./earnings.ts";
import type { SupporterEpochInput } from "./earnings.ts";
import {
  canonicalRateCard,
  DEFAULT_RATE_CARD,
  InvalidRateCardError,
  NoRateCardError,
  parseRateCard,
  rateCardHash,
  selectRateCard,
} from "./ratecard.ts";
import type { RateCard } from "./ratecard.ts";
import type { Address } from "./eip712/domain.ts";

const A: Address = "0x000000000000000000000000000000000000000a";
const B: Address = "0x000000000000000000000000000000000000000b";
const C: Address = "0x000000000000000000000000000000000000000c";
const plain = (account: Address, countedBytes: bigint): SupporterEpochInput => ({
  account,
  countedBytes,
  founder: false,
  uptimeBps: 0n,
});
const run = (supporters: SupporterEpochInput[], budgetMicroUsd = 10n ** 15n) =>
  computeEarnings({ epoch: 1n, rateCard: DEFAULT_RATE_CARD, budgetMicroUsd, supporters });

describe("rate card", () => {
  it("default: canonical JSON and rateCardHash = keccak256 of its UTF-8 bytes (viem)", () => {
    const canonical = canonicalRateCard(DEFAULT_RATE_CARD);
    expect(canonical).to.equal(
      '{"effectiveFromEpoch":"0","founderMultiplierBps":"11000","ratePerGbMicroUsd":"50000","uptimeTiers":[{"bonusBps":"500","minUptimeBps":"9500"},{"bonusBps":"1000","minUptimeBps":"9900"}],"version":"1"}',
    );
    expect(rateCardHash(DEFAULT_RATE_CARD)).to.equal(keccak256(toBytes(canonical)));
    expect(rateCardHash(DEFAULT_RATE_CARD)).to.equal(
      "0x9e1638090661f535b4419cfc3b34332b21f7be7bb90c220e624c2ccb6f76657a",
    );
  });

  it("behavior: parse(canonical) round-trips; selectRateCard picks the version in force", () => {
    expect(parseRateCard(canonicalRateCard(DEFAULT_RATE_CARD))).to.deep.equal({
      ...DEFAULT_RATE_CARD,
      uptimeTiers: [...DEFAULT_RATE_CARD.uptimeTiers],
    });
    const v2: RateCard = { ...DEFAULT_RATE_CARD, version: 2n, effectiveFromEpoch: 10n, ratePerGbMicroUsd: 40_000n };
    expect(selectRateCard([v2, DEFAULT_RATE_CARD], 9n).version).to.equal(1n);
    expect(selectRateCard([v2, DEFAULT_RATE_CARD], 10n).version).to.equal(2n);
    expect(rateCardHash(v2)).to.not.equal(rateCardHash(DEFAULT_RATE_CARD));
  });

  it("error: unsorted tiers, a multiplier below 1×, non-canonical JSON, no card in force", () => {
    const bad: RateCard = {
      ...DEFAULT_RATE_CARD,
      uptimeTiers: [
        { minUptimeBps: 9_900n, bonusBps: 1n },
        { minUptimeBps: 9_500n, bonusBps: 1n },
      ],
    };
    expect(() => rateCardHash(bad)).to.throw(InvalidRateCardError);
    expect(() => canonicalRateCard({ ...DEFAULT_RATE_CARD, founderMultiplierBps: 9_000n })).to.throw(
      InvalidRateCardError,
    );
    expect(() =>
      parseRateCard(canonicalRateCard(DEFAULT_RATE_CARD).replace('"version":"1"', '"version":"01"')),
    ).to.throw(InvalidRateCardError);
    expect(() => selectRateCard([{ ...DEFAULT_RATE_CARD, effectiveFromEpoch: 5n }], 4n)).to.throw(NoRateCardError);
  });
});

describe("computeEarnings", () => {
  it("default: worked example — 2 GB, founder, 99.5 % uptime: 100 000 × 1.1 × 1.1 = 121 000 µUSD", () => {
    const [s] = run([{ account: A, countedBytes: 2_000_000_000n, founder: true, uptimeBps: 9_950n }]).statements;
    expect(s!.baseMicroUsd).to.equal("100000"); // 2 GB × 50 000 µUSD/GB
    expect(s!.multiplierBps).to.equal(11_000n);
    expect(s!.uptimeTier).to.equal(1);
    expect(s!.uptimeBonusBps).to.equal(1_000n);
    expect(s!.exactMicroUsd).to.equal("121000");
    expect(s!.payoutMicroUsd).to.equal(121_000n);
    expect(s!.proRata).to.equal(null);
  });

  it("behavior: worked example — 1.5 GB, not a founder, 96 % uptime: 75 000 × 1.05 = 78 750 µUSD", () => {
    const [s] = run([{ account: A, countedBytes: 1_500_000_000n, founder: false, uptimeBps: 9_600n }]).statements;
    expect([s!.baseMicroUsd, s!.uptimeBonusBps, s!.payoutMicroUsd]).to.deep.equal(["75000", 500n, 78_750n]);
  });

  it("behavior: worked example — floored once, the dust is reported: 123 456 789 bytes founder → 6 790.123395 µUSD → 6 790", () => {
    // 123 456 789 × 50 000 / 10⁹ = 6 172.83945; × 1.1 = 6 790.123395; no uptime bonus
    const { statements, summary } = run([{ account: A, countedBytes: 123_456_789n, founder: true, uptimeBps: 0n }]);
    expect(statements[0]!.baseMicroUsd).to.equal("6172.83945");
    expect(statements[0]!.exactMicroUsd).to.equal("6790.123395");
    expect(statements[0]!.payoutMicroUsd).to.equal(6_790n);
    expect(summary.roundingDustMicroUsd).to.equal("0.123395");
  });

  it("behavior: worked example — budget short: earned 60/50/40, budget 100 → 40/33/27 (largest remainder to C)", () => {
    // 1.2 MB, 1 MB, 0.8 MB at 0.05 µUSD per kB → 60, 50, 40 µUSD; scale 100/150
    // A: 60×100/150 = 40 r0; B: 50×100/150 = 33 r50; C: 40×100/150 = 26 r100 → the 1 left goes to C
    const { statements, summary } = run([plain(C, 800_000n), plain(A, 1_200_000n), plain(B, 1_000_000n)], 100n);
    expect(
      statements.map((s) => [
        s.account,
        s.earnedMicroUsd,
        s.scaledFloorMicroUsd,
        s.remainderMicroUsd,
        s.payoutMicroUsd,
      ]),
    ).to.deep.equal([
      [A, 60n, 40n, 0n, 40n],
      [B, 50n, 33n, 0n, 33n],
      [C, 40n, 26n, 1n, 27n],
    ]);
    expect(summary.proRata).to.deep.equal({ numerator: 100n, denominator: 150n });
    expect(summary.payoutMicroUsd).to.equal(100n);
    expect(summary.unallocatedMicroUsd).to.equal(0n);
  });

  it("behavior: equal remainders go to the lower address first", () => {
    // 3 × 20 µUSD, budget 50: each 16 r2 (of 60); floors 48; the 2 left go to A and B
    const { statements } = run([plain(C, 400_000n), plain(B, 400_000n), plain(A, 400_000n)], 50n);
    expect(statements.map((s) => s.payoutMicroUsd)).to.deep.equal([17n, 17n, 16n]);
  });

  it("behavior: cumulative = previous + payout; withheld lines pass through", () => {
    const withheld = [{ status: "flagged" as const, reason: "NODE_OFFLINE" as const, receipts: 2, bytes: 5n }];
    const [s] = run([
      { ...plain(A, 1_000_000_000n), previousCumulativeMicroUsd: 7n, withheld, claimedBytes: 1_000_000_005n },
    ]).statements;
    expect(s!.cumulativeMicroUsd).to.equal(50_007n);
    expect(s!.withheld).to.deep.equal(withheld);
    expect(s!.claimedBytes).to.equal(1_000_000_005n);
  });

  const arbAccount = fc.integer({ min: 1, max: 2 ** 31 }).map((n): Address => `0x${n.toString(16).padStart(40, "0")}`);
  const arbSupporters = fc.uniqueArray(
    fc.record({
      account: arbAccount,
      countedBytes: fc.bigInt({ min: 0n, max: 10n ** 13n }),
      founder: fc.boolean(),
      uptimeBps: fc.bigInt({ min: 0n, max: 10_000n }),
    }),
    { maxLength: 30, selector: (s) => s.account },
  );

  it("behavior: Σ payout ≤ budget, and = budget exactly when the budget is short (property)", () => {
    fc.assert(
      fc.property(arbSupporters, fc.bigInt({ min: 0n, max: 10n ** 9n }), (supporters, budget) => {
        const { statements, summary } = run(supporters, budget);
        const sum = statements.reduce((a, s) => a + s.payoutMicroUsd, 0n);
        expect(sum <= budget).to.equal(true);
        expect(sum).to.equal(summary.payoutMicroUsd);
        if (summary.earnedMicroUsd > budget) expect(sum).to.equal(budget);
        else expect(statements.every((s) => s.payoutMicroUsd === s.earnedMicroUsd)).to.equal(true);
        for (const s of statements) expect(s.payoutMicroUsd <= s.earnedMicroUsd).to.equal(true);
      }),
    );
  });

  it("behavior: deterministic under input order (property)", () => {
    fc.assert(
      fc.property(arbSupporters, fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.nat(), (supporters, budget, seed) => {
        const shuffled = [...supporters].sort(
          (a, b) => ((Number(BigInt(a.account) % 97n) * seed) % 13) - ((Number(BigInt(b.account) % 97n) * seed) % 13),
        );
        expect(run(shuffled, budget)).to.deep.equal(run(supporters, budget));
      }),
    );
  });

  it("behavior: monotone in bytes — more bytes never earn less (property)", () => {
    fc.assert(
      fc.property(
        arbSupporters,
        fc.nat({ max: 29 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (supporters, pick, extra) => {
          if (supporters.length === 0) return;
          const i = pick % supporters.length;
          const more = supporters.map((s, j) => (j === i ? { ...s, countedBytes: s.countedBytes + extra } : s));
          const before = run(supporters).statements.find((s) => s.account === supporters[i]!.account.toLowerCase())!;
          const after = run(more).statements.find((s) => s.account === supporters[i]!.account.toLowerCase())!;
          expect(after.payoutMicroUsd >= before.payoutMicroUsd).to.equal(true);
        },
      ),
    );
  });

  it("behavior: decimal() prints exact decimals", () => {
    expect([decimal(123n, 2), decimal(100n, 2), decimal(5n, 3), decimal(0n, 17)]).to.deep.equal([
      "1.23",
      "1",
      "0.005",
      "0",
    ]);
  });

  it("error: duplicate accounts, negative bytes, uptime above 100 %, negative budget", () => {
    expect(() => run([plain(A, 1n), plain(A, 2n)])).to.throw(InvalidEarningsInputError);
    expect(() => run([plain(A, -1n)])).to.throw(InvalidEarningsInputError);
    expect(() => run([{ ...plain(A, 1n), uptimeBps: 10_001n }])).to.throw(InvalidEarningsInputError);
    expect(() => run([plain(A, 1n)], -1n)).to.throw(InvalidEarningsInputError);
  });
});
