/**
 * The `grants` table's columns as every room reads them: takes a raw row (bytea as bytes) and
 * hands on core's signed session grant. The SQL stays in each room's repository.
 */
import { bytesToHex } from "../../core/hex.ts";
import type { SignedSessionGrant } from "../../core/eip712/sessions.ts";

/** The signed grant's columns (the coordinator also stores `issued_by`). */
export type GrantColumns = {
  session_id: Uint8Array;
  viewer: Uint8Array;
  stream_id: Uint8Array;
  max_bits_per_second: bigint;
  not_before: bigint;
  not_after: bigint;
  signature: Uint8Array;
};

/** A stored grant as core's `SignedSessionGrant` (the message and its signature). */
export function signedGrantOfColumns(r: GrantColumns): SignedSessionGrant {
  return {
    message: {
      sessionId: bytesToHex(r.session_id),
      viewer: bytesToHex(r.viewer),
      streamId: bytesToHex(r.stream_id),
      maxBitsPerSecond: r.max_bits_per_second,
      notBefore: r.not_before,
      notAfter: r.not_after,
    },
    signature: bytesToHex(r.signature),
  };
}
