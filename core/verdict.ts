import type { Address, Hex } from "./eip712.ts";
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
