import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../../lib/api-error.ts";
import { datasetHashOfChainEpoch } from "../../repositories/graphql-oracle.ts";
import { errorResponse } from "./schemas.ts";

export type DatasetRoutesOptions = {
  /** `LEDGER_DATA_DIR`: the oracle writes datasets to `<dataDir>/datasets/<datasetHash>.jsonl`. */
  dataDir: string;
};

/** The largest epoch number accepted (18 digits: below 2^63, the int8 column's range). */
const EPOCH_PATTERN = "^(0|[1-9][0-9]{0,17})$";
const HASH_RE = /^0x[0-9a-f]{64}$/;

/**
 * The file of a content-addressed dataset. The only input is a hash read from the database and
 * checked to be 32 bytes of lowercase hex, so no request can name another path.
 */
export function datasetFile(dataDir: string, datasetHash: string): string {
  if (!HASH_RE.test(datasetHash)) throw new Error(`not a dataset hash: ${datasetHash}`);
  return path.join(dataDir, "datasets", `${datasetHash}.jsonl`);
}

/**
 * `GET /v1/epochs/:n/dataset`: the canonical dataset (`streamr-epoch-dataset/1`, NDJSON) of
 * contract epoch `n`, streamed, with its `x-dataset-hash` — the hash the oracle signers signed —
 * so anyone can recompute the epoch (`ledger verify-epoch`). `n` is the contract's epoch
 * number (as in GraphQL `epoch(id:)` and `RootProposed`); the dataset served is the oracle's
 * current computation of it (after a veto: the recomputation), else the one of its latest
 * on-chain proposal.
 */
export default async function datasetRoutes(app: FastifyInstance, options: DatasetRoutesOptions): Promise<void> {
  app.get<{ Params: { n: string } }>(
    "/v1/epochs/:n/dataset",
    {
      schema: {
        tags: ["audit"],
        summary: "An epoch's canonical dataset (NDJSON), to recompute the epoch",
        description:
          "Streams the dataset the oracle computed for contract epoch `n` (`application/x-ndjson`); the header " +
          "`x-dataset-hash` is its keccak256, the `datasetHash` signed into the epoch's root. 404 `NOT_FOUND` " +
          "when the epoch is unknown or not computed yet, or when this server lacks the file (the message says which).",
        params: {
          type: "object",
          required: ["n"],
          additionalProperties: false,
          properties: { n: { type: "string", pattern: EPOCH_PATTERN } },
        },
        response: { 404: errorResponse },
      },
    },
    async (request, reply) => {
      const epoch = BigInt(request.params.n);
      const found = epoch === 0n ? undefined : await datasetHashOfChainEpoch(app.db, epoch);
      if (!found)
        throw new ApiError(
          404,
          "NOT_FOUND",
          `Epoch ${epoch} has no dataset: it is unknown or not computed yet (epochs are numbered from 1, as on-chain).`,
        );
      const file = datasetFile(options.dataDir, found.datasetHash);
      let size: number;
      try {
        const s = await stat(file);
        if (!s.isFile()) throw new Error("not a file");
        size = s.size;
      } catch {
        request.log.warn({ epoch: epoch.toString(), datasetHash: found.datasetHash }, "dataset file missing");
        throw new ApiError(
          404,
          "NOT_FOUND",
          `The dataset ${found.datasetHash} of epoch ${epoch} is not stored on this server.`,
        );
      }
      return reply
        .header("content-type", "application/x-ndjson")
        .header("content-length", size)
        .header("x-dataset-hash", found.datasetHash)
        .header("etag", `"${found.datasetHash}"`)
        .header("cache-control", "no-cache")
        .send(createReadStream(file));
    },
  );
}
