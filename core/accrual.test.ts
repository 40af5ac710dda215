import { describe, it } from "node:test";
import { expect } from "chai";
import { computeAccrual, type ComputeAccrualParameters, type OpenEpochNode } from "./accrual.ts";
import { computeEarnings } from "./earnings.ts";
import type { Address } from "./eip712/domain.ts";
import { DEFAULT_FRAUD_RULES } from "./fraud.ts";
import { DEFAULT_RATE_CARD } from "./ratecard.ts";

const addr = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;
const GB = 1_000_000_000n;
/** An hour-long epoch of 60 one-minute heartbeat slots, half gone. */
const base = (network: OpenEpochNode[], accounts: Address[], extra: Partial<ComputeAccrualParameters> = {}) =>
  computeAccrual({
    epoch: 7n,
    epochStart: 0n,
    epochEnd: 3_600n,
    now: 1_800n,
    heartbeatIntervalSeconds: 60n,
    rateCard: DEFAULT_RATE_CARD,
    budgetMicroUsd: 1_000_000_000n,
    rules: DEFAULT_FRAUD_RULES,
    network,
    accounts,
    ...extra,
  });
const node = (n: number, acceptedBytes: bigint, slotsUp: bigint, founder = false): OpenEpochNode => ({
  node: addr(n),
  payout: addr(1000 + n),
  founder,
  acceptedBytes,
  receipts: 10,
  slotsUp,
});

