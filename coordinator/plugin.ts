import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Address, RewardsDomain } from "../core/eip712/domain.ts";
import type { SessionGrant } from "../core/eip712/sessions.ts";
import type { Hex } from "../core/hex.ts";
import { privateKeyToAddress, signTypedMessage } from "../core/sign.ts";
import { createVerifyPool, type VerifyPool } from "../core/verify-pool.ts";
import type { EpochClock } from "../core/epoch-clock.ts";
import { definePlugin } from "../http/plugins/define.ts";

/** Receipts of `nodes` in coordinator epoch `epoch` were accepted with bytes: one per committed batch and epoch. */
export type BytesAccepted = { epoch: bigint; nodes: Hex[] };

/** Listeners of `BytesAccepted` (the composition root forwards them to the live event bus). */
export type BytesAcceptedListeners = {
  listen(listener: (event: BytesAccepted) => void): () => void;
  emit(event: BytesAccepted): void;
};

/** A listener that throws is logged and does not fail the batch (its answer is already durable). */
function bytesAcceptedListeners(onError: (err: unknown) => void): BytesAcceptedListeners {
  const listeners = new Set<(event: BytesAccepted) => void>();
  return {
    listen(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(event) {
      for (const l of listeners)
        try {
          l(event);
        } catch (err) {
          onError(err);
        }
    },
  };
}

/** What the ingest and grant routes share: the EIP-712 domain, the epoch clock, the verify pool, the signer. */
export type Coordinator = {
  readonly domain: RewardsDomain;
  readonly clock: EpochClock;
  /** The coordinator's address (signer of session grants). */
  readonly address: Address;
  readonly pool: VerifyPool;
  /** Signed timestamps further than this in the future are rejected. */
  readonly maxClockSkewSeconds: number;
  /**
   * Signed timestamps older than this are rejected (TIMESTAMP_TOO_OLD): bounds the epochs (and
   * receipt partitions) a signer can make the coordinator create.
   */
  readonly maxAgeSeconds: number;
  /** Milliseconds since the epoch (injectable for tests). */
  now(): number;
  /** Signs a session grant with the coordinator key. */
  signGrant(grant: SessionGrant): Hex;
  /** After each committed receipt batch: which nodes gained counted bytes (services/ingest-receipts.ts). */
  readonly bytesAccepted: BytesAcceptedListeners;
};

declare module "fastify" {
  interface FastifyInstance {
    coordinator: Coordinator;
  }
}

export type CoordinatorOptions = {
  domain: RewardsDomain;
  clock: EpochClock;
  /** Unset: a throw-away key (development only; logged as a warning, by address). */
  privateKey?: Hex | undefined;
  /** A shared pool (the caller closes it); unset: one is created with `verifyWorkers` threads and closed with the app. */
  pool?: VerifyPool | undefined;
  verifyWorkers?: number | undefined;
  maxClockSkewSeconds?: number | undefined;
  now?: (() => number) | undefined;
};

export default definePlugin("coordinator", async (app: FastifyInstance, options: CoordinatorOptions) => {
  let privateKey = options.privateKey;
  if (!privateKey) {
    privateKey = `0x${randomBytes(32).toString("hex")}`;
    app.log.warn(
      { coordinator: privateKeyToAddress(privateKey) },
      "LEDGER_COORDINATOR_PRIVATE_KEY unset: signing session grants with a throw-away key (development only)",
    );
  }
  const key = privateKey;
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? createVerifyPool(options.verifyWorkers ? { size: options.verifyWorkers } : {});
  if (ownsPool) app.addHook("onClose", async () => pool.close());
  const coordinator: Coordinator = {
    domain: options.domain,
    clock: options.clock,
    address: privateKeyToAddress(key),
    pool,
    maxClockSkewSeconds: options.maxClockSkewSeconds ?? 300,
    maxAgeSeconds: 7 * 86_400,
    now: options.now ?? Date.now,
    signGrant: (grant) =>
      signTypedMessage({ domain: options.domain, primaryType: "SessionGrant", message: grant, privateKey: key }),
    bytesAccepted: bytesAcceptedListeners((err) => app.log.error({ err }, "bytes-accepted listener failed")),
  };
  app.decorate("coordinator", coordinator);
});
