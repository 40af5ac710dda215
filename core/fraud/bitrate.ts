/**
 * Rule 6, `BITRATE_EXCEEDED` (→ `clipped`): per session, over all its supporters, counted bytes
 * never exceed the grant's bitrate over the elapsed time. Takes the unique receipts (rules 3–5
 * applied) and the carried-in checkpoints; sets each eligible receipt's `countedBytes`. Pure.
 */
import { BPS_DENOMINATOR, type Bytes } from "../units.ts";
import { toLower } from "../lower.ts";
import type { StreamCheckpoint } from "../verdict.ts";
import { cmpBig, cmpStr, R, type FraudRules, type Work } from "./work.ts";

/**
 * In (timestamp, supporter, seq, id) order each receipt counts what is left of
 * `maxBitsPerSecond × (t − notBefore + bitrateBurstSeconds) / 8 × bitrateToleranceBps / 10 000`
 * (minus bytes counted for the session in earlier epochs). Admin-accepted receipts count their
 * claimed increase in full, before the budget is shared out; admin-rejected, self-dealing and
 * offline ones take no part.
 */
export function applyBitrate(
  unique: readonly Work[],
  checkpointIn: Iterable<StreamCheckpoint>,
  rules: Pick<FraudRules, "bitrateBurstSeconds" | "bitrateToleranceBps">,
): void {
  const priorBySession = new Map<string, Bytes>();
  for (const c of checkpointIn) {
    const s = toLower(c.sessionId);
    priorBySession.set(s, (priorBySession.get(s) ?? 0n) + c.countedBytes);
  }
  const bySession = new Map<string, Work[]>();
  for (const w of unique) {
    if (!w.monotonic || w.override?.action === "reject") continue;
    if (w.override?.action !== "accept" && ((w.reasons & R.SELF_DEALING) !== 0 || (w.reasons & R.NODE_OFFLINE) !== 0))
      continue;
    let list = bySession.get(w.session);
    if (!list) bySession.set(w.session, (list = []));
    list.push(w);
  }
  for (const [session, list] of bySession) {
    list.sort(
      (a, b) =>
        cmpBig(a.receipt.timestamp, b.receipt.timestamp) ||
        cmpStr(a.supporter, b.supporter) ||
        cmpBig(a.receipt.seq, b.receipt.seq) ||
        cmpStr(a.id!, b.id!),
    );
    let counted = priorBySession.get(session) ?? 0n;
    for (const w of list) {
      if (w.override?.action === "accept") {
        w.countedBytes = w.claimedBytes;
        counted += w.claimedBytes;
        continue;
      }
      const g = w.grant!;
      const allowance = allowanceBytes(g.maxBitsPerSecond, g.notBefore, w.receipt.timestamp, rules);
      const room = allowance > counted ? allowance - counted : 0n;
      w.countedBytes = w.claimedBytes < room ? w.claimedBytes : room;
      if (w.countedBytes < w.claimedBytes) w.reasons |= R.BITRATE_EXCEEDED;
      counted += w.countedBytes;
    }
  }
}

/**
 * What a session may have counted by time `t`, over all its supporters (the rule's budget):
 * `maxBitsPerSecond × (t − notBefore + bitrateBurstSeconds) / 8 × bitrateToleranceBps / 10 000`,
 * floored; never negative. Non-decreasing in `t`. The live accrual (core/accrual.ts) bounds what
 * this rule can still clip with it.
 */
export function allowanceBytes(
  maxBitsPerSecond: bigint,
  notBefore: bigint,
  t: bigint,
  rules: Pick<FraudRules, "bitrateBurstSeconds" | "bitrateToleranceBps">,
): Bytes {
  const elapsed = t - notBefore + rules.bitrateBurstSeconds;
  return (maxBitsPerSecond * (elapsed > 0n ? elapsed : 0n) * rules.bitrateToleranceBps) / (8n * BPS_DENOMINATOR);
}
