import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { DOMAIN_NAME, DOMAIN_VERSION, type Address } from "../../core/eip712/domain.ts";
import type { SessionGrant } from "../../core/eip712/sessions.ts";
import { type Hex } from "../../core/hex.ts";
import { ApiError, conflict } from "../../http/api-error.ts";
import { MAX_INT8 } from "../../http/wire.ts";
import { insertGrant, type GrantRow } from "../repositories/grants.ts";
import { address, bytes32, errorResponses, signature, uint64 } from "../../http/schemas.ts";

/** Default and largest lifetime of a grant. */
const DEFAULT_TTL_SECONDS = 6 * 3600;
const MAX_TTL_SECONDS = 7 * 86_400;

const grantResponse = {
  type: "object",
  required: ["grant", "signature", "coordinator", "domain"],
  properties: {
    grant: {
      type: "object",
      properties: {
        sessionId: bytes32,
        viewer: address,
        streamId: bytes32,
        maxBitsPerSecond: { type: "string" },
        notBefore: { type: "string" },
        notAfter: { type: "string" },
      },
    },
    signature,
    coordinator: address,
    domain: {
      type: "object",
      properties: {
        name: { type: "string" },
        version: { type: "string" },
        chainId: { type: "integer" },
        verifyingContract: address,
      },
    },
  },
} as const;

type Body = {
  viewer: Address;
  streamId: Hex;
  maxBitsPerSecond: number | string;
  sessionId?: Hex;
  notBefore?: number | string;
  notAfter?: number | string;
};

/** Session grants: the streaming platform asks the coordinator to sign a viewer's session key. */
export default async function sessionRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: Body }>(
    "/v1/sessions",
    {
      onRequest: app.requireScope("sessions:write"),
      schema: {
        tags: ["platform"],
        summary: "Issue a coordinator-signed SessionGrant for a viewer's ephemeral key",
        description:
          "Needs scope `sessions:write`. `notBefore` defaults to now, `notAfter` to 6 hours later (at most 7 days). " +
          "With a client-chosen `sessionId` the call is idempotent: the same parameters return the stored grant (200); " +
          "different ones are a 409.",
        security: [{ apiKey: [] }],
        body: {
          type: "object",
          required: ["viewer", "streamId", "maxBitsPerSecond"],
          additionalProperties: false,
          properties: {
            viewer: address,
            streamId: bytes32,
            maxBitsPerSecond: uint64,
            sessionId: bytes32,
            notBefore: uint64,
            notAfter: uint64,
          },
        },
        response: { 200: grantResponse, 201: grantResponse, ...errorResponses(true) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const { coordinator } = app;
      const now = BigInt(Math.floor(coordinator.now() / 1000));
      const notBefore = b.notBefore === undefined ? now : BigInt(b.notBefore);
      const notAfter = b.notAfter === undefined ? notBefore + BigInt(DEFAULT_TTL_SECONDS) : BigInt(b.notAfter);
      if (notAfter < notBefore) throw new ApiError(400, "INVALID_WINDOW", "notAfter must not be before notBefore.");
      if (notAfter - notBefore > BigInt(MAX_TTL_SECONDS))
        throw new ApiError(400, "INVALID_WINDOW", `A grant lasts at most ${MAX_TTL_SECONDS} seconds.`);
      if (notAfter < now) throw new ApiError(400, "INVALID_WINDOW", "notAfter is in the past.");
      if (notAfter > MAX_INT8)
        throw new ApiError(400, "INVALID_WINDOW", `notAfter may be at most ${MAX_INT8}; send an earlier window.`);
      const grant: SessionGrant = {
        sessionId: (b.sessionId ?? `0x${randomBytes(32).toString("hex")}`).toLowerCase() as Hex,
        viewer: b.viewer.toLowerCase() as Address,
        streamId: b.streamId.toLowerCase() as Hex,
        maxBitsPerSecond: BigInt(b.maxBitsPerSecond),
        notBefore,
        notAfter,
      };
      const row: GrantRow = {
        ...grant,
        signature: coordinator.signGrant(grant),
        issuedBy: request.apiKey!.id,
      };
      const { grant: stored, created } = await insertGrant(app.db, row);
      if (!created) {
        const same =
          stored.viewer === row.viewer &&
          stored.streamId === row.streamId &&
          stored.maxBitsPerSecond === row.maxBitsPerSecond &&
          (b.notBefore === undefined || stored.notBefore === row.notBefore) &&
          (b.notAfter === undefined || stored.notAfter === row.notAfter);
        if (!same)
          throw conflict("SESSION_EXISTS", `Session ${row.sessionId} already has a grant with other parameters.`);
      }
      return reply.status(created ? 201 : 200).send({
        grant: {
          sessionId: stored.sessionId,
          viewer: stored.viewer,
          streamId: stored.streamId,
          maxBitsPerSecond: stored.maxBitsPerSecond.toString(),
          notBefore: stored.notBefore.toString(),
          notAfter: stored.notAfter.toString(),
        },
        signature: stored.signature,
        coordinator: coordinator.address,
        domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, ...coordinator.domain },
      });
    },
  );
}
