/**
 * Admin actions shared by the REST admin routes (api/routes/v1/admin/) and the GraphQL
 * mutations (api/graphql/admin-resolvers.ts): each validates its input, makes its change and
 * writes its `audit_log` entry in one transaction. Callers authenticate first (API-key
 * scope) and pass the actor; errors are ApiErrors with stable codes.
 */
import type { Address, Hex } from "../../core/eip712.ts";
import type { Db } from "../../db/types.ts";
import { ApiError, conflict, notFound } from "../lib/api-error.ts";
import { lockEpochForClose, markEpochClosed, type EpochStatus } from "../repositories/epochs.ts";
import { insertFlagOverride, type FlagOverride } from "../repositories/flag-overrides.ts";
import { setFounder } from "../repositories/nodes.ts";
import { insertRateCard, type RateCard } from "../repositories/rate-cards.ts";
import { auditedTransaction, type AdminActor } from "./audited.ts";

/** The largest epoch number any admin input accepts (as the REST schemas' `epochNumber`). */
export const MAX_EPOCH = 2 ** 40;
/** Basis-point inputs (multipliers, bonuses) are at most 100×. */
export const MAX_BPS = 1_000_000;
/** µUSD per GB is stored as int8: at most 18 digits. */
export const MAX_RATE_MICRO_USD_PER_GB = 10n ** 18n - 1n;
export const MAX_NOTE_LENGTH = 2_000;
export const MAX_DETAILS_PROPERTIES = 64;
/** The most uptime tiers a rate card may list (`details.uptimeTiers`). */
export const MAX_UPTIME_TIERS = 16;

const ADDRESS_RE = /^0x[0-9a-f]{40}$/;
const BYTES32_RE = /^0x[0-9a-f]{64}$/;
const REASON_CODE_RE = /^[A-Z][A-Z0-9_]{1,63}$/;

const invalid = (message: string) => new ApiError(400, "VALIDATION_FAILED", message);

function epochOf(value: number | bigint, name: string): number {
  const n = typeof value === "bigint" ? value : BigInt(value);
  if (n < 0n || n > BigInt(MAX_EPOCH)) throw invalid(`${name} must be an epoch number from 0 to ${MAX_EPOCH}.`);
  return Number(n);
}
function bpsOf(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_BPS)
    throw invalid(`${name} must be an integer number of basis points from 0 to ${MAX_BPS}.`);
  return value;
}
function addressOf(value: string, name: string): Address {
  const lower = value.toLowerCase();
  if (!ADDRESS_RE.test(lower)) throw invalid(`${name} must be a 20-byte 0x address.`);
  return lower as Address;
}

// --- rate cards ------------------------------------------------------------------------------------

export type CreateRateCardParameters = {
  effectiveEpoch: number | bigint;
  rateMicroUsdPerGb: bigint;
  founderMultiplierBps: number;
  uptimeBonusBps: number;
  /** Free-form extras; `uptimeTiers` ([{minUptimeBps, bonusBps}]) is read by the oracle. */
  details?: Record<string, unknown> | undefined;
};

/**
 * Adds the next rate-card version, effective from an epoch after every earlier card's
 * (409 RATE_CARD_EPOCH_NOT_INCREASING otherwise). Audited as `rate_card.create`.
 */
