import { REASONS } from "../../core/verdict.ts";

/**
 * Reason codes answered at ingest, with messages a supporter can act on. Codes shared with
 * the fraud rules reuse core's (`core/verdict.ts`); the rest are ingest-only.
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
