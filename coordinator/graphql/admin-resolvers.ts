/**
 * Admin mutations and queries: authenticated by API-key scope exactly as the REST admin routes
 * (`app.authenticateApiKey`, the check behind `requireScope`: same header, same scopes, same
 * refusal log line) and carried out by the same services (coordinator/services/admin.ts), which audit
 * every change in its transaction. Authentication runs first, so a refused call writes nothing.
 */
import type { FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import { rateCardHash } from "../../core/ratecard.ts";
import type { Db, Queryable } from "../../db/types.ts";
import { currentEpoch } from "../../core/epoch-clock.ts";
import type { Hex } from "../../core/hex.ts";
import { ApiError } from "../../http/api-error.ts";
import type { Scope } from "../../http/api-keys.ts";
import { isInt8Decimal } from "../../http/wire.ts";
import { listAudit, type AuditRow } from "../repositories/audit.ts";
import { listFlagOverrides, type FlagOverride } from "../repositories/flag-overrides.ts";
import { listRateCards, rateCardOfRow, rateCardSchedule, type RateCardRow } from "../repositories/rate-cards.ts";
import {
  closeEpoch,
  createFlagOverride,
  createRateCard,
  earliestRateCardEpoch,
  MAX_EPOCH,
  setFounderStatus,
} from "../services/admin.ts";
import type { AdminActor } from "../services/audited.ts";
import { userError } from "../../http/graphql/errors.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";
import { getNode } from "../repositories/nodes.ts";

/**
 * What the admin fields need of the GraphQL context the read API builds (read-api/graphql/
 * context.ts), declared here so the coordinator does not import the read API: the database,
 * the read side's epoch loader (a closed epoch is answered as the read model shows it), and the
 * fastify request yoga merges into every context.
 */
type AdminContext = {
  db: Queryable;
  loaders: { oracleEpoch: { clear(epoch: bigint): { load(epoch: bigint): Promise<unknown> } } };
  req?: FastifyRequest;
};

const MAX_ACTION_LENGTH = 64;

/**
 * An ApiError from authentication or a service, as a GraphQL error with a stable code:
 * 401 → UNAUTHENTICATED, 400 VALIDATION_FAILED → BAD_USER_INPUT, else the service's own code
 * (FORBIDDEN, RATE_LIMITED, NOT_FOUND, EPOCH_NOT_OPEN, RATE_CARD_EPOCH_NOT_INCREASING,
 * RATE_CARD_NOTICE_TOO_SHORT, …).
 */
function graphqlErrorOf(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  const code =
    err.statusCode === 401 ? "UNAUTHENTICATED" : err.code === "VALIDATION_FAILED" ? "BAD_USER_INPUT" : err.code;
  return new GraphQLError(err.message, { extensions: { code } });
}

/** The authenticated actor, and the database to write through (the app's, with transactions). */
async function authorize(ctx: AdminContext, scope: Scope, field: string): Promise<{ actor: AdminActor; db: Db }> {
  const req = ctx.req;
  if (!req)
    throw new GraphQLError("Admin fields need an HTTP request with an API key.", {
      extensions: { code: "UNAUTHENTICATED" },
    });
  try {
    const key = await req.server.authenticateApiKey(req.headers, scope, {
      log: req.log,
      via: `graphql ${field}`,
      requestId: req.id,
    });
    return { actor: { apiKeyId: key.id, requestId: req.id }, db: req.server.db };
  } catch (err) {
    throw graphqlErrorOf(err);
  }
}

/** Runs an admin service call, its ApiErrors turned into GraphQL errors. */
async function service<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw graphqlErrorOf(err);
  }
}

function epochArg(value: bigint, argument: string): bigint {
  if (value > BigInt(MAX_EPOCH))
    throw userError("BAD_USER_INPUT", `\`${argument}\` must be an epoch number from 0 to ${MAX_EPOCH}.`, { argument });
  return value;
}

type UptimeTierInput = { minUptimeBps: number; bonusBps: number };
type RateCardInput = {
  effectiveEpoch: bigint;
  ratePerGbMicroUsd: bigint;
  founderMultiplierBps: number;
  uptimeBonusBps: number;
  uptimeTiers?: UptimeTierInput[] | null;
};
type FlagOverrideInput = {
  epoch: bigint;
  node: Hex;
  sessionId?: Hex | null;
  reasonCode: string;
  decision: "include" | "exclude";
  note: string;
};

/** The tiers the oracle reads from a stored card (core's `rateCardFromRecord`: one reading everywhere). */
function tiersOf(card: RateCardRow): { minUptimeBps: bigint; bonusBps: bigint }[] {
  return [...rateCardOfRow(card).uptimeTiers];
}

function publicCardOf(card: RateCardRow) {
  const core = rateCardOfRow(card);
  return { ...core, uptimeTiers: [...core.uptimeTiers], hash: rateCardHash(core) };
}

const auditCursor = (r: AuditRow) => encodeCursor("audit", [r.id.toString()]);

