/**
 * The rate-card routes: `POST /v1/admin/rate-cards` (the next version, through
 * services/admin.ts `createRateCard`) and `GET /v1/admin/rate-cards` (every version).
 */
import type { FastifyInstance } from "fastify";
import { currentEpoch } from "../../../core/epoch-clock.ts";
import { listRateCards, type RateCardRow } from "../../repositories/rate-cards.ts";
import { createRateCard } from "../../services/admin.ts";
import { epochNumber, errorResponses } from "../../../http/schemas.ts";
import { policyFields, security } from "./schemas.ts";
import { actorOf } from "./scope.ts";

const rateCardSchema = {
  type: "object",
  properties: {
    version: { type: "integer" },
    effectiveEpoch: { type: "integer" },
    rateMicroUsdPerGb: { type: "string" },
    founderMultiplierBps: { type: "integer" },
    uptimeBonusBps: { type: "integer" },
    details: { type: "object", additionalProperties: true },
    createdBy: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

const rateCardOut = (c: RateCardRow) => ({ ...c, rateMicroUsdPerGb: c.rateMicroUsdPerGb.toString() });

export default async function rateCardRoutes(app: FastifyInstance): Promise<void> {
  app.post<{
    Body: {
      effectiveEpoch: number;
      rateMicroUsdPerGb: string;
      founderMultiplierBps: number;
      uptimeBonusBps: number;
      details?: Record<string, unknown>;
      policySignature?: string;
    };
  }>(
    "/v1/admin/rate-cards",
    {
      config: { scope: "admin:rate-cards" },
      schema: {
        tags: ["admin"],
        summary:
          "Add the next rate-card version, effective from an epoch after every earlier card's and at least " +
          "LEDGER_RATE_CARD_NOTICE_EPOCHS (default 2) after the current one",
        security,
        body: {
          type: "object",
          required: ["effectiveEpoch", "rateMicroUsdPerGb", "founderMultiplierBps", "uptimeBonusBps"],
          additionalProperties: false,
          properties: {
            effectiveEpoch: epochNumber,
            rateMicroUsdPerGb: {
              type: "string",
              pattern: "^(0|[1-9][0-9]{0,17})$",
              description: "µUSD per GB, e.g. 50000 = $0.05/GB",
            },
            // ranges are core's (validateRateCard, the check the epoch close runs): 400 VALIDATION_FAILED
            founderMultiplierBps: { type: "integer", description: "10 000 (1×) … 100 000 (10×); 11 000 = 1.1×" },
            uptimeBonusBps: {
              type: "integer",
              description: "0 … 10 000: one tier from 95 % uptime, unless details.uptimeTiers lists them",
            },
            details: { type: "object", additionalProperties: true, maxProperties: 64 },
            policySignature: policyFields.policySignature,
          },
        },
        response: { 201: rateCardSchema, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const card = await createRateCard(app.db, actorOf(request), app.policyKey, {
        effectiveEpoch: b.effectiveEpoch,
        rateMicroUsdPerGb: BigInt(b.rateMicroUsdPerGb),
        founderMultiplierBps: b.founderMultiplierBps,
        uptimeBonusBps: b.uptimeBonusBps,
        details: b.details,
        currentEpoch: currentEpoch(app.coordinator.clock, app.coordinator.now()),
        noticeEpochs: app.rateCardNoticeEpochs,
        policySignature: b.policySignature,
      });
      return reply.status(201).send(rateCardOut(card));
    },
  );

  app.get(
    "/v1/admin/rate-cards",
    {
      config: { scope: "admin:read" },
      schema: {
        tags: ["admin"],
        summary: "Every rate-card version",
        security,
        response: { 200: { type: "array", items: rateCardSchema }, ...errorResponses(true) },
      },
    },
    async () => (await listRateCards(app.db)).map(rateCardOut),
  );
}
