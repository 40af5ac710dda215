/**
 * Admin actions shared by the REST admin routes (api/routes/v1/admin/) and the GraphQL
 * mutations (coordinator/graphql/admin-resolvers.ts): each validates its input, makes its change and
 * writes its `audit_log` entry in one transaction. Callers authenticate first (API-key
 * scope) and pass the actor; errors are ApiErrors with stable codes.
 */
import type { Address } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import {
  InvalidRateCardError,
  RATE_CARD_BOUNDS,
  rateCardFromRecord,
  validateRateCard,
  type RateCard,
} from "../../core/ratecard.ts";
import type { Db } from "../../db/types.ts";
import { ApiError, conflict, notFound } from "../../http/api-error.ts";
import { requestEpochClose } from "../repositories/epoch-close-requests.ts";
import { lockEpochForClose } from "../repositories/epochs.ts";
import type { EpochStatus } from "../../core/epoch-lifecycle.ts";
import { insertFlagOverride, type FlagOverride } from "../repositories/flag-overrides.ts";
import { setFounder } from "../repositories/nodes.ts";
import { insertRateCard, lockRateCardsForInsert, type RateCardRow } from "../repositories/rate-cards.ts";
import { auditedTransaction, type AdminActor } from "./audited.ts";
import { rateCardHash } from "../../core/ratecard.ts";
import { ALL_SESSIONS } from "../../core/policy.ts";
import { hasBudget, insertBudget, insertFounderStatus } from "../repositories/policy.ts";
import { policySignature, type PolicyKey } from "./policy.ts";

/** A submitted policy signature (made elsewhere) and the `issuedAt` it signed; unset: the API's key signs now. */
export type SubmittedPolicySignature = { policySignature?: string | undefined; issuedAt?: number | bigint | undefined };

const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));
function issuedAtOf(p: SubmittedPolicySignature): bigint {
  if (p.issuedAt === undefined) {
    if (p.policySignature !== undefined)
      throw invalid("issuedAt is required with policySignature (the unix seconds signed).");
    return nowSeconds();
  }
  const v = BigInt(p.issuedAt);
  if (v < 0n || v > 2n ** 40n) throw invalid("issuedAt must be unix seconds.");
  return v;
}

/** The largest epoch number any admin input accepts (as the REST schemas' `epochNumber`). */
export const MAX_EPOCH = 2 ** 40;
export const MAX_NOTE_LENGTH = 2_000;
export const MAX_DETAILS_PROPERTIES = 64;

const ADDRESS_RE = /^0x[0-9a-f]{40}$/;
const BYTES32_RE = /^0x[0-9a-f]{64}$/;
const REASON_CODE_RE = /^[A-Z][A-Z0-9_]{1,63}$/;

const invalid = (message: string) => new ApiError(400, "VALIDATION_FAILED", message);

function epochOf(value: number | bigint, name: string): number {
  const n = typeof value === "bigint" ? value : BigInt(value);
  if (n < 0n || n > BigInt(MAX_EPOCH)) throw invalid(`${name} must be an epoch number from 0 to ${MAX_EPOCH}.`);
  return Number(n);
}
function addressOf(value: string, name: string): Address {
  const lower = value.toLowerCase();
  if (!ADDRESS_RE.test(lower)) throw invalid(`${name} must be a 20-byte 0x address.`);
  return lower as Address;
}

// --- rate cards ------------------------------------------------------------------------------------

/** The default notice a new rate card needs (`LEDGER_RATE_CARD_NOTICE_EPOCHS`): the epoch after next. */
export const DEFAULT_RATE_CARD_NOTICE_EPOCHS = 2;

export type CreateRateCardParameters = {
  effectiveEpoch: number | bigint;
  rateMicroUsdPerGb: bigint;
  founderMultiplierBps: number;
  uptimeBonusBps: number;
  /** Free-form extras; `uptimeTiers` ([{minUptimeBps, bonusBps}]) is read by the oracle. */
  details?: Record<string, unknown> | undefined;
  /** The coordinator's epoch now (its clock). */
  currentEpoch: number;
  /** A card takes effect no earlier than `currentEpoch + noticeEpochs`. */
  noticeEpochs: number;
  /**
   * How the caller's input names the fields core checks (the sentence of a 400 names them):
   * REST `rateMicroUsdPerGb` / `details.uptimeTiers` (the default), GraphQL `ratePerGbMicroUsd` / `uptimeTiers`.
   */
  inputNames?: { rate: string; tiers: string } | undefined;
};

