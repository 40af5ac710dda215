/**
 * The viewer's receipts and the node's heartbeats (EIP-712): their TypeScript message types,
 * signed forms and viem/ethers `types` objects, handed on to messages.ts and hash.ts.
 */
import type { Hex } from "../hex.ts";
import type { Bytes } from "../units.ts";
import type { Address, Signed } from "./domain.ts";

/**
 * Signed by the viewer's session key, submitted by the supporter. Cumulative and monotonic per
 * (sessionId, supporter): only the increase over the previous receipt counts.
 */
export type Receipt = {
  sessionId: Hex;
  /** The supporter's node address. */
  supporter: Address;
  /** The viewer's session key (must match the grant). */
  viewer: Address;
  seq: bigint;
  /** Bytes served in this session by this supporter since the session started. */
  cumulativeBytes: Bytes;
  /** Unix seconds. */
  timestamp: bigint;
};

/** Signed by the node key; heartbeats give uptime and the offline rule. */
export type Heartbeat = {
  node: Address;
  /** Unix seconds. */
  timestamp: bigint;
};

export type SignedReceipt = Signed<Receipt>;
export type SignedHeartbeat = Signed<Heartbeat>;

export const receiptTypes = {
  Receipt: [
    { name: "sessionId", type: "bytes32" },
    { name: "supporter", type: "address" },
    { name: "viewer", type: "address" },
    { name: "seq", type: "uint64" },
    { name: "cumulativeBytes", type: "uint256" },
    { name: "timestamp", type: "uint64" },
  ],
} as const;

export const heartbeatTypes = {
  Heartbeat: [
    { name: "node", type: "address" },
    { name: "timestamp", type: "uint64" },
  ],
} as const;
