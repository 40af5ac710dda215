import type { FastifyInstance } from "fastify";
import type { Address } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import { notFound } from "../../http/api-error.ts";
import { currentEpoch } from "../../core/epoch-clock.ts";
import { getNode, payoutHistory } from "../repositories/nodes.ts";
import { registerSupporter } from "../services/supporters.ts";
import { address, errorResponse, errorResponses, signature, uint64 } from "../../http/schemas.ts";

const supporterResponse = {
  type: "object",
  required: ["node", "founder", "currentEpoch", "payouts"],
  properties: {
    status: { enum: ["registered", "scheduled", "unchanged"] },
    node: address,
    founder: { type: "boolean" },
    currentEpoch: { type: "integer" },
    payouts: {
      type: "array",
      items: {
        type: "object",
        properties: {
          payoutAddress: address,
          effectiveEpoch: { type: "integer" },
          nonce: { type: "string" },
          submittedEpoch: { type: "integer" },
        },
      },
    },
  },
} as const;

type RegisterBody = {
  node: Address;
  payout: Address;
  effectiveEpoch: number | string;
  nonce: number | string;
  signature: Hex;
};

/** Supporter registry: register a node (node-signed), read a node's payout history. */
export default async function supporterRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: RegisterBody }>(
    "/v1/supporters",
    {
      schema: {
        tags: ["ingest"],
        summary: "Register a supporter node or schedule a payout-address change",
        description:
          "Body is a `SupporterRegistration` signed (EIP-712) by the node key. A new node's payout address takes effect " +
          "from `effectiveEpoch` (≥ the current epoch); a change needs a higher nonce and takes effect from the next epoch " +
          "at the earliest. Replays are idempotent (`unchanged`).",
        body: {
          type: "object",
          required: ["node", "payout", "effectiveEpoch", "nonce", "signature"],
          additionalProperties: false,
          properties: { node: address, payout: address, effectiveEpoch: uint64, nonce: uint64, signature },
        },
        response: { 200: supporterResponse, 201: supporterResponse, ...errorResponses(false) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await registerSupporter(
        { db: app.db, coordinator: app.coordinator },
        {
          node: b.node,
          payout: b.payout,
          effectiveEpoch: BigInt(b.effectiveEpoch),
          nonce: BigInt(b.nonce),
          signature: b.signature,
        },
      );
      return reply.status(result.status === "registered" ? 201 : 200).send(serialize(result));
    },
  );

  app.get<{ Params: { address: Address } }>(
    "/v1/supporters/:address",
    {
      schema: {
        tags: ["ingest"],
        summary: "A supporter node: founder status and payout addresses by effective epoch",
        params: { type: "object", required: ["address"], additionalProperties: false, properties: { address } },
        response: { 200: supporterResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const node = request.params.address.toLowerCase() as Address;
      const row = await getNode(app.db, node);
      if (!row) throw notFound(`Supporter ${node}`);
      return serialize({
        node,
        founder: row.founder,
        currentEpoch: Math.max(0, currentEpoch(app.coordinator.clock, app.coordinator.now())),
        payouts: await payoutHistory(app.db, node),
      });
    },
  );
}

function serialize(r: {
  status?: string;
  node: string;
  founder: boolean;
  currentEpoch: number;
  payouts: { payoutAddress: string; effectiveEpoch: number; nonce: bigint; submittedEpoch: number }[];
}) {
  return { ...r, payouts: r.payouts.map((p) => ({ ...p, nonce: p.nonce.toString() })) };
}