/** The earliest epoch a rate card set now may take effect from. */
export const earliestRateCardEpoch = (currentEpoch: number, noticeEpochs: number): number =>
  Math.max(0, currentEpoch) + noticeEpochs;

/**
 * Adds the next rate-card version. The card is checked with core's `validateRateCard` — the
 * check the epoch close runs — on exactly the card the oracle will read back
 * (`rateCardFromRecord`), so no stored card can stop a close: 400 VALIDATION_FAILED naming the
 * field otherwise (bounds: `RATE_CARD_BOUNDS`). It takes effect no earlier than
 * `noticeEpochs` after the current epoch (409 RATE_CARD_NOTICE_TOO_SHORT, naming the earliest
 * allowed epoch) and after every earlier card (409 RATE_CARD_EPOCH_NOT_INCREASING). Audited as
 * `rate_card.create`.
 */
export async function createRateCard(
  db: Db,
  actor: AdminActor,
  policy: PolicyKey,
  p: CreateRateCardParameters & { policySignature?: string | undefined },
): Promise<RateCardRow> {
  const names = p.inputNames ?? { rate: "rateMicroUsdPerGb", tiers: "details.uptimeTiers" };
  const effectiveEpoch = epochOf(p.effectiveEpoch, "effectiveEpoch");
  const founderMultiplierBps = integerOf(p.founderMultiplierBps, "founderMultiplierBps");
  const uptimeBonusBps = integerOf(p.uptimeBonusBps, "uptimeBonusBps");
  if (uptimeBonusBps < 0 || BigInt(uptimeBonusBps) > RATE_CARD_BOUNDS.maxBonusBps)
    throw invalid(`uptimeBonusBps must be from 0 to ${RATE_CARD_BOUNDS.maxBonusBps} basis points.`);
  const details = p.details ?? {};
  if (Object.keys(details).length > MAX_DETAILS_PROPERTIES)
    throw invalid(`details may have at most ${MAX_DETAILS_PROPERTIES} properties.`);
  const cardAt = (version: number): RateCard => {
    try {
      const card = rateCardFromRecord({
        version: BigInt(version),
        effectiveEpoch: BigInt(effectiveEpoch),
        ratePerGbMicroUsd: p.rateMicroUsdPerGb,
        founderMultiplierBps: BigInt(founderMultiplierBps),
        uptimeBonusBps: BigInt(uptimeBonusBps),
        uptimeTiers: details.uptimeTiers,
      });
      validateRateCard(card);
      return card;
    } catch (err) {
      if (!(err instanceof InvalidRateCardError)) throw err;
      const field = err.field
        .replace(/^ratePerGbMicroUsd$/, names.rate)
        .replace(/^uptimeTiers/, details.uptimeTiers === undefined ? "uptimeBonusBps" : names.tiers)
        .replace(/^uptimeBonusBps\[0\]\.bonusBps$/, "uptimeBonusBps");
      throw invalid(`${err.shortMessage.replace(/^Invalid rate card: \S+/, field)}`);
    }
  };
  cardAt(1); // refuse bad input before taking the table lock; checked again with its version below
  const earliest = earliestRateCardEpoch(p.currentEpoch, p.noticeEpochs);
  if (effectiveEpoch < earliest)
    throw conflict(
      "RATE_CARD_NOTICE_TOO_SHORT",
      `effectiveEpoch must be ${earliest} or later: a rate card takes effect no earlier than ${p.noticeEpochs} epochs after the current epoch (${Math.max(0, p.currentEpoch)}).`,
    );
  return auditedTransaction(
    db,
    actor,
    "rate_card.create",
    async (tx) => {
      const { nextVersion, latestEffectiveEpoch } = await lockRateCardsForInsert(tx);
      if (latestEffectiveEpoch !== null && effectiveEpoch <= latestEffectiveEpoch)
        throw conflict(
          "RATE_CARD_EPOCH_NOT_INCREASING",
          `effectiveEpoch must be after the latest rate card's (${latestEffectiveEpoch}).`,
        );
      const card = cardAt(nextVersion);
      const { signature } = policySignature(
        policy,
        "RateCardApproval",
        { version: card.version, effectiveEpoch: card.effectiveFromEpoch, rateCardHash: rateCardHash(card) },
        p.policySignature,
      );
      return insertRateCard(
        tx,
        {
          version: nextVersion,
          effectiveEpoch,
          rateMicroUsdPerGb: p.rateMicroUsdPerGb,
          founderMultiplierBps,
          uptimeBonusBps,
          details,
          createdBy: actor.apiKeyId,
        },
        signature,
      );
    },
    (c) => ({ subject: `v${c.version}`, details: { ...c, rateMicroUsdPerGb: c.rateMicroUsdPerGb.toString() } }),
  );
}

