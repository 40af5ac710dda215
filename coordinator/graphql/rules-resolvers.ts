/**
 * `Query.ledgerRules` (public): the rules the coordinator enforces on supporters, read from where
 * they are enforced — the epoch clock ingest files receipts by, the oracle's late-receipt grace as
 * this deployment configures it, the rate card the oracle prices with while none is set (core's
 * `DEFAULT_RATE_CARD`, as oracle/stages/aggregate.ts falls back to it), and core's reason codes (`REASONS`, `INGEST_REASONS`) with their
 * status, message and whether an admin's flag override can change them. The dashboard's Supporter
 * Bill of Rights is generated from this and `rateCardSchedule`.
 */
import type { FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import { DEFAULT_RATE_CARD, rateCardHash } from "../../core/ratecard.ts";
import { INGEST_REASONS, overridable, REASONS, type ReasonCode } from "../../core/verdict.ts";

type RulesContext = { req?: FastifyRequest };

export type ReasonCodeRule = {
  code: string;
  status: string;
  stage: "EPOCH_CLOSE" | "INGEST" | "BOTH";
  message: string;
  overridable: boolean;
};

/** Every reason code of core, the fraud rules' first (in `REASONS`' order), then the ingest-only ones. */
export function reasonCodeRules(): ReasonCodeRule[] {
  const ingest = INGEST_REASONS as Record<string, string>;
  const rules: ReasonCodeRule[] = (Object.keys(REASONS) as ReasonCode[]).map((code) => ({
    code,
    status: REASONS[code].status,
    stage: code in ingest ? "BOTH" : "EPOCH_CLOSE",
    message: REASONS[code].message,
    overridable: overridable(code),
  }));
  for (const [code, message] of Object.entries(ingest))
    if (!(code in REASONS)) rules.push({ code, status: "rejected", stage: "INGEST", message, overridable: false });
  return rules;
}

export const rulesResolvers = {
  Query: {
    ledgerRules: (_: unknown, _args: unknown, ctx: RulesContext) => {
      const server = ctx.req?.server;
      if (!server)
        throw new GraphQLError("ledgerRules needs an HTTP request (the coordinator's clock).", {
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        });
      return {
        epochSeconds: server.coordinator.clock.epochSeconds,
        epochGenesis: BigInt(server.coordinator.clock.genesis),
        graceSeconds: server.epochGraceSeconds,
        defaultRateCard: {
          ...DEFAULT_RATE_CARD,
          uptimeTiers: [...DEFAULT_RATE_CARD.uptimeTiers],
          hash: rateCardHash(DEFAULT_RATE_CARD),
        },
        reasonCodes: reasonCodeRules(),
      };
    },
  },
};
