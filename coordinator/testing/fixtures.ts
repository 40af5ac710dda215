/**
 * Test fixtures for the coordinator API: a migrated database per backend, an app with a
 * fixed clock, keys, and signed messages made with core's signer.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { Receipt } from "../../core/eip712/receipts.ts";
import type { Hex } from "../../core/hex.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";
import type { VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { buildApp, type BuildAppOptions } from "../../server/app.ts";

export const ADMIN_KEY = "test-admin-key-0123456789abcdefghijklmnop";
export const CHAIN_ID = 31_337;
export const DISTRIBUTOR = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Address;
export const DOMAIN: RewardsDomain = { chainId: CHAIN_ID, verifyingContract: DISTRIBUTOR };
/** A fixed "now": 2026-01-10T12:00:00Z, in epoch 20 463 of one-day epochs from 1970. */
export const NOW_MS = Date.UTC(2026, 0, 10, 12);
export const NOW_S = BigInt(NOW_MS / 1000);
export const EPOCH_SECONDS = 86_400;
export const CURRENT_EPOCH = Math.floor(NOW_MS / 1000 / EPOCH_SECONDS);

export type Key = { privateKey: Hex; address: Address };
export function newKey(): Key {
  const privateKey: Hex = `0x${randomBytes(32).toString("hex")}`;
  return { privateKey, address: privateKeyToAddress(privateKey) };
}
export const randomHex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;

export async function makeApp(
  db: Db,
  pool: VerifyPool,
  extra: Partial<BuildAppOptions> = {},
): Promise<FastifyInstance> {
  return buildApp({
    db,
    chainId: CHAIN_ID,
    distributorAddress: DISTRIBUTOR,
    adminApiKey: ADMIN_KEY,
    epochClock: { epochSeconds: EPOCH_SECONDS, genesis: 0 },
    verifyPool: pool,
    now: () => NOW_MS,
    rateLimitPerMinute: 1_000_000,
    ...extra,
  });
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };

/** Registers a node (signed by its key) and returns the response. */
export async function register(
  app: FastifyInstance,
  node: Key,
  payout: Address,
  effectiveEpoch = CURRENT_EPOCH,
  nonce = 1n,
  domain: RewardsDomain = DOMAIN,
) {
  const message = { node: node.address, payout, effectiveEpoch: BigInt(effectiveEpoch), nonce };
  const signature = signTypedMessage({
    domain,
    primaryType: "SupporterRegistration",
    message,
    privateKey: node.privateKey,
  });
  return app.inject({
    method: "POST",
    url: "/v1/supporters",
    payload: { node: node.address, payout, effectiveEpoch, nonce: nonce.toString(), signature },
  });
}

/** Issues a grant for `viewer` through the API (admin key) and returns its session id. */
export async function grant(
  app: FastifyInstance,
  viewer: Address,
  window: { notBefore?: bigint; notAfter?: bigint } = {},
): Promise<Hex> {
  const res = await app.inject({
    method: "POST",
    url: "/v1/sessions",
    headers: adminHeaders,
    payload: {
      viewer,
      streamId: randomHex32(),
      maxBitsPerSecond: 8_000_000,
      notBefore: (window.notBefore ?? NOW_S - 3600n).toString(),
      notAfter: (window.notAfter ?? NOW_S + 3600n).toString(),
    },
  });
  if (res.statusCode !== 201) throw new Error(`grant failed: ${res.statusCode} ${res.body}`);
  return res.json<{ grant: { sessionId: Hex } }>().grant.sessionId;
}

export type WireReceipt = {
  sessionId: Hex;
  supporter: Address;
  viewer: Address;
  seq: string;
  cumulativeBytes: string;
  timestamp: string;
  signature: Hex;
};

/** A receipt signed by the viewer key, in wire form. */
export function signedReceipt(
  viewer: Key,
  r: { sessionId: Hex; supporter: Address; seq: bigint; cumulativeBytes: bigint; timestamp?: bigint },
  domain: RewardsDomain = DOMAIN,
): WireReceipt {
  const message: Receipt = {
    sessionId: r.sessionId,
    supporter: r.supporter,
    viewer: viewer.address,
    seq: r.seq,
    cumulativeBytes: r.cumulativeBytes,
    timestamp: r.timestamp ?? NOW_S - 60n,
  };
  return {
    sessionId: message.sessionId,
    supporter: message.supporter,
    viewer: message.viewer,
    seq: message.seq.toString(),
    cumulativeBytes: message.cumulativeBytes.toString(),
    timestamp: message.timestamp.toString(),
    signature: signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: viewer.privateKey }),
  };
}

export function signedHeartbeat(node: Key, timestamp: bigint = NOW_S - 30n, domain: RewardsDomain = DOMAIN) {
  return {
    node: node.address,
    timestamp: timestamp.toString(),
    signature: signTypedMessage({
      domain,
      primaryType: "Heartbeat",
      message: { node: node.address, timestamp },
      privateKey: node.privateKey,
    }),
  };
}

export type BatchBody = {
  accepted: number;
  duplicate: number;
  rejected: number;
  results: { index: number; status: string; code?: string; message?: string; id?: string; countedBytes?: string }[];
};