describe("computeAccrual", () => {
  it("worked: a founder (1.1×) on track for +10 %: provisional 121 000 µUSD, 110 000 certain halfway", () => {
    // 2 GB × $0.05 = 100 000 µUSD × 1.1 (founder) × 1.1 (30 of 30 slots so far: 100 % ≥ 99 %) = 121 000.
    // Certain uptime: 30 of 60 slots = 50 %: no bonus, 100 000 × 1.1 = 110 000; the 11 000 is the gap.
    const a = base([node(1, 2n * GB, 30n, true)], [addr(1001)]);
    expect(a.provisionalMicroUsd).to.equal(121_000n);
    expect(a.conservativeMicroUsd).to.equal(110_000n);
    expect(a.gap).to.deep.equal([{ reason: "UPTIME_BONUS_PENDING", microUsd: 11_000n, bytes: 0n }]);
    expect([a.founder, a.multiplierBps, a.uptimeOnTrackBps, a.uptimeBonusBps, a.uptimeCertainBps]).to.deep.equal([
      true,
      11_000n,
      10_000n,
      1_000n,
      5_000n,
    ]);
    expect([a.slots, a.slotsElapsed, a.acceptedBytes, a.receipts]).to.deep.equal([60n, 30n, 2n * GB, 10]);
    // at the end of the epoch with every slot up, nothing is pending: conservative = provisional = the close's
    const end = base([node(1, 2n * GB, 60n, true)], [addr(1001)], { now: 3_600n });
    expect([end.provisionalMicroUsd, end.conservativeMicroUsd, end.gap]).to.deep.equal([121_000n, 121_000n, []]);
    const close = computeEarnings({
      epoch: 7n,
      rateCard: DEFAULT_RATE_CARD,
      budgetMicroUsd: 1_000_000_000n,
      supporters: [{ account: addr(1001), countedBytes: 2n * GB, founder: true, uptimeBps: 10_000n }],
    });
    expect(close.statements[0]!.payoutMicroUsd).to.equal(end.conservativeMicroUsd);
  });

  it("worked: the +5 % tier on track at 97.5 % (39 of 40 slots), a non-founder", () => {
    // 1 GB = 50 000 µUSD × 1.05 = 52 500; certain 39 / 60 = 65 %: 50 000.
    const a = base([node(2, GB, 39n)], [addr(1002)], { now: 2_400n });
    expect([a.uptimeOnTrackBps, a.uptimeBonusBps, a.multiplierBps]).to.deep.equal([9_750n, 500n, 10_000n]);
    expect([a.provisionalMicroUsd, a.conservativeMicroUsd]).to.deep.equal([52_500n, 50_000n]);
  });

  it("worked: a budget short of the network's total: the pro-rata part of the gap, at the current total", () => {
    // A: 2 GB = 100 000 µUSD, B: 6 GB = 300 000 µUSD (no heartbeats: no bonus). Budget 200 000: × 1/2.
    const network = [node(1, 2n * GB, 0n), node(2, 6n * GB, 0n)];
    const a = base(network, [addr(1001)], { budgetMicroUsd: 200_000n });
    expect(a.provisionalMicroUsd).to.equal(100_000n);
    expect(a.networkProvisionalMicroUsd).to.equal(400_000n);
    expect(a.proRata).to.deep.equal({ numerator: 200_000n, denominator: 400_000n });
    expect(a.conservativeMicroUsd).to.equal(50_000n);
    expect(a.gap).to.deep.equal([{ reason: "PRO_RATA", microUsd: 50_000n, bytes: 0n }]);
    // what a close at these totals pays A
    const close = computeEarnings({
      epoch: 7n,
      rateCard: DEFAULT_RATE_CARD,
      budgetMicroUsd: 200_000n,
      supporters: network.map((n) => ({
        account: n.payout,
        countedBytes: n.acceptedBytes,
        founder: false,
        uptimeBps: 0n,
      })),
    });
    expect(a.conservativeMicroUsd <= close.statements.find((s) => s.account === addr(1001))!.payoutMicroUsd).to.equal(
      true,
    );
  });

  it("worked: offline and self-dealing receipts, the bitrate bound and an outlier are in the gap, by reason", () => {
    // seven nodes of 1 GB and one of 100 GB: median 1 GB × 20 < 100 GB ≥ 1 GB: the big one is held
    const network = [...Array.from({ length: 7 }, (_, i) => node(i + 1, GB, 0n)), node(9, 100n * GB, 0n)];
    const big = base(network, [addr(1009)]);
    expect(big.provisionalMicroUsd).to.equal(5_000_000n);
    expect([big.conservativeMicroUsd, big.gap]).to.deep.equal([
      0n,
      [{ reason: "OUTLIER", microUsd: 5_000_000n, bytes: 100n * GB }],
    ]);

    // node 1: 0.2 GB to its own payout key, 0.3 GB without a heartbeat in reach
    const one = base(network, [addr(1001)], {
      atRisk: [
        { node: addr(1), reason: "SELF_DEALING", bytes: 200_000_000n },
        { node: addr(1), reason: "NODE_OFFLINE", bytes: 300_000_000n },
      ],
      // a 1 MB/s session first seen at t = 100 (allowance 8e6 × 110 × 1.05 / 8 = 115 500 000 bytes) holding
      // 200 MB in all: at most 84 500 000 bytes can be clipped, all of them possibly node 1's
      sessions: [
        {
          maxBitsPerSecond: 8_000_000n,
          notBefore: 0n,
          firstTimestamp: 100n,
          totalBytes: 200_000_000n,
          bytesByNode: new Map([[addr(1), 150_000_000n]]),
        },
      ],
    });
    // 1 GB = 50 000; − 0.2 GB 10 000; − 0.3 GB 15 000; − 84.5 MB 4 225: 20 775 left
    expect(one.provisionalMicroUsd).to.equal(50_000n);
    expect(one.gap).to.deep.equal([
      { reason: "SELF_DEALING", microUsd: 10_000n, bytes: 200_000_000n },
      { reason: "NODE_OFFLINE", microUsd: 15_000n, bytes: 300_000_000n },
      { reason: "BITRATE_EXCEEDED", microUsd: 4_225n, bytes: 84_500_000n },
    ]);
    expect(one.conservativeMicroUsd).to.equal(20_775n);
  });

  it("no signed budget: nothing is certain", () => {
    const a = base([node(1, GB, 30n)], [addr(1001)], { budgetMicroUsd: null });
    expect(a.conservativeMicroUsd).to.equal(0n);
    expect(a.gap.at(-1)).to.deep.equal({ reason: "NO_BUDGET", microUsd: 50_000n, bytes: 0n });
  });

  it("invariants: 0 ≤ conservative ≤ provisional, Σ gap = the difference, conservative rises with bytes and heartbeats", () => {
    let last = -1n;
    for (let minute = 1n; minute <= 60n; minute++) {
      const network = [node(1, minute * 50_000_000n, minute - (minute % 7n === 0n ? 1n : 0n), true), node(2, GB, 10n)];
      const a = base(network, [addr(1001)], { now: minute * 60n, budgetMicroUsd: 10n ** 12n });
      expect(a.conservativeMicroUsd >= 0n && a.conservativeMicroUsd <= a.provisionalMicroUsd).to.equal(true);
      expect(a.gap.reduce((s, g) => s + g.microUsd, 0n)).to.equal(a.provisionalMicroUsd - a.conservativeMicroUsd);
      expect(a.conservativeMicroUsd >= last).to.equal(true);
      last = a.conservativeMicroUsd;
    }
  });

  it("an account without bytes this epoch accrues nothing", () => {
    const a = base([node(1, GB, 30n)], [addr(4242)]);
    expect([a.provisionalMicroUsd, a.conservativeMicroUsd, a.acceptedBytes, a.gap]).to.deep.equal([0n, 0n, 0n, []]);
  });
});
