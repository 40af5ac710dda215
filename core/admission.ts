import type { Address } from "./eip712/domain.ts";
import type { SessionGrant } from "./eip712/sessions.ts";
import { toLower } from "./lower.ts";
import type { Bytes } from "./units.ts";

/**
 * Admission — the fraud rules that depend only on facts known when a receipt arrives: is its
 * supporter registered for the receipt's epoch, does a session grant cover it, does it move its
 * (session, supporter) stream forward. One function per rule, called by the epoch close
 * (`evaluateEpoch`, core/fraud.ts) and by ingest (coordinator/services/ingest-receipts.ts,
 * coordinator/lib/receipt-heads.ts), so what ingest acknowledges with `countedBytes > 0` is what the
 * close counts — unless a rule that needs the whole epoch (self-dealing, offline, bitrate over
 * the session, outlier) fires later, and the close's verdict then names it.
 *
 * Pure: no I/O, no clock.
 */

/**
 * Whether a supporter registration effective from `effectiveEpoch` covers `epoch`. A node is
 * registered for an epoch iff one of its valid registrations is (so its earliest decides).
 *
 * @example
 * isRegistrationEffective(12n, 12n); // true
 * isRegistrationEffective(17n, 12n); // false: UNREGISTERED at epoch 12
 */
export function isRegistrationEffective(effectiveEpoch: bigint, epoch: bigint): boolean {
  return effectiveEpoch <= epoch;
}

/** A verified, coordinator-signed grant of a receipt's session, with its EIP-712 digest (the tie-break). */
export type GrantCandidate = { grant: SessionGrant; digest: string };

export type SelectGrantReturnType =
  { grant: SessionGrant; reason: null } | { grant: undefined; reason: "NO_GRANT" | "GRANT_EXPIRED" };

/**
 * The grant a receipt counts under: of the session's grants to the receipt's viewer key, those
 * whose `[notBefore, notAfter]` covers its timestamp, the lowest `(maxBitsPerSecond, digest)`.
 * `NO_GRANT` when none names the viewer key, `GRANT_EXPIRED` when none covers the timestamp.
 *
 * @example
 * selectGrant(grantsOfSession, receipt.viewer, receipt.timestamp); // { grant, reason: null }
 */
export function selectGrant(
  candidates: readonly GrantCandidate[] | undefined,
  viewer: Address,
  timestamp: bigint,
): SelectGrantReturnType {
  const key = toLower(viewer);
  let granted = false;
  let best: GrantCandidate | undefined;
  for (const g of candidates ?? []) {
    if (toLower(g.grant.viewer) !== key) continue;
    granted = true;
    if (g.grant.notBefore > timestamp || timestamp > g.grant.notAfter) continue;
    if (
      best === undefined ||
      g.grant.maxBitsPerSecond < best.grant.maxBitsPerSecond ||
      (g.grant.maxBitsPerSecond === best.grant.maxBitsPerSecond && g.digest < best.digest)
    )
      best = g;
  }
  if (best !== undefined) return { grant: best.grant, reason: null };
  return { grant: undefined, reason: granted ? "GRANT_EXPIRED" : "NO_GRANT" };
}

/**
 * Where a (session, supporter) stream stands: the last receipt that moved it forward (its seq,
 * cumulative bytes and timestamp). Before the first: `STREAM_START`.
 */
export type StreamMark = { seq: bigint; cumulativeBytes: Bytes; timestamp: bigint };

export const STREAM_START: StreamMark = Object.freeze({ seq: -1n, cumulativeBytes: 0n, timestamp: -1n });

/** The position fields of a receipt. */
export type StreamPosition = { seq: bigint; cumulativeBytes: Bytes; timestamp: bigint };

/**
 * - `forward`: seq above the mark's, cumulative bytes and timestamp not below: claims
 *   `cumulativeBytes − mark.cumulativeBytes` (possibly 0) and becomes the new mark;
 * - `replay`: seq at or below the mark's (a re-send, or a reused seq);
 * - `backwards`: a newer seq whose cumulative bytes or timestamp went backwards.
 *
 * `replay` and `backwards` are `NON_MONOTONIC` at close and never move the mark.
 */
export type StreamStep = "forward" | "replay" | "backwards";

/**
 * Rule 3, monotonicity: how a receipt relates to its stream's mark.
 *
 * @example
 * streamStep(STREAM_START, { seq: 0n, cumulativeBytes: 500n, timestamp: 10n }); // "forward"
 * streamStep({ seq: 4n, cumulativeBytes: 900n, timestamp: 50n }, { seq: 5n, cumulativeBytes: 800n, timestamp: 60n }); // "backwards"
 */
export function streamStep(mark: StreamMark, r: StreamPosition): StreamStep {
  if (r.seq <= mark.seq) return "replay";
  if (r.cumulativeBytes < mark.cumulativeBytes || r.timestamp < mark.timestamp) return "backwards";
  return "forward";
}

/**
 * What ingest keeps per (session, supporter): the stream's mark (as the close will see it) and
 * the highest seq it stored (`storedSeq ≥ mark.seq`: a `backwards` receipt is stored for review
 * without moving the mark). `markEpoch` is the coordinator epoch of the mark's timestamp
 * (`-1n` before the first receipt).
 */
export type IngestHead = { storedSeq: bigint; mark: StreamMark; markEpoch: bigint };

export const INGEST_HEAD_START: IngestHead = Object.freeze({ storedSeq: -1n, mark: STREAM_START, markEpoch: -1n });

export type AdmitToStreamReturnType =
  /** Store it; it counts `claimedBytes` (what the close counts unless a later rule fires). */
  | { decision: "counts"; claimedBytes: Bytes; head: IngestHead }
  /** Not stored: nothing new (the same or a lower seq than one already stored). */
  | { decision: "replay"; head: IngestHead }
  /** Stored for review, nothing counted: the close flags it `NON_MONOTONIC` too. */
  | { decision: "backwards"; head: IngestHead }
  /**
   * Not stored: it went backwards into an epoch before the mark's. The close evaluates epochs
   * in order, so it would see this receipt before the mark and could count it — refusing it
   * keeps what ingest said and what the close counts the same.
   */
  | { decision: "refused"; head: IngestHead };

/**
 * Ingest's monotonicity decision, built on `streamStep`: a receipt ingest stores is judged by
 * the close exactly as here. Why: ingest stores a stream's receipts in strictly increasing seq
 * and never stores one into an epoch before its mark's, so the close (each epoch in seq order,
 * from the previous epoch's checkpoint) meets every forward receipt after the same marks as
 * ingest did; a receipt stored as `backwards` stays backwards against any later mark.
 *
 * @example
 * const step = admitToStream(head, receipt, epochOfReceipt);
 * if (step.decision === "counts") store(receipt, step.claimedBytes);
 */
export function admitToStream(head: IngestHead, r: StreamPosition, epoch: bigint): AdmitToStreamReturnType {
  if (r.seq <= head.storedSeq) return { decision: "replay", head };
  // seq > storedSeq ≥ mark.seq: judged against the mark, as the close will
  const step = streamStep(head.mark, r);
  if (step === "forward")
    return {
      decision: "counts",
      claimedBytes: r.cumulativeBytes - head.mark.cumulativeBytes,
      head: {
        storedSeq: r.seq,
        mark: { seq: r.seq, cumulativeBytes: r.cumulativeBytes, timestamp: r.timestamp },
        markEpoch: epoch,
      },
    };
  if (epoch < head.markEpoch) return { decision: "refused", head };
  return { decision: "backwards", head: { ...head, storedSeq: r.seq } };
}