export async function createRateCard(db: Db, actor: AdminActor, p: CreateRateCardParameters): Promise<RateCard> {
  const effectiveEpoch = epochOf(p.effectiveEpoch, "effectiveEpoch");
  if (p.rateMicroUsdPerGb < 0n || p.rateMicroUsdPerGb > MAX_RATE_MICRO_USD_PER_GB)
    throw invalid(`rateMicroUsdPerGb must be from 0 to ${MAX_RATE_MICRO_USD_PER_GB} µUSD per GB.`);
  const founderMultiplierBps = bpsOf(p.founderMultiplierBps, "founderMultiplierBps");
  const uptimeBonusBps = bpsOf(p.uptimeBonusBps, "uptimeBonusBps");
  const details = p.details ?? {};
  if (Object.keys(details).length > MAX_DETAILS_PROPERTIES)
    throw invalid(`details may have at most ${MAX_DETAILS_PROPERTIES} properties.`);
  if (details.uptimeTiers !== undefined) validateUptimeTiers(details.uptimeTiers);
  return auditedTransaction(
    db,
    actor,
    "rate_card.create",
    async (tx) => {
      const created = await insertRateCard(tx, {
        effectiveEpoch,
        rateMicroUsdPerGb: p.rateMicroUsdPerGb,
        founderMultiplierBps,
        uptimeBonusBps,
        details,
        createdBy: actor.apiKeyId,
      });
      if (!created)
        throw conflict("RATE_CARD_EPOCH_NOT_INCREASING", "effectiveEpoch must be after the latest rate card's.");
      return created;
    },
    (c) => ({ subject: `v${c.version}`, details: { ...c, rateMicroUsdPerGb: c.rateMicroUsdPerGb.toString() } }),
  );
}

const BPS_TEXT_RE = /^(0|[1-9]\d{0,6})$/;

/** `details.uptimeTiers` is read by the oracle at epoch close: it must parse there. */
function validateUptimeTiers(tiers: unknown): void {
  if (!Array.isArray(tiers) || tiers.length > MAX_UPTIME_TIERS)
    throw invalid(`details.uptimeTiers must be a list of at most ${MAX_UPTIME_TIERS} tiers.`);
  for (const t of tiers as unknown[]) {
    const tier = (t ?? {}) as Record<string, unknown>;
    const min = String(tier.minUptimeBps);
    const bonus = String(tier.bonusBps);
    if (!BPS_TEXT_RE.test(min) || Number(min) > 10_000 || !BPS_TEXT_RE.test(bonus) || Number(bonus) > MAX_BPS)
      throw invalid(
        `each uptime tier needs minUptimeBps from 0 to 10 000 and bonusBps from 0 to ${MAX_BPS} (integers).`,
      );
  }
}

// --- founder status --------------------------------------------------------------------------------

/** Sets or clears a node's founder status (404 NOT_FOUND for an unknown node). Audited as `supporter.founder.set`. */
export async function setFounderStatus(
  db: Db,
  actor: AdminActor,
  p: { node: string; founder: boolean },
): Promise<{ node: Address; founder: boolean }> {
  const node = addressOf(p.node, "node");
  const row = await auditedTransaction(
    db,
    actor,
    "supporter.founder.set",
    async (tx) => {
      const updated = await setFounder(tx, node, p.founder);
      if (!updated) throw notFound(`Supporter ${node}`);
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
  p: CreateFlagOverrideParameters,
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
  return auditedTransaction(
    db,
    actor,
    "flag_override.create",
    (tx) =>
      insertFlagOverride(tx, {
        epoch,
        node,
        sessionId,
        reasonCode: p.reasonCode,
        decision: p.decision,
        note: p.note,
        createdBy: actor.apiKeyId,
      }),
    (o) => ({ subject: `${o.epoch}:${o.node}`, details: { ...o, id: o.id.toString() } }),
  );
}

// --- closing an epoch ------------------------------------------------------------------------------

export type CloseEpochReturnType = { epoch: bigint; status: EpochStatus; endsAt: Date };

/**
 * Closes an OPEN coordinator epoch whose window has ended, without waiting for the oracle's
 * late-receipt grace (as `ledger oracle close-epoch N --force` does): OPEN → CLOSED, so the
 * coordinator refuses further receipts for it and the oracle computes it next. Never closes
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
      if (!(await markEpochClosed(tx, epoch)))
        throw conflict("EPOCH_NOT_OPEN", `Epoch ${epoch} was closed by another process.`);
      return { epoch, status: "CLOSED" as const, endsAt: row.endsAt };
    },
    (r) => ({ subject: r.epoch.toString(), details: { status: r.status, endsAt: r.endsAt.toISOString() } }),
  );
}