function integerOf(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw invalid(`${name} must be an integer number of basis points.`);
  return value;
}

// --- founder status --------------------------------------------------------------------------------

/**
 * Sets or clears a node's founder status from the current epoch on, as a `FounderStatus` signed by
 * the policy key (404 NOT_FOUND for an unknown node). The multiplier follows the node, never its
 * payout address. Audited as `supporter.founder.set`.
 */
export async function setFounderStatus(
  db: Db,
  actor: AdminActor,
  policy: PolicyKey,
  p: { node: string; founder: boolean; currentEpoch: number; reason?: string | undefined } & SubmittedPolicySignature,
): Promise<{ node: Address; founder: boolean }> {
  const node = addressOf(p.node, "node");
  const reason = p.reason ?? "";
  if (reason.length > MAX_NOTE_LENGTH) throw invalid(`reason must be at most ${MAX_NOTE_LENGTH} characters.`);
  const message = {
    node,
    founder: p.founder,
    effectiveEpoch: BigInt(Math.max(0, p.currentEpoch)),
    issuedAt: issuedAtOf(p),
    reason,
  };
  const { signature, signer } = policySignature(policy, "FounderStatus", message, p.policySignature);
  const row = await auditedTransaction(
    db,
    actor,
    "supporter.founder.set",
    async (tx) => {
      const updated = await setFounder(tx, node, p.founder);
      if (!updated) throw notFound(`Supporter ${node}`);
      await insertFounderStatus(tx, { ...message, signer, signature, createdBy: actor.apiKeyId });
      return updated;
    },
    (r) => ({ subject: node, details: { founder: r.founder } }),
  );
  return { node: row.address, founder: row.founder };
}

// --- flag overrides --------------------------------------------------------------------------------

export type CreateFlagOverrideParameters = {
  epoch: number | bigint;
  node: string;
  /** One session's flags; unset: every flag of the node in the epoch. */
  sessionId?: string | null | undefined;
  reasonCode: string;
  decision: "include" | "exclude";
  /** Why (required, ≤ 2 000 characters): the reason the audit log keeps. */
  note: string;
};

/**
 * Records an admin decision on a fraud flag of an epoch: include or exclude what a rule
 * flagged. The oracle applies it when it computes the epoch. Audited as `flag_override.create`.
 */
export async function createFlagOverride(
  db: Db,
  actor: AdminActor,
  policy: PolicyKey,
  p: CreateFlagOverrideParameters & SubmittedPolicySignature,
): Promise<FlagOverride> {
  const epoch = epochOf(p.epoch, "epoch");
  const node = addressOf(p.node, "node");
  const sessionId = p.sessionId ? (p.sessionId.toLowerCase() as Hex) : null;
  if (sessionId !== null && !BYTES32_RE.test(sessionId)) throw invalid("sessionId must be 32 bytes of 0x hex.");
  if (!REASON_CODE_RE.test(p.reasonCode))
    throw invalid("reasonCode must be a stable reason code (A–Z, 0–9, _; e.g. NODE_OFFLINE).");
  if (p.decision !== "include" && p.decision !== "exclude") throw invalid("decision must be include or exclude.");
  if (p.note.trim().length === 0 || p.note.length > MAX_NOTE_LENGTH)
    throw invalid(`note (the reason) must be 1 to ${MAX_NOTE_LENGTH} characters.`);
  const issuedAt = issuedAtOf(p);
  const { signature } = policySignature(
    policy,
    "FlagDecision",
    {
      epoch: BigInt(epoch),
      node,
      sessionId: sessionId ?? ALL_SESSIONS,
      reasonCode: p.reasonCode,
      include: p.decision === "include",
      note: p.note,
      issuedAt,
    },
    p.policySignature,
  );
  return auditedTransaction(
    db,
    actor,
    "flag_override.create",
    (tx) =>
      insertFlagOverride(
        tx,
        {
          epoch,
          node,
          sessionId,
          reasonCode: p.reasonCode,
          decision: p.decision,
          note: p.note,
          createdBy: actor.apiKeyId,
        },
        { signature, issuedAt },
      ),
    (o) => ({ subject: `${o.epoch}:${o.node}`, details: { ...o, id: o.id.toString() } }),
  );
}

