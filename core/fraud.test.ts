import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { generatePrivateKey } from "viem/accounts";
import type { Address, RewardsDomain } from "./eip712/domain.ts";
import type { Receipt, SignedHeartbeat } from "./eip712/receipts.ts";
import type { SignedSessionGrant } from "./eip712/sessions.ts";
import type { Hex } from "./hex.ts";
import { hashReceipt } from "./eip712/hash.ts";
import { type EvaluateEpochParameters, type ReceiptSubmission, REASONS, evaluateEpoch } from "./fraud.ts";
import { privateKeyToAddress, signTypedMessage } from "./sign.ts";

const domain: RewardsDomain = { chainId: 8453, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const otherDomain: RewardsDomain = { chainId: 10, verifyingContract: domain.verifyingContract };
const START = 1_700_000_000n;
const END = START + 3600n;
const MBPS8 = 8_000_000n; // 1 MB/s
const MB = 1_000_000n;

type Key = { key: Hex; address: Address };
const newKey = (): Key => {
  const key = generatePrivateKey();
  return { key, address: privateKeyToAddress(key) };
};
const coordinator = newKey();
const sid = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const STREAM: Hex = `0x${"5".repeat(64)}`;

function grant(sessionId: Hex, viewer: Key, opts: { signer?: Key; notBefore?: bigint; notAfter?: bigint } = {}) {
  const message = {
    sessionId,
    viewer: viewer.address,
    streamId: STREAM,
    maxBitsPerSecond: MBPS8,
    notBefore: opts.notBefore ?? START,
    notAfter: opts.notAfter ?? END,
  };
  const signer = opts.signer ?? coordinator;
  return {
    message,
    signature: signTypedMessage({ domain, primaryType: "SessionGrant", message, privateKey: signer.key }),
  } satisfies SignedSessionGrant;
}

function receipt(
  viewer: Key,
  sessionId: Hex,
  supporter: Key,
  seq: bigint,
  cumulativeBytes: bigint,
  timestamp: bigint,
  opts: { signer?: Key; domain?: RewardsDomain } = {},
): ReceiptSubmission {
  const message: Receipt = {
    sessionId,
    supporter: supporter.address,
    viewer: viewer.address,
    seq,
    cumulativeBytes,
    timestamp,
  };
  return {
    message,
    signature: signTypedMessage({
      domain: opts.domain ?? domain,
      primaryType: "Receipt",
      message,
      privateKey: (opts.signer ?? viewer).key,
    }),
  };
}

function registration(node: Key, payout: Address, effectiveEpoch = 0n, nonce = 0n) {
  const message = { node: node.address, payout, effectiveEpoch, nonce };
  return {
    message,
    signature: signTypedMessage({ domain, primaryType: "SupporterRegistration", message, privateKey: node.key }),
  };
}

function heartbeats(node: Key, from = START, to = END): SignedHeartbeat[] {
  const out: SignedHeartbeat[] = [];
  for (let t = from; t < to; t += 60n) {
    const message = { node: node.address, timestamp: t };
    out.push({
      message,
      signature: signTypedMessage({ domain, primaryType: "Heartbeat", message, privateKey: node.key }),
    });
  }
  return out;
}

/** A world: supporters registered with their own payouts and online all epoch; one viewer per session. */
function world(nSupporters = 2) {
  const supporters = Array.from({ length: nSupporters }, newKey);
  const payouts = supporters.map(() => newKey());
  const base: Omit<EvaluateEpochParameters, "receipts" | "grants"> = {
    domain,
    epoch: 5n,
    epochStart: START,
    epochEnd: END,
    coordinator: coordinator.address,
    registrations: supporters.map((s, i) => registration(s, payouts[i]!.address)),
    heartbeats: supporters.flatMap((s) => heartbeats(s)),
  };
  return { supporters, payouts, base };
}

describe("fraud: evaluateEpoch", () => {
  it("default: an honest epoch is accepted in full, increases counted once, checkpoints carried", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const receipts = [
      receipt(viewer, sid(1), s, 1n, 50n * MB, START + 60n),
      receipt(viewer, sid(1), s, 2n, 110n * MB, START + 120n),
    ];
    const out = evaluateEpoch({ ...base, receipts, grants: [grant(sid(1), viewer)] });
    expect(out.verdicts.map((v) => v.status)).to.deep.equal(["accepted", "accepted"]);
    expect(out.verdicts.map((v) => v.countedBytes)).to.deep.equal([50n * MB, 60n * MB]);
    expect(out.verdicts[0]!.id).to.equal(hashReceipt(domain, receipts[0]!.message));
    expect(out.checkpoints).to.have.length(1);
    expect(out.checkpoints[0]).to.include({ cumulativeBytes: 110n * MB, countedBytes: 110n * MB, seq: 2n });

    // next epoch: only the increase over the checkpoint counts
    const next = evaluateEpoch({
      ...base,
      epoch: 6n,
      epochStart: END,
      epochEnd: END + 3600n,
      heartbeats: heartbeats(s, END, END + 3600n),
      receipts: [receipt(viewer, sid(1), s, 3n, 150n * MB, END + 30n)],
      grants: [grant(sid(1), viewer, { notAfter: END + 3600n })],
      checkpoints: out.checkpoints,
    });
    expect(next.verdicts[0]).to.include({ status: "accepted", claimedBytes: 40n * MB, countedBytes: 40n * MB });
  });

  it("default: every reason code has a status and a human message", () => {
    for (const [code, r] of Object.entries(REASONS)) {
      expect(r.message, code).to.be.a("string").with.length.greaterThan(10);
      expect(["accepted", "clipped", "flagged", "rejected", "duplicate"]).to.include(r.status);
    }
  });

  it("behavior: INVALID_SIGNATURE — signed by another key, or a malleable (high-s) twin", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const forged = receipt(viewer, sid(1), s, 1n, 10n * MB, START + 60n, { signer: newKey() });
    const good = receipt(viewer, sid(1), s, 2n, 20n * MB, START + 70n);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const sig = good.signature;
    const highS = n - BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130), 16) === 27 ? "1c" : "1b";
    const malleable = { ...good, signature: `${sig.slice(0, 66)}${highS.toString(16).padStart(64, "0")}${v}` as Hex };
    const out = evaluateEpoch({ ...base, receipts: [forged, malleable], grants: [grant(sid(1), viewer)] });
    for (const v of out.verdicts) {
      expect(v.status).to.equal("rejected");
      expect(v.reasons).to.deep.equal(["INVALID_SIGNATURE"]);
      expect(v.countedBytes).to.equal(0n);
    }
  });

  it("behavior: WRONG_DOMAIN — a receipt signed for another chain is refused", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const r = receipt(viewer, sid(1), supporters[0]!, 1n, MB, START + 60n, { domain: otherDomain });
    const out = evaluateEpoch({
      ...base,
      receipts: [{ ...r, domain: otherDomain }, r],
      grants: [grant(sid(1), viewer)],
    });
    expect(out.verdicts[0]!.reasons).to.deep.equal(["WRONG_DOMAIN"]);
    expect(out.verdicts[1]!.reasons).to.deep.equal(["INVALID_SIGNATURE"]); // replayed without saying so
  });

  it("behavior: NO_GRANT — no grant, a grant not signed by the coordinator, or for another viewer key", () => {
    const { supporters, base } = world(1);
    const s = supporters[0]!;
    const [v1, v2, v3] = [newKey(), newKey(), newKey()];
    const out = evaluateEpoch({
      ...base,
      receipts: [
        receipt(v1, sid(1), s, 1n, MB, START + 60n),
        receipt(v2, sid(2), s, 1n, MB, START + 60n),
        receipt(v3, sid(3), s, 1n, MB, START + 60n),
      ],
      grants: [grant(sid(2), v2, { signer: newKey() }), grant(sid(3), newKey())],
    });
    for (const v of out.verdicts) expect(v).to.deep.include({ status: "rejected", reasons: ["NO_GRANT"] });
  });

  it("behavior: GRANT_EXPIRED and OUT_OF_EPOCH — timestamps outside the grant or the epoch", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const out = evaluateEpoch({
      ...base,
      receipts: [receipt(viewer, sid(1), s, 1n, MB, START + 700n), receipt(viewer, sid(1), s, 2n, 2n * MB, END + 5n)],
      grants: [grant(sid(1), viewer, { notAfter: START + 600n })],
    });
    expect(out.verdicts[0]!.reasons).to.deep.equal(["GRANT_EXPIRED"]);
    expect(out.verdicts[1]!.reasons).to.deep.equal(["GRANT_EXPIRED", "OUT_OF_EPOCH"]);
  });

  it("behavior: UNREGISTERED — a node without a registration earns nothing", () => {
    const { base } = world(1);
    const viewer = newKey();
    const out = evaluateEpoch({
      ...base,
      receipts: [receipt(viewer, sid(1), newKey(), 1n, MB, START + 60n)],
      grants: [grant(sid(1), viewer)],
    });
    expect(out.verdicts[0]).to.deep.include({ status: "rejected", reasons: ["UNREGISTERED"] });
  });

  it("behavior: DUPLICATE — re-sending the same receipt is idempotent", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const r = receipt(viewer, sid(1), supporters[0]!, 1n, 30n * MB, START + 60n);
    const out = evaluateEpoch({ ...base, receipts: [r, r, r], grants: [grant(sid(1), viewer)] });
    expect(out.verdicts.map((v) => v.status).sort()).to.deep.equal(["accepted", "duplicate", "duplicate"]);
    expect(out.verdicts.reduce((a, v) => a + v.countedBytes, 0n)).to.equal(30n * MB);
  });

  it("behavior: NON_MONOTONIC — cumulative bytes going backwards, or a reused seq, count nothing", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const out = evaluateEpoch({
      ...base,
      receipts: [
        receipt(viewer, sid(1), s, 1n, 50n * MB, START + 60n),
        receipt(viewer, sid(1), s, 2n, 40n * MB, START + 70n), // backwards
        receipt(viewer, sid(1), s, 1n, 55n * MB, START + 60n), // seq reused, other content
        receipt(viewer, sid(1), s, 3n, 70n * MB, START + 80n),
      ],
      grants: [grant(sid(1), viewer)],
    });
    expect(out.verdicts.map((v) => v.status)).to.deep.equal(["accepted", "flagged", "flagged", "accepted"]);
    expect(out.verdicts[1]!.reasons).to.deep.equal(["NON_MONOTONIC"]);
    expect(out.verdicts.map((v) => v.countedBytes)).to.deep.equal([50n * MB, 0n, 0n, 20n * MB]);
  });

  it("behavior: BITRATE_EXCEEDED — two supporters of one session share the stream's bitrate; excess clipped", () => {
    const { supporters, base } = world(2);
    const viewer = newKey();
    const [a, b] = supporters as [Key, Key];
    // 1 MB/s cap; at START+100 the allowance is 1 MB/s × (100 + 10 s burst) × 1.05 = 115.5 MB
    const out = evaluateEpoch({
      ...base,
      receipts: [
        receipt(viewer, sid(1), a, 1n, 100n * MB, START + 100n),
        receipt(viewer, sid(1), b, 1n, 100n * MB, START + 100n),
      ],
      grants: [grant(sid(1), viewer)],
    });
    const total = out.verdicts.reduce((acc, v) => acc + v.countedBytes, 0n);
    expect(total).to.equal(115_500_000n);
    const clipped = out.verdicts.find((v) => v.status === "clipped")!;
    expect(clipped.reasons).to.deep.equal(["BITRATE_EXCEEDED"]);
    expect(clipped.countedBytes).to.equal(15_500_000n);
    expect(clipped.claimedBytes).to.equal(100n * MB);
  });

  it("behavior: SELF_DEALING — the viewer key is the supporter's node, or a node with the same payout", () => {
    const { supporters, payouts, base } = world(1);
    const s = supporters[0]!;
    const sybil = newKey(); // a second node of the same party, same payout
    const viewerAsPayoutKey = payouts[0]!;
    const out = evaluateEpoch({
      ...base,
      registrations: [...base.registrations, registration(sybil, payouts[0]!.address)],
      heartbeats: [...base.heartbeats, ...heartbeats(sybil)],
      receipts: [
        receipt(s, sid(1), s, 1n, MB, START + 60n),
        receipt(sybil, sid(2), s, 1n, MB, START + 60n),
        receipt(viewerAsPayoutKey, sid(3), s, 1n, MB, START + 60n),
      ],
      grants: [grant(sid(1), s), grant(sid(2), sybil), grant(sid(3), viewerAsPayoutKey)],
    });
    for (const v of out.verdicts)
      expect(v).to.deep.include({ status: "flagged", reasons: ["SELF_DEALING"], countedBytes: 0n });
  });

  it("behavior: NODE_OFFLINE — receipts while the node's heartbeats stopped", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const out = evaluateEpoch({
      ...base,
      heartbeats: heartbeats(s, START, START + 600n), // offline after 10 minutes
      receipts: [
        receipt(viewer, sid(1), s, 1n, MB, START + 300n),
        receipt(viewer, sid(1), s, 2n, 2n * MB, START + 2000n),
      ],
      grants: [grant(sid(1), viewer)],
    });
    expect(out.verdicts[0]!.status).to.equal("accepted");
    expect(out.verdicts[1]).to.deep.include({ status: "flagged", reasons: ["NODE_OFFLINE"], countedBytes: 0n });
  });

  it("behavior: OUTLIER — a supporter far above the median is held for review; an admin can accept", () => {
    const { supporters, base } = world(6);
    const receipts: ReceiptSubmission[] = [];
    const grants: SignedSessionGrant[] = [];
    supporters.forEach((s, i) => {
      // five supporters each serve 5 sessions × 10 MB; the last serves 40 sessions × 3 GB
      const sessions = i === 5 ? 40 : 5;
      for (let k = 0; k < sessions; k++) {
        const viewer = newKey();
        const id = sid(1000 * i + k);
        grants.push(grant(id, viewer));
        receipts.push(receipt(viewer, id, s, 1n, i === 5 ? 3000n * MB : 10n * MB, START + 3500n));
      }
    });
    const out = evaluateEpoch({ ...base, receipts, grants });
    expect(out.outliers.flagged).to.deep.equal([supporters[5]!.address]);
    expect(out.outliers.medianBytes).to.equal(50n * MB);
    const big = out.verdicts.filter((v) => v.reasons.includes("OUTLIER"));
    expect(big).to.have.length(40);
    expect(big.every((v) => v.status === "flagged" && v.countedBytes === 0n)).to.equal(true);

    const accepted = evaluateEpoch({
      ...base,
      receipts,
      grants,
      overrides: [{ receiptId: big[0]!.id!, action: "accept", by: "admin@x", note: "verified CDN logs" }],
    });
    const v = accepted.verdicts[big[0]!.index]!;
    expect(v).to.deep.include({ status: "accepted", countedBytes: 3000n * MB });
    expect(v.reasons).to.deep.equal(["ADMIN_ACCEPTED"]);
    expect(v.override?.by).to.equal("admin@x");
  });

  it("behavior: admin overrides — reject excludes an accepted receipt; overrides never resurrect a rejected one", () => {
    const { supporters, base } = world(1);
    const viewer = newKey();
    const s = supporters[0]!;
    const good = receipt(viewer, sid(1), s, 1n, MB, START + 60n);
    const forged = receipt(viewer, sid(1), s, 2n, 9n * MB, START + 70n, { signer: newKey() });
    const out = evaluateEpoch({
      ...base,
      receipts: [good, forged],
      grants: [grant(sid(1), viewer)],
      overrides: [
        { receiptId: hashReceipt(domain, good.message), action: "reject", by: "a", note: "n" },
        { receiptId: hashReceipt(domain, good.message), action: "accept", by: "b", note: "n" },
        { receiptId: hashReceipt(domain, forged.message), action: "accept", by: "c", note: "n" },
      ],
    });
    expect(out.verdicts[0]).to.deep.include({ status: "flagged", reasons: ["ADMIN_REJECTED"], countedBytes: 0n });
    expect(out.verdicts[1]).to.deep.include({ status: "rejected", reasons: ["INVALID_SIGNATURE"], countedBytes: 0n });
    expect(out.verdicts[1]!.override).to.equal(undefined);
  });

  it("behavior: deterministic under input order — every receipt's verdict is the same after shuffling all inputs", () => {
    const { supporters, base } = world(3);
    const viewers = [newKey(), newKey()];
    const grants = [grant(sid(1), viewers[0]!), grant(sid(2), viewers[1]!)];
    const receipts: ReceiptSubmission[] = [];
    for (const [i, s] of supporters.entries())
      for (let seq = 1n; seq <= 4n; seq++) {
        const v = viewers[i % 2]!;
        receipts.push(receipt(v, sid((i % 2) + 1), s, seq, seq * 40n * MB + BigInt(i) * MB, START + seq * 30n));
      }
    receipts.push(receipts[3]!, receipt(viewers[0]!, sid(1), supporters[0]!, 9n, MB, START + 400n));
    const reference = evaluateEpoch({ ...base, receipts, grants });
    const key = (v: { id: Hex | null; status: string; countedBytes: bigint; reasons: string[] }) =>
      `${v.id}|${v.status}|${v.countedBytes}|${v.reasons.join(",")}`;
    const refSet = reference.verdicts.map(key).sort();
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: receipts.length, maxLength: receipts.length }), (seeds) => {
        const order = receipts.map((_, i) => i).sort((a, b) => seeds[a]! - seeds[b]! || a - b);
        const out = evaluateEpoch({
          ...base,
          receipts: order.map((i) => receipts[i]!),
          grants: [...grants].reverse(),
          heartbeats: [...base.heartbeats].reverse(),
          registrations: [...base.registrations].reverse(),
        });
        expect(out.verdicts.map(key).sort()).to.deep.equal(refSet);
        expect(out.checkpoints).to.deep.equal(reference.checkpoints);
      }),
      { numRuns: 25 },
    );
  });

  it("error: malformed receipts get a MALFORMED verdict instead of throwing", () => {
    const { base } = world(1);
    const bad = { message: { sessionId: "0x12" }, signature: "0x" } as unknown as ReceiptSubmission;
    const out = evaluateEpoch({ ...base, receipts: [bad], grants: [] });
    expect(out.verdicts[0]).to.deep.include({ status: "rejected", reasons: ["MALFORMED"], id: null, countedBytes: 0n });
  });
});
