import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { cachedDataset } from "../../db/dataset-store.ts";
import { ApiError } from "../../http/api-error.ts";
import { datasetHashOfChainEpoch } from "../repositories/lifecycle.ts";
import { errorResponse } from "../../http/schemas.ts";

export type DatasetRoutesOptions = {
  /** `LEDGER_DATA_DIR`: this server's cache of published datasets (`<dataDir>/datasets/<datasetHash>.jsonl`). */
  dataDir: string;
};

/** The largest epoch number accepted (18 digits: below 2^63, the int8 column's range). */
/** A computed epoch's dataset is published within the oracle's compute transaction: seconds, not minutes. */
const DATASET_RETRY_AFTER_SECONDS = 5;

const EPOCH_PATTERN = "^(0|[1-9][0-9]{0,17})$";

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
          "Streams the dataset the oracle computed for contract epoch `n` (`application/x-ndjson`), as published " +
          "in the database (every replica serves every epoch); the header `x-dataset-hash` and the `ETag` are its " +
          "keccak256, the `datasetHash` signed into the epoch's root. Supports `Range: bytes=a-b` (206) and " +
          "`If-None-Match` (304). 404 `NOT_FOUND` when the epoch is unknown or not computed yet; 503 " +
          "`DATASET_UNAVAILABLE` (with `Retry-After`) when it is computed but not published yet; 416 for a range " +
          "past the end.",
        params: {
          type: "object",
          required: ["n"],
          additionalProperties: false,
          properties: { n: { type: "string", pattern: EPOCH_PATTERN } },
        },
        response: { 404: errorResponse, 416: errorResponse, 503: errorResponse },
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
      // published in the database (any replica), cached in this server's data directory
      const file = await cachedDataset(app.db, options.dataDir, found.datasetHash);
      let size: number | undefined;
      if (file)
        try {
          const s = await stat(file);
          if (s.isFile()) size = s.size;
        } catch {
          size = undefined;
        }
      if (file === null || size === undefined) {
        request.log.warn({ epoch: epoch.toString(), datasetHash: found.datasetHash }, "dataset not published");
        throw new ApiError(
          503,
          "DATASET_UNAVAILABLE",
          `The dataset ${found.datasetHash} of epoch ${epoch} is not published yet: try again once the oracle has stored it.`,
          { retryAfterSeconds: DATASET_RETRY_AFTER_SECONDS },
        );
      }
      const etag = `"${found.datasetHash}"`;
      reply
        .header("x-dataset-hash", found.datasetHash)
        .header("etag", etag)
        .header("accept-ranges", "bytes")
        .header("cache-control", "no-cache"); // after a veto the epoch's dataset is the recomputation: revalidate by ETag
      if (request.headers["if-none-match"] === etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, size);
      if (range === "unsatisfiable") {
        reply.header("content-range", `bytes */${size}`);
        throw new ApiError(
          416,
          "RANGE_NOT_SATISFIABLE",
          `The dataset has ${size} bytes: ask for a range inside 0-${size - 1}.`,
        );
      }
      reply.header("content-type", "application/x-ndjson");
      if (range === null) return reply.header("content-length", size).send(createReadStream(file));
      return reply
        .code(206)
        .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
        .header("content-length", range.end - range.start + 1)
        .send(createReadStream(file, { start: range.start, end: range.end }));
    },
  );
}

/**
 * One `Range: bytes=…` range (`a-b`, `a-`, `-n`) within `size` bytes; null when there is none to
 * honour (absent, another unit, several ranges: the whole dataset is sent, as RFC 9110 allows);
 * "unsatisfiable" when it starts past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | "unsatisfiable" {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}