// --- the epoch budget --------------------------------------------------------------------------

/** The largest budget accepted: $10¹² a epoch, far above any real one, far below int overflow. */
export const MAX_BUDGET_MICRO_USD = 10n ** 18n;

/**
 * Records the funded budget of every epoch from `fromEpoch` on (until a later statement), as an
 * `EpochBudget` signed by the policy key. The oracle closes no epoch without one. Audited as
 * `budget.set`.
 */
export async function recordBudget(
  db: Db,
  actor: AdminActor,
  policy: PolicyKey,
  p: { fromEpoch: number | bigint; budgetMicroUsd: bigint } & SubmittedPolicySignature,
): Promise<{ fromEpoch: bigint; budgetMicroUsd: bigint; signer: Address }> {
  const fromEpoch = BigInt(epochOf(p.fromEpoch, "fromEpoch"));
  if (typeof p.budgetMicroUsd !== "bigint" || p.budgetMicroUsd < 0n || p.budgetMicroUsd > MAX_BUDGET_MICRO_USD)
    throw invalid(`budgetMicroUsd must be from 0 to ${MAX_BUDGET_MICRO_USD} µUSD.`);
  const message = { fromEpoch, budgetMicroUsd: p.budgetMicroUsd, issuedAt: issuedAtOf(p) };
  const { signature, signer } = policySignature(policy, "EpochBudget", message, p.policySignature);
  await auditedTransaction(
    db,
    actor,
    "budget.set",
    (tx) => insertBudget(tx, { ...message, signer, signature, createdBy: actor.apiKeyId }),
    () => ({
      subject: `from ${fromEpoch}`,
      details: { budgetMicroUsd: p.budgetMicroUsd.toString(), signer, issuedAt: message.issuedAt.toString() },
    }),
  );
  return { fromEpoch, budgetMicroUsd: p.budgetMicroUsd, signer };
}

/** Whether a budget statement exists (npm start records the configured budget once when none does). */
export const budgetRecorded = (db: Db) => hasBudget(db);

// --- closing an epoch ------------------------------------------------------------------------------

export type CloseEpochReturnType = { epoch: bigint; status: EpochStatus; endsAt: Date };

/**
 * Closes an OPEN coordinator epoch whose window has ended, without waiting for the oracle's
 * late-receipt grace (as `ledger oracle close-epoch N --force` does): OPEN → CLOSED, so the
 * coordinator refuses further receipts for it and the oracle computes it next. The coordinator
 * writes only the request (`epoch_close_requests`); the oracle's close (`close_epoch()`, one
 * definition, db/migrations/0030) carries it out in the same transaction. Never closes
 * an epoch before its end (409 EPOCH_NOT_ENDED) nor one already closed (409 EPOCH_NOT_OPEN);
 * 404 EPOCH_NOT_FOUND when the coordinator has no such epoch. Audited as `epoch.close`.
 */
export async function closeEpoch(
  db: Db,
  actor: AdminActor,
  p: { epoch: number | bigint; now: Date },
): Promise<CloseEpochReturnType> {
  const epoch = BigInt(epochOf(p.epoch, "epoch"));
  return auditedTransaction(
    db,
    actor,
    "epoch.close",
    async (tx) => {
      const row = await lockEpochForClose(tx, epoch);
      if (!row) throw new ApiError(404, "EPOCH_NOT_FOUND", `The coordinator has no epoch ${epoch}.`);
      if (row.status !== "OPEN")
        throw conflict("EPOCH_NOT_OPEN", `Epoch ${epoch} is ${row.status}; only an OPEN epoch can be closed.`);
      if (p.now < row.endsAt)
        throw conflict(
          "EPOCH_NOT_ENDED",
          `Epoch ${epoch} runs until ${row.endsAt.toISOString()}; it cannot be closed before its end.`,
        );
      if (!(await requestEpochClose(tx, { epoch, requestedBy: actor.apiKeyId, requestId: actor.requestId })))
        throw conflict("EPOCH_NOT_OPEN", `Epoch ${epoch} was closed by another process.`);
      return { epoch, status: "CLOSED" as const, endsAt: row.endsAt };
    },
    (r) => ({ subject: r.epoch.toString(), details: { status: r.status, endsAt: r.endsAt.toISOString() } }),
  );
}
