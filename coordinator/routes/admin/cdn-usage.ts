/**
 * CDN usage: `POST /v1/admin/cdn-usage` (a report of the bytes the platform's CDN served, through
 * services/admin-settings.ts) and the public `GET /v1/epochs/:epoch/offload` it feeds.
 */
import type { FastifyInstance } from "fastify";
import { offload } from "../../repositories/cdn-usage.ts";
import { reportCdnUsage } from "../../services/admin-settings.ts";
import { epochNumber, epochText, errorResponses, uint256String } from "../../../http/schemas.ts";
import { epochResponse, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

export default async function cdnUsageRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { epoch: number; provider?: string; servedBytes: string } }>(
    "/v1/admin/cdn-usage",
    {
      config: { scope: "admin:cdn-usage" },
      schema: {
        tags: ["admin"],
        summary: "Report the bytes the platform's CDN served in an epoch (replaces an earlier report)",
        security,
        body: {
          type: "object",
          required: ["epoch", "servedBytes"],
          additionalProperties: false,
          properties: {
            epoch: epochNumber,
            provider: { type: "string", pattern: "^[a-z0-9][a-z0-9_.-]{0,63}$" },
            servedBytes: uint256String,
          },
        },
        response: {
          200: epochResponse({
            provider: { type: "string" },
            servedBytes: { type: "string" },
            previousBytes: { type: ["string", "null"] },
          }),
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const { usage, previousBytes } = await reportCdnUsage(app.db, actorOf(request), {
        epoch: b.epoch,
        provider: b.provider ?? "default",
        servedBytes: BigInt(b.servedBytes),
      });
      return {
        epoch: usage.epoch,
        provider: usage.provider,
        servedBytes: usage.servedBytes.toString(),
        previousBytes: previousBytes?.toString() ?? null,
      };
    },
  );

  app.get<{ Params: { epoch: string } }>(
    "/v1/epochs/:epoch/offload",
    {
      schema: {
        tags: ["ingest"],
        summary: "Supporter bytes vs CDN bytes in an epoch (offload ratio in basis points)",
        params: textParams({ epoch: epochText }),
        response: {
          200: epochResponse({
            supporterBytes: { type: "string" },
            cdnBytes: { type: "string" },
            offloadBps: { type: ["string", "null"] },
          }),
        },
      },
    },
    async (request) => {
      const epoch = Number(request.params.epoch);
      const o = await offload(app.db, epoch);
      return {
        epoch,
        supporterBytes: o.supporterBytes.toString(),
        cdnBytes: o.cdnBytes.toString(),
        offloadBps: o.offloadBps?.toString() ?? null,
      };
    },
  );
}
