/**
 * Rules 2 and 3 over the authentic receipts: `DUPLICATE` (the same receipt id again) and
 * `NON_MONOTONIC` (→ `flagged`) per (session, supporter) stream from the carried-in checkpoint.
 * Takes the `Work` records and checkpoints; hands on the unique receipts, each monotonic one
 * with its claimed increase, and the checkpoints out. Pure.
 */
import type { Hex } from "../hex.ts";
import { STREAM_START, streamStep } from "../admission.ts";
import { toLower } from "../lower.ts";
import type { StreamCheckpoint } from "../verdict.ts";
import { cmpBig, cmpStr, isRejected, R, type Work } from "./work.ts";

const precedes = (a: Work, b: Work) =>
  cmpStr(a.signature, b.signature) < 0 || (a.signature === b.signature && a.index < b.index);

/**
 * Rule 2. One pass with a map by id (no sort of every receipt): of the receipts sharing an id,
 * the lowest in (signature, index) order stands. Every later rule orders what it reads itself,
 * so the order of the result is immaterial.
 */
export function markDuplicates(work: readonly Work[]): Work[] {
  const standing = new Map<Hex, Work>();
  for (const w of work) {
    if (isRejected(w)) continue;
    const cur = standing.get(w.id!);
    if (cur === undefined) standing.set(w.id!, w);
    else if (precedes(w, cur)) {
      cur.reasons |= R.DUPLICATE;
      standing.set(w.id!, w);
    } else w.reasons |= R.DUPLICATE;
  }
  const unique: Work[] = [...standing.values()];
  standing.clear();
  return unique;
}

export const streamKey = (session: string, supporter: string) => `${session}|${supporter}`;

/**
 * Rule 3. Per (session, supporter), in (seq, timestamp, bytes, id) order from the carried-in
 * checkpoint; sets `monotonic`, `claimedBytes` and `stream` on each receipt. Returns the
 * checkpoints in (by stream key) and out (every stream, its `countedBytes` still the prior).
 */
export function checkStreams(
  unique: readonly Work[],
  checkpoints: readonly StreamCheckpoint[],
): { checkpointIn: Map<string, StreamCheckpoint>; checkpointsOut: Map<string, StreamCheckpoint> } {
  const checkpointIn = new Map<string, StreamCheckpoint>();
  for (const c of checkpoints) checkpointIn.set(streamKey(toLower(c.sessionId), toLower(c.supporter)), c);
  // streams by session, then supporter: the receipts' own (shared) strings are the keys, so no
  // key string is built per receipt
  const streams = new Map<string, Map<string, Work[]>>();
  for (const w of unique) {
    let bySupporter = streams.get(w.session);
    if (!bySupporter) streams.set(w.session, (bySupporter = new Map<string, Work[]>()));
    let list = bySupporter.get(w.supporter);
    if (!list) bySupporter.set(w.supporter, (list = []));
    list.push(w);
  }
  const checkpointsOut = new Map<string, StreamCheckpoint>();
  for (const [key, c] of checkpointIn) checkpointsOut.set(key, { ...c });
  for (const list of [...streams.values()].flatMap((m) => [...m.values()])) {
    const key = streamKey(list[0]!.session, list[0]!.supporter);
    list.sort(
      (a, b) =>
        cmpBig(a.receipt.seq, b.receipt.seq) ||
        cmpBig(a.receipt.timestamp, b.receipt.timestamp) ||
        cmpBig(a.receipt.cumulativeBytes, b.receipt.cumulativeBytes) ||
        cmpStr(a.id!, b.id!),
    );
    const prev = checkpointIn.get(key);
    // the stream's mark, moved by each forward receipt (core/admission.ts: ingest decides the same)
    const mark = prev
      ? { seq: prev.seq, cumulativeBytes: prev.cumulativeBytes, timestamp: prev.timestamp }
      : { ...STREAM_START };
    for (const w of list) {
      const r = w.receipt;
      if (streamStep(mark, r) !== "forward") {
        w.reasons |= R.NON_MONOTONIC;
        continue;
      }
      w.monotonic = true;
      w.claimedBytes = r.cumulativeBytes - mark.cumulativeBytes;
      mark.seq = r.seq;
      mark.cumulativeBytes = r.cumulativeBytes;
      mark.timestamp = r.timestamp;
    }
    const first = list[0]!;
    const out: StreamCheckpoint = {
      sessionId: toLower(first.receipt.sessionId) as Hex,
      supporter: first.supporter,
      cumulativeBytes: mark.cumulativeBytes,
      countedBytes: prev?.countedBytes ?? 0n,
      seq: mark.seq,
      timestamp: mark.timestamp,
    };
    checkpointsOut.set(key, out);
    for (const w of list) w.stream = out;
  }
  return { checkpointIn, checkpointsOut };
}