export const adminResolvers = {
  Mutation: {
    closeEpoch: async (_: unknown, args: { epoch: bigint }, ctx: AdminContext) => {
      const { actor, db } = await authorize(ctx, "admin:epochs", "closeEpoch");
      const epoch = epochArg(args.epoch, "epoch");
      const now = new Date(ctx.req!.server.coordinator.now());
      await service(() => closeEpoch(db, actor, { epoch, now }));
      return ctx.loaders.oracleEpoch.clear(epoch).load(epoch);
    },
    setRateCard: async (_: unknown, args: { input: RateCardInput }, ctx: AdminContext) => {
      const { actor, db } = await authorize(ctx, "admin:rate-cards", "setRateCard");
      const i = args.input;
      const effectiveEpoch = epochArg(i.effectiveEpoch, "effectiveEpoch");
      const tiers = i.uptimeTiers ?? null;
      return service(() =>
        createRateCard(db, actor, ctx.req!.server.policyKey, {
          effectiveEpoch,
          rateMicroUsdPerGb: i.ratePerGbMicroUsd,
          founderMultiplierBps: i.founderMultiplierBps,
          uptimeBonusBps: i.uptimeBonusBps,
          currentEpoch: currentEpoch(ctx.req!.server.coordinator.clock, ctx.req!.server.coordinator.now()),
          noticeEpochs: ctx.req!.server.rateCardNoticeEpochs,
          inputNames: { rate: "ratePerGbMicroUsd", tiers: "uptimeTiers" },
          ...(tiers
            ? {
                details: {
                  uptimeTiers: tiers.map((t) => ({
                    minUptimeBps: String(t.minUptimeBps),
                    bonusBps: String(t.bonusBps),
                  })),
                },
              }
            : {}),
        }),
      );
    },
    setFounder: async (_: unknown, args: { node: Hex; founder: boolean }, ctx: AdminContext) => {
      const { actor, db } = await authorize(ctx, "admin:supporters", "setFounder");
      const server = ctx.req!.server;
      const { node } = await service(() =>
        setFounderStatus(db, actor, server.policyKey, {
          node: args.node,
          founder: args.founder,
          currentEpoch: currentEpoch(server.coordinator.clock, server.coordinator.now()),
        }),
      );
      return getNode(ctx.db, node);
    },
    overrideFlag: async (_: unknown, args: { input: FlagOverrideInput }, ctx: AdminContext) => {
      const { actor, db } = await authorize(ctx, "admin:flags", "overrideFlag");
      const i = args.input;
      return service(() =>
        createFlagOverride(db, actor, ctx.req!.server.policyKey, {
          ...i,
          epoch: epochArg(i.epoch, "epoch"),
          sessionId: i.sessionId ?? null,
        }),
      );
    },
  },

  Query: {
    rateCardSchedule: async (_: unknown, _args: unknown, ctx: AdminContext) => {
      const server = ctx.req?.server;
      if (!server)
        throw new GraphQLError("rateCardSchedule needs an HTTP request (the coordinator's clock).", {
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        });
      const epoch = Math.max(0, currentEpoch(server.coordinator.clock, server.coordinator.now()));
      const { current, announced } = await rateCardSchedule(ctx.db, epoch);
      return {
        currentEpoch: BigInt(epoch),
        noticeEpochs: server.rateCardNoticeEpochs,
        earliestEffectiveEpoch: BigInt(earliestRateCardEpoch(epoch, server.rateCardNoticeEpochs)),
        current: current ? publicCardOf(current) : null,
        announced: announced.map(publicCardOf),
      };
    },
    rateCards: async (_: unknown, _args: unknown, ctx: AdminContext) => {
      await authorize(ctx, "admin:read", "rateCards");
      return listRateCards(ctx.db);
    },
    flagOverrides: async (_: unknown, args: { epoch: bigint }, ctx: AdminContext) => {
      await authorize(ctx, "admin:read", "flagOverrides");
      return listFlagOverrides(ctx.db, Number(epochArg(args.epoch, "epoch")));
    },
    auditLog: async (
      _: unknown,
      args: { first?: number | null; after?: string | null; action?: string | null },
      ctx: AdminContext,
    ) => {
      await authorize(ctx, "admin:read", "auditLog");
      const { limit } = pageArgs(args.first ?? 20);
      if (args.action != null && args.action.length > MAX_ACTION_LENGTH)
        throw userError("BAD_USER_INPUT", `\`action\` may be at most ${MAX_ACTION_LENGTH} characters.`, {
          argument: "action",
        });
      let beforeId: bigint | undefined;
      if (args.after) {
        const [id] = decodeCursor("audit", args.after, 1);
        if (!isInt8Decimal(id) || id === "0")
          throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
        beforeId = BigInt(id);
      }
      const rows = await listAudit(ctx.db, { action: args.action ?? undefined, limit: limit + 1, beforeId });
      return connectionOf(rows, limit, auditCursor);
    },
  },

  RateCardVersion: {
    effectiveEpoch: (c: RateCardRow) => BigInt(c.effectiveEpoch),
    ratePerGbMicroUsd: (c: RateCardRow) => c.rateMicroUsdPerGb,
    uptimeTiers: tiersOf,
    createdAt: (c: RateCardRow) => c.createdAt.toISOString(),
  },
  FlagOverride: {
    epoch: (o: FlagOverride) => BigInt(o.epoch),
    createdAt: (o: FlagOverride) => o.createdAt.toISOString(),
  },
  AuditEntry: {
    at: (r: AuditRow) => r.at.toISOString(),
    details: (r: AuditRow) => JSON.stringify(r.details),
  },
};
