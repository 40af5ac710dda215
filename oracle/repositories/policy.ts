import type {
  SignedEpochBudget,
  SignedFlagDecision,
  SignedFounderStatus,
  SignedRateCardApproval,
} from "../../core/eip712/policy.ts";
import { ALL_SESSIONS } from "../../core/policy.ts";
import { rateCardHash, type RateCard } from "../../core/ratecard.ts";
import type { Queryable } from "../../db/types.ts";
import { UnsignedPolicyInputError } from "../errors.ts";
import { bytesToHex as hex } from "../../core/hex.ts";

/**
 * The signed discretionary inputs of an epoch (migration 0029), as core's dataset carries them:
 * read, never written, by the oracle. Unsigned rows (from before signing existed, or written by
 * hand) stop the close with `UnsignedPolicyInputError`, naming the row.
 */

/** Every stored budget statement that could be in force at `epoch` (the latest few). */
export async function readBudgets(q: Queryable, epoch: bigint): Promise<SignedEpochBudget[]> {
  const { rows } = await q.query<{
    from_epoch: bigint;
    budget_micro_usd: string;
    issued_at: bigint;
    signature: Uint8Array;
  }>(
    `SELECT from_epoch, budget_micro_usd::text, issued_at, signature
       FROM epoch_budgets WHERE from_epoch <= $1
      ORDER BY from_epoch DESC, issued_at DESC, id DESC LIMIT 1`,
    [epoch.toString()],
  );
  return rows.map((r) => ({
    message: {
      fromEpoch: BigInt(r.from_epoch),
      budgetMicroUsd: BigInt(r.budget_micro_usd),
      issuedAt: BigInt(r.issued_at),
    },
    signature: hex(r.signature),
  }));
}

/** The founder status in force at `epoch` of each of the epoch's nodes that has one. */
export async function readFounderStatuses(
  q: Queryable,
  epoch: bigint,
  nodes: readonly Buffer[],
): Promise<SignedFounderStatus[]> {
  const { rows } = await q.query<{
    node_address: Uint8Array;
    founder: boolean;
    effective_epoch: bigint;
    issued_at: bigint;
    reason: string;
    signature: Uint8Array;
  }>(
    `SELECT DISTINCT ON (node_address) node_address, founder, effective_epoch, issued_at, reason, signature
       FROM founder_statuses
      WHERE effective_epoch <= $1 AND node_address = ANY($2::bytea[])
      ORDER BY node_address, effective_epoch DESC, issued_at DESC, id DESC`,
    [epoch.toString(), nodes],
  );
  return rows.map((r) => ({
    message: {
      node: hex(r.node_address),
      founder: r.founder,
      effectiveEpoch: BigInt(r.effective_epoch),
      issuedAt: BigInt(r.issued_at),
      reason: r.reason,
    },
    signature: hex(r.signature),
  }));
}

/** The approval of `card` (null for core's default card when the database holds no card). */
export async function readRateCardApproval(q: Queryable, card: RateCard): Promise<SignedRateCardApproval | null> {
  const { rows } = await q.query<{ approval_signature: Uint8Array | null }>(
    `SELECT approval_signature FROM rate_cards WHERE version = $1`,
    [card.version.toString()],
  );
  if (rows.length === 0) return null;
  const signature = rows[0]!.approval_signature;
  if (signature === null)
    throw new UnsignedPolicyInputError(`rate card ${card.version}`, "ledger policy rate-card --version N");
  return {
    message: { version: card.version, effectiveEpoch: card.effectiveFromEpoch, rateCardHash: rateCardHash(card) },
    signature: hex(signature),
  };
}

/** The epoch's flag decisions, signed. */
export async function readFlagDecisions(q: Queryable, epoch: bigint): Promise<SignedFlagDecision[]> {
  const { rows } = await q.query<{
    id: bigint;
    node_address: Uint8Array;
    session_id: Uint8Array | null;
    reason_code: string;
    decision: "include" | "exclude";
    note: string;
    issued_at: bigint | null;
    policy_signature: Uint8Array | null;
  }>(
    `SELECT id, node_address, session_id, reason_code, decision, note, issued_at, policy_signature
       FROM flag_overrides WHERE epoch = $1 ORDER BY id`,
    [epoch.toString()],
  );
  return rows.map((r) => {
    if (r.policy_signature === null || r.issued_at === null)
      throw new UnsignedPolicyInputError(
        `flag override ${r.id} of epoch ${epoch}`,
        "record it again through the admin API",
      );
    return {
      message: {
        epoch,
        node: hex(r.node_address),
        sessionId: r.session_id ? hex(r.session_id) : ALL_SESSIONS,
        reasonCode: r.reason_code,
        include: r.decision === "include",
        note: r.note,
        issuedAt: BigInt(r.issued_at),
      },
      signature: hex(r.policy_signature),
    };
  });
}
