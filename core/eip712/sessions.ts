/**
 * Session grants (coordinator → viewer key) and supporter registrations (node → payout address)
 * (EIP-712): their TypeScript message types, signed forms and viem/ethers `types` objects,
 * handed on to messages.ts and hash.ts.
 */
import type { Hex } from "../hex.ts";
import type { Address, Signed } from "./domain.ts";

/**
 * Signed by the coordinator when a viewer starts watching: makes the viewer's ephemeral
 * session key legitimate for one session of one stream, within a time window.
 */
export type SessionGrant = {
  sessionId: Hex;
  /** The viewer's ephemeral session key (it signs the receipts). */
  viewer: Address;
  streamId: Hex;
  /** The stream's bitrate cap, bits per second (the bitrate fraud rule). */
  maxBitsPerSecond: bigint;
  /** Unix seconds, inclusive. */
  notBefore: bigint;
  /** Unix seconds, inclusive. */
  notAfter: bigint;
};

/** Signed by the node key: binds the node to a payout address from an epoch on. */
export type SupporterRegistration = {
  node: Address;
  payout: Address;
  effectiveEpoch: bigint;
  /** Later registrations (higher nonce) for the same effective epoch win. */
  nonce: bigint;
};

export type SignedSessionGrant = Signed<SessionGrant>;
export type SignedSupporterRegistration = Signed<SupporterRegistration>;

export const sessionGrantTypes = {
  SessionGrant: [
    { name: "sessionId", type: "bytes32" },
    { name: "viewer", type: "address" },
    { name: "streamId", type: "bytes32" },
    { name: "maxBitsPerSecond", type: "uint64" },
    { name: "notBefore", type: "uint64" },
    { name: "notAfter", type: "uint64" },
  ],
} as const;

export const supporterRegistrationTypes = {
  SupporterRegistration: [
    { name: "node", type: "address" },
    { name: "payout", type: "address" },
    { name: "effectiveEpoch", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
} as const;
