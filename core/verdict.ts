import type { Address } from "./eip712/domain.ts";
import type { Hex } from "./hex.ts";
import type { Bytes } from "./units.ts";

/**
 * Verdicts of the fraud rules (`core/fraud.ts`): every receipt of an epoch gets exactly one,
 * with stable reason codes that supporters, admins and auditors see. Verdicts are data — an
 * invalid receipt is never an exception and never silently dropped.
 */

/**
 * - `accepted`: counted in full.
 * - `clipped`: counted, but less than claimed (`countedBytes < claimedBytes`).
 * - `flagged`: stored for review and excluded (`countedBytes = 0n`) unless an admin accepts it.
 * - `rejected`: not authentic or not authorized; never counted, cannot be overridden.
 * - `duplicate`: the same receipt (same id) was already counted; idempotent re-send.
 */
export type VerdictStatus = "accepted" | "clipped" | "flagged" | "rejected" | "duplicate";

/** The stable reason codes, with the status each implies and a message a person can act on. */
export const REASONS = {
  MALFORMED: { status: "rejected", message: "The receipt is malformed (a field is missing or out of range)." },
  WRONG_DOMAIN: {
    status: "rejected",
    message: "The receipt was signed for another chain or distributor contract (EIP-712 domain).",
  },
  INVALID_SIGNATURE: {
    status: "rejected",
    message: "The signature is malformed, malleable (high s) or not by the receipt's viewer key.",
  },
  NO_GRANT: { status: "rejected", message: "No valid coordinator session grant covers this session and viewer key." },
  GRANT_EXPIRED: {
    status: "rejected",
    message: "The receipt's timestamp is outside its session grant's validity window.",
  },
  OUT_OF_EPOCH: { status: "rejected", message: "The receipt's timestamp is outside the epoch." },
  UNREGISTERED: { status: "rejected", message: "The supporter node has no valid registration for this epoch." },
  DUPLICATE: { status: "duplicate", message: "This exact receipt was already counted; re-sending is idempotent." },
  NON_MONOTONIC: {
    status: "flagged",
    message:
      "Cumulative bytes, sequence number or timestamp went backwards (or a sequence number was reused with other content) for this session and supporter.",
  },
  SELF_DEALING: {
    status: "flagged",
    message: "The viewer key and the supporter appear to be controlled by one party.",
  },
  NODE_OFFLINE: { status: "flagged", message: "The node's heartbeats say it was offline when this receipt was made." },
  OUTLIER: {
    status: "flagged",
    message: "The supporter's bytes this epoch are far above the epoch's median; held for review.",
  },
  BITRATE_EXCEEDED: {
    status: "clipped",
    message:
      "More bytes than the stream's bitrate allows over the elapsed time (all supporters of the session); clipped.",
  },
  ADMIN_ACCEPTED: { status: "accepted", message: "An admin reviewed the receipt and accepted it in full." },
  ADMIN_REJECTED: { status: "flagged", message: "An admin reviewed the receipt and excluded it." },
} as const satisfies Record<string, { status: VerdictStatus; message: string }>;

export type ReasonCode = keyof typeof REASONS;

/**
 * Reason codes answered at ingest, with messages a supporter can act on. Codes shared with
 * the fraud rules reuse `REASONS`' messages; the rest are ingest-only.
 */
export const INGEST_REASONS = {
  MALFORMED: REASONS.MALFORMED.message,
  WRONG_DOMAIN: REASONS.WRONG_DOMAIN.message,
  INVALID_SIGNATURE:
    "The signature is malformed or not by the message's signer (viewer key for receipts, node key for heartbeats).",
  MALLEABLE_SIGNATURE: "The signature has a high s value (the malleable twin of a valid signature); sign with low s.",
  NO_GRANT: REASONS.NO_GRANT.message,
  GRANT_EXPIRED: REASONS.GRANT_EXPIRED.message,
  UNREGISTERED: "The supporter node is not registered: POST /v1/supporters first.",
  EPOCH_CLOSED: "The epoch of this timestamp is closed; late items are no longer accepted.",
  TIMESTAMP_IN_FUTURE: "The timestamp is ahead of the coordinator's clock by more than the allowed skew.",
  BEFORE_GENESIS: "The timestamp is before the first epoch.",
  TIMESTAMP_TOO_OLD: "The timestamp is more than 7 days old; items that late are not accepted.",
  DUPLICATE: "Already counted (same or lower sequence number): re-sending is idempotent and nothing changed.",
  NON_MONOTONIC:
    "Nothing counted: cumulative bytes or the timestamp went backwards against an earlier receipt of this session and supporter (it is stored for review, as the epoch close flags it, unless it reaches back into an earlier epoch).",
} as const;

export type IngestReason = keyof typeof INGEST_REASONS;

/** What a verify error from core means for the client. */
export function signatureReason(error: string | undefined): IngestReason {
  if (error === "HIGH_S") return "MALLEABLE_SIGNATURE";
  if (error === "MALFORMED_MESSAGE") return "MALFORMED";
  return "INVALID_SIGNATURE";
}

/** An admin's decision on one receipt (by id); itself audited, so it carries who and why. */
export type Override = {
  /** The receipt id (its EIP-712 digest, `hashReceipt`). */
  receiptId: Hex;
  /** `accept`: count the claimed increase in full; `reject`: exclude it. */
  action: "accept" | "reject";
  /** Who decided (an admin address or name). */
  by: string;
  note: string;
};

export type ReceiptVerdict = {
  /** Index of the receipt in the input array. */
  index: number;
  /** The receipt's EIP-712 digest (`hashReceipt`), or `null` when it is malformed. */
  id: Hex | null;
  status: VerdictStatus;
  /** Every rule that fired, in a fixed order (the order of `REASONS`); empty when accepted. */
  reasons: ReasonCode[];
  /** The increase over the previous receipt of the same (session, supporter): what it claims. */
  claimedBytes: Bytes;
  /** What counts towards earnings: `0n` unless accepted or clipped. */
  countedBytes: Bytes;
  /** The admin override applied, if any (ignored on `rejected` and `duplicate`). */
  override?: Override;
};

/**
 * Where a (session, supporter) stream stands at the end of an epoch: carried into the next
 * epoch so cumulative receipts keep counting only their increase.
 */
export type StreamCheckpoint = {
  sessionId: Hex;
  supporter: Address;
  /** The highest cumulative bytes of an authentic, monotonic receipt so far. */
  cumulativeBytes: Bytes;
  /** Bytes counted for this stream in all epochs so far (for the session's bitrate budget). */
  countedBytes: Bytes;
  seq: bigint;
  timestamp: bigint;
};

/**
 * Whether an admin's flag override can change a receipt given `code`: core/fraud/verdicts.ts
 * applies overrides to every receipt but the rejected and the duplicate ones.
 */
export function overridable(code: ReasonCode): boolean {
  const status: VerdictStatus = REASONS[code].status;
  return status !== "rejected" && status !== "duplicate";
}
