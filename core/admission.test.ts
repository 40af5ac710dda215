import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import {
  admitToStream,
  INGEST_HEAD_START,
  isRegistrationEffective,
  selectGrant,
  STREAM_START,
  streamStep,
  type IngestHead,
} from "./admission.ts";
import type { Address, RewardsDomain } from "./eip712/domain.ts";
import type { Receipt, SignedReceipt } from "./eip712/receipts.ts";
import type { SessionGrant } from "./eip712/sessions.ts";
import type { Hex } from "./hex.ts";
import { evaluateEpoch } from "./fraud.ts";
import { privateKeyToAddress, signTypedMessage } from "./sign.ts";
import type { StreamCheckpoint } from "./verdict.ts";

const domain: RewardsDomain = { chainId: 8453, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const key = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const coordinatorKey = key(0xc0);
const viewerKey = key(0x71);
const nodeKey = key(0x90);
const viewer = privateKeyToAddress(viewerKey);
const node = privateKeyToAddress(nodeKey);
const payout = privateKeyToAddress(key(0x91));
const SESSION: Hex = `0x${"ab".repeat(32)}`;
const START = 1_700_000_000n;
const EPOCH = 100n;

describe("admission rules (core/admission.ts)", () => {
  it("default: a registration covers its effective epoch and later ones, not earlier", () => {
    expect([
      isRegistrationEffective(5n, 4n),
      isRegistrationEffective(5n, 5n),
      isRegistrationEffective(5n, 9n),
    ]).to.deep.equal([false, true, true]);
  });

  it("behavior: selectGrant — NO_GRANT for another viewer key, GRANT_EXPIRED outside the window, else the lowest bitrate", () => {
    const g = (maxBitsPerSecond: bigint, notBefore: bigint, notAfter: bigint): SessionGrant => ({
      sessionId: SESSION,
      viewer,
      streamId: SESSION,
      maxBitsPerSecond,
      notBefore,
      notAfter,
    });
    const wide = { grant: g(9n, 0n, 100n), digest: "0x02" };
    const narrow = { grant: g(5n, 50n, 60n), digest: "0x01" };
    expect(selectGrant([], viewer, 10n).reason).to.equal("NO_GRANT");
    expect(selectGrant([wide], node, 10n).reason).to.equal("NO_GRANT");
    expect(selectGrant([wide], viewer, 101n).reason).to.equal("GRANT_EXPIRED");
    expect(selectGrant([wide, narrow], viewer.toUpperCase().replace("0X", "0x") as Address, 55n).grant).to.equal(
      narrow.grant,
    );
    expect(selectGrant([wide, narrow], viewer, 10n).grant).to.equal(wide.grant);
  });

  it("behavior: streamStep — replay at or below the mark's seq, backwards when bytes or time decrease", () => {
    const mark = { seq: 4n, cumulativeBytes: 900n, timestamp: 50n };
    expect(streamStep(STREAM_START, { seq: 0n, cumulativeBytes: 0n, timestamp: 0n })).to.equal("forward");
    expect(streamStep(mark, { seq: 4n, cumulativeBytes: 1_000n, timestamp: 60n })).to.equal("replay");
    expect(streamStep(mark, { seq: 5n, cumulativeBytes: 899n, timestamp: 60n })).to.equal("backwards");
    expect(streamStep(mark, { seq: 5n, cumulativeBytes: 900n, timestamp: 49n })).to.equal("backwards");
    expect(streamStep(mark, { seq: 5n, cumulativeBytes: 900n, timestamp: 50n })).to.equal("forward");
  });

  /**
   * The claim behind part 7 of issue 14: receipts arriving in any order, over three epochs,
   * judged by ingest (`admitToStream`, in arrival order) and then by the real epoch close
   * (`evaluateEpoch`, one epoch after the other with its checkpoints, signatures verified): every
   * receipt ingest counts is counted by the close with the same claimed bytes, every receipt it
   * stores as backwards is NON_MONOTONIC at close, and the totals agree.
   */
  it("property: what admitToStream counts, evaluateEpoch counts (same claimed bytes), over epochs and any arrival order", () => {
    const grant = {
      message: {
        sessionId: SESSION,
        viewer,
        streamId: SESSION,
        maxBitsPerSecond: 10n ** 15n,
        notBefore: START,
        notAfter: START + 3n * EPOCH,
      },
      signature: "0x" as Hex,
    };
    grant.signature = signTypedMessage({
      domain,
      primaryType: "SessionGrant",
      message: grant.message,
      privateKey: coordinatorKey,
    });
    const regMessage = { node, payout, effectiveEpoch: 0n, nonce: 0n };
    const registration = {
      message: regMessage,
      signature: signTypedMessage({
        domain,
        primaryType: "SupporterRegistration",
        message: regMessage,
        privateKey: nodeKey,
      }),
    };
    const receiptArb = fc.record({
      seq: fc.bigInt({ min: 0n, max: 9n }),
      cumulativeBytes: fc.bigInt({ min: 0n, max: 50n }),
      offset: fc.bigInt({ min: 0n, max: 3n * EPOCH - 1n }),
    });
    fc.assert(
      fc.property(fc.array(receiptArb, { minLength: 1, maxLength: 14 }), (arrivals) => {
        // ingest, in arrival order
        let head: IngestHead = INGEST_HEAD_START;
        const stored: { receipt: SignedReceipt; epoch: bigint; counts: boolean; claimed: bigint }[] = [];
        for (const a of arrivals) {
          const timestamp = START + a.offset;
          const epoch = a.offset / EPOCH;
          const message: Receipt = {
            sessionId: SESSION,
            supporter: node,
            viewer,
            seq: a.seq,
            cumulativeBytes: a.cumulativeBytes,
            timestamp,
          };
          const step = admitToStream(head, message, epoch);
          head = step.head;
          if (step.decision !== "counts" && step.decision !== "backwards") continue;
          stored.push({
            receipt: {
              message,
              signature: signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: viewerKey }),
            },
            epoch,
            counts: step.decision === "counts",
            claimed: step.decision === "counts" ? step.claimedBytes : 0n,
          });
        }
        // the close, epoch by epoch
        let checkpoints: StreamCheckpoint[] = [];
        let ingestTotal = 0n;
        let closeTotal = 0n;
        for (let e = 0n; e < 3n; e++) {
          const ofEpoch = stored.filter((s) => s.epoch === e);
          const out = evaluateEpoch({
            domain,
            epoch: e,
            epochStart: START + e * EPOCH,
            epochEnd: START + (e + 1n) * EPOCH,
            coordinator: privateKeyToAddress(coordinatorKey),
            receipts: ofEpoch.map((s) => s.receipt),
            grants: [grant],
            registrations: [registration],
            heartbeats: [],
            checkpoints,
          });
          checkpoints = out.checkpoints;
          out.verdicts.forEach((v, i) => {
            const s = ofEpoch[i]!;
            expect(v.status, JSON.stringify(v.reasons)).to.not.equal("rejected");
            expect(v.reasons.includes("NON_MONOTONIC")).to.equal(!s.counts);
            expect(v.claimedBytes).to.equal(s.claimed);
            ingestTotal += s.claimed;
            closeTotal += v.claimedBytes;
          });
        }
        expect(closeTotal).to.equal(ingestTotal);
        expect(ingestTotal).to.equal(head.mark.cumulativeBytes);
      }),
      { numRuns: 60 },
    );
  });
});
