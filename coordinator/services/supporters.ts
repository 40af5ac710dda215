import type { Address } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import type { Db } from "../../db/types.ts";
import { ApiError } from "../../http/api-error.ts";
import { currentEpoch } from "../../core/epoch-clock.ts";
import { INGEST_REASONS, signatureReason } from "../../core/verdict.ts";
import type { Coordinator } from "../plugin.ts";
import {
  insertNodeIfAbsent,
  lockNode,
  payoutHistory,
  schedulePayout,
  setRegistrationNonce,
  type PayoutRow,
} from "../repositories/nodes.ts";

export type RegistrationInput = {
  node: Address;
  payout: Address;
  effectiveEpoch: bigint;
  nonce: bigint;
  signature: Hex;
};

export type RegistrationResult = {
  /** `registered`: new node; `scheduled`: a payout change from a later epoch; `unchanged`: a replay. */
  status: "registered" | "scheduled" | "unchanged";
  node: Address;
  founder: boolean;
  currentEpoch: number;
  payouts: PayoutRow[];
};

/** Largest effective epoch a registration may name ahead of the current one. */
const MAX_EPOCHS_AHEAD = 1_000;

/**
 * Registers a node, or schedules a change of its payout address. Both need the node key's
 * `SupporterRegistration` signature. A first registration takes effect from the current
 * epoch on (or a later one it names); a change only from the next epoch on, with a nonce
 * above every earlier one. Replaying an accepted registration is idempotent.
 */
export async function registerSupporter(
  ctx: { db: Db; coordinator: Coordinator },
  input: RegistrationInput,
): Promise<RegistrationResult> {
  const { coordinator } = ctx;
  const node = input.node.toLowerCase() as Address;
  const payout = input.payout.toLowerCase() as Address;
  const [verdict] = await coordinator.pool.verifyBatch({
    domain: coordinator.domain,
    primaryType: "SupporterRegistration",
    items: [
      {
        message: { node, payout, effectiveEpoch: input.effectiveEpoch, nonce: input.nonce },
        signature: input.signature,
      },
    ],
  });
  if (!verdict!.valid) {
    const code = signatureReason(verdict!.error);
    throw new ApiError(
      400,
      code,
      `${INGEST_REASONS[code]} (${verdict!.error}; the node key must sign the SupporterRegistration)`,
    );
  }
  const epochNow = Math.max(0, currentEpoch(coordinator.clock, coordinator.now()));
  const effective = Number(input.effectiveEpoch);
  if (input.effectiveEpoch > BigInt(epochNow + MAX_EPOCHS_AHEAD))
    throw new ApiError(
      400,
      "EFFECTIVE_EPOCH_TOO_FAR",
      `effectiveEpoch must be at most ${epochNow + MAX_EPOCHS_AHEAD}.`,
    );

  return ctx.db.transaction(async (tx) => {
    const created = await insertNodeIfAbsent(tx, node, input.nonce);
    const row = (await lockNode(tx, node))!;
    const schedule = () =>
      schedulePayout(tx, {
        node,
        payout,
        effectiveEpoch: effective,
        nonce: input.nonce,
        signature: input.signature,
        submittedEpoch: epochNow,
      });
    if (created) {
      if (effective < epochNow)
        throw new ApiError(
          409,
          "EFFECTIVE_EPOCH_PAST",
          `effectiveEpoch ${effective} is in the past; the current epoch is ${epochNow}.`,
        );
      await schedule();
      return {
        status: "registered" as const,
        node,
        founder: row.founder,
        currentEpoch: epochNow,
        payouts: await payoutHistory(tx, node),
      };
    }
    const history = await payoutHistory(tx, node);
    const replay = history.some(
      (p) => p.effectiveEpoch === effective && p.payoutAddress === payout && p.nonce === input.nonce,
    );
    if (replay)
      return { status: "unchanged" as const, node, founder: row.founder, currentEpoch: epochNow, payouts: history };
    if (input.nonce <= row.registrationNonce)
      throw new ApiError(
        409,
        "NONCE_REUSED",
        `nonce ${input.nonce} was already used; sign the registration with a nonce above ${row.registrationNonce}.`,
      );
    if (effective <= epochNow)
      throw new ApiError(
        409,
        "PAYOUT_CHANGE_TOO_EARLY",
        `a payout change takes effect from the next epoch: sign it with effectiveEpoch ≥ ${epochNow + 1}.`,
      );
    await schedule();
    await setRegistrationNonce(tx, node, input.nonce);
    return {
      status: "scheduled" as const,
      node,
      founder: row.founder,
      currentEpoch: epochNow,
      payouts: await payoutHistory(tx, node),
    };
  });
}
