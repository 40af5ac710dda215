/**
 * `POST /v1/admin/epochs/:epoch/close`: an admin's request to close an ended OPEN epoch without
 * the late-receipt grace, through services/admin.ts `closeEpoch` (the oracle's close carries it out).
 */
import type { FastifyInstance } from "fastify";
import { closeEpoch } from "../../services/admin.ts";
import { epochText, errorResponse, errorResponses } from "../../../http/schemas.ts";
import { epochResponse, security, textParams } from "./schemas.ts";
import { actorOf } from "./scope.ts";

export default async function epochRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { epoch: string } }>(
    "/v1/admin/epochs/:epoch/close",
    {
      config: { scope: "admin:epochs" },
      schema: {
        tags: ["admin"],
        summary:
          "Close an OPEN epoch whose window has ended, skipping the late-receipt grace (the oracle computes it next)",
        security,
        params: textParams({ epoch: epochText }),
        response: {
          200: epochResponse({ status: { type: "string" }, endsAt: { type: "string", format: "date-time" } }),
          404: errorResponse,
          409: errorResponse,
          ...errorResponses(true),
        },
      },
    },
    async (request) => {
      const r = await closeEpoch(app.db, actorOf(request), {
        epoch: Number(request.params.epoch),
        now: new Date(app.coordinator.now()),
      });
      return { epoch: Number(r.epoch), status: r.status, endsAt: r.endsAt };
    },
  );
}
