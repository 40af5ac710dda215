/**
 * Receipts' epoch verdicts and inclusion proofs (`Receipt.epochVerdict`, `Receipt.inclusion`,
 * `Query.receiptInclusion`) and per-session impact summaries (`Supporter.sessions`). Proofs come
 * from the epoch's stored dataset rebuilt with core (receipt-proofs.ts, in a worker thread:
 * receipt-proof-client.ts) and are served only when the rebuilt root equals the `receiptsRoot`
 * the oracle stored for the epoch.
 */
import DataLoader from "dataloader";
import { cachedDataset } from "../../db/dataset-store.ts";
import { isDatabaseUnavailable } from "../../db/errors.ts";
import { receiptLeafHash } from "../../core/receipts-tree.ts";
import type { Hex } from "../../core/hex.ts";
import { isInt8Decimal } from "../../http/wire.ts";
import { COMPUTED_STATUSES, epochCommitments, type EpochCommitmentRow } from "../repositories/epochs.ts";
import { sessionImpacts, type ReceiptRow, type SessionImpactRow } from "../repositories/receipts.ts";
import type { SupporterNodeRow } from "../repositories/supporters.ts";
import { userError } from "../../http/graphql/errors.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";
import { lookupReceiptProofs } from "./receipt-proof-client.ts";
import type { FoundProof, FoundReceipt } from "./receipt-proof-worker.ts";
import type { GraphqlContext } from "./context.ts";

type Supporter = { address: Hex; nodes: SupporterNodeRow[] };

export type ReceiptInclusion = {
  epoch: bigint;
  chainEpoch: bigint | null;
  receiptId: Hex;
  countedBytes: bigint;
  leaf: Hex;
  proof: Hex[];
  receiptsRoot: Hex;
};

const BYTES32_RE = /^0x[0-9a-f]{64}$/;
const COMPUTED: ReadonlySet<string> = new Set(COMPUTED_STATUSES);

/** Per request: the oracle's commitments by coordinator epoch, batched. */
const commitmentLoaders = new WeakMap<object, DataLoader<bigint, EpochCommitmentRow | null, string>>();
function commitments(ctx: GraphqlContext) {
  let loader = commitmentLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader<bigint, EpochCommitmentRow | null, string>(
      async (epochs) => {
        const rows = await epochCommitments(ctx.db, epochs);
        const byEpoch = new Map(rows.map((r) => [r.epoch, r]));
        return epochs.map((e) => byEpoch.get(e) ?? null);
      },
      { cacheKeyFn: (e) => e.toString() },
    );
    commitmentLoaders.set(ctx, loader);
  }
  return loader;
}

type ComputedCommitment = EpochCommitmentRow & { datasetHash: Hex; receiptsRoot: Hex };

/** The epoch's commitment when its computation stands and its dataset can answer for it. */
async function computed(ctx: GraphqlContext, epoch: bigint): Promise<ComputedCommitment | null> {
  const c = await commitments(ctx).load(epoch);
  if (!c || !COMPUTED.has(c.status) || !c.datasetHash || !c.receiptsRoot) return null;
  // the proof worker reads this server's cached file: fill it from the published dataset
  try {
    await cachedDataset(ctx.db, ctx.dataDir, c.datasetHash);
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err; // a corrupt dataset answers "no proof", as a missing one
  }
  return { ...c, datasetHash: c.datasetHash, receiptsRoot: c.receiptsRoot };
}

function inclusionOf(c: ComputedCommitment, found: FoundProof): ReceiptInclusion {
  return {
    epoch: c.epoch,
    chainEpoch: c.chainEpoch,
    receiptId: found.receiptId,
    countedBytes: found.countedBytes,
    leaf: receiptLeafHash({ receiptId: found.receiptId, countedBytes: found.countedBytes }),
    proof: found.proof,
    receiptsRoot: c.receiptsRoot,
  };
}

type ReceiptLookup = { commitment: ComputedCommitment; found: FoundReceipt } | null;
const keyOf = (r: ReceiptRow) => `${r.epoch}:${r.sessionId}:${r.supporter}:${r.seq}`;

/**
 * Per request: receipts' verdicts and proofs, one worker lookup per epoch for a whole page
 * (the worker answers from the stored dataset only when it rebuilds the stored receiptsRoot).
 */
const receiptLoaders = new WeakMap<object, DataLoader<ReceiptRow, ReceiptLookup, string>>();
function receiptLookups(ctx: GraphqlContext) {
  let loader = receiptLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader<ReceiptRow, ReceiptLookup, string>(
      async (rows) => {
        const out: ReceiptLookup[] = rows.map(() => null);
        const byEpoch = new Map<bigint, number[]>();
        rows.forEach((r, i) => byEpoch.set(r.epoch, [...(byEpoch.get(r.epoch) ?? []), i]));
        await Promise.all(
          [...byEpoch].map(async ([epoch, at]) => {
            const c = await computed(ctx, epoch);
            if (!c) return;
            const res = await lookupReceiptProofs({
              dataDir: ctx.dataDir,
              datasetHash: c.datasetHash,
              receiptsRoot: c.receiptsRoot,
              keys: at.map((i) => ({
                sessionId: rows[i]!.sessionId,
                supporter: rows[i]!.supporter,
                seq: rows[i]!.seq,
              })),
              receiptIds: [],
            });
            if (!res.available) return;
            at.forEach((i, k) => {
              const found = res.receipts[k];
              if (found) out[i] = { commitment: c, found };
            });
          }),
        );
        return out;
      },
      { cacheKeyFn: keyOf },
    );
    receiptLoaders.set(ctx, loader);
  }
  return loader;
}

const sessionCursor = (s: SessionImpactRow) => encodeCursor("session", [s.lastReceiptAt.toString(), s.sessionId]);

export const receiptResolvers = {
  Query: {
    receiptInclusion: async (_: unknown, args: { epoch: bigint; receiptId: Hex }, ctx: GraphqlContext) => {
      if (!BYTES32_RE.test(args.receiptId))
        throw userError("BAD_USER_INPUT", "`receiptId` must be 32 bytes (the receipt's EIP-712 digest).", {
          argument: "receiptId",
        });
      if (args.epoch >= 2n ** 63n) throw userError("BAD_USER_INPUT", "`epoch` is out of range.", { argument: "epoch" });
      const c = await computed(ctx, args.epoch);
      if (!c) return null;
      const res = await lookupReceiptProofs({
        dataDir: ctx.dataDir,
        datasetHash: c.datasetHash,
        receiptsRoot: c.receiptsRoot,
        keys: [],
        receiptIds: [args.receiptId],
      });
      const found = res.available ? res.proofs[0] : null;
      return found ? inclusionOf(c, found) : null;
    },
  },

  Receipt: {
    epochVerdict: async (r: ReceiptRow, _: unknown, ctx: GraphqlContext) => {
      const hit = await receiptLookups(ctx).load(r);
      if (!hit) return null;
      const v = hit.found.verdict;
      return {
        receiptId: v.id,
        status: v.status,
        reasons: v.reasons,
        claimedBytes: v.claimedBytes,
        countedBytes: v.countedBytes,
      };
    },
    inclusion: async (r: ReceiptRow, _: unknown, ctx: GraphqlContext) => {
      const hit = await receiptLookups(ctx).load(r);
      return hit?.found.inclusion ? inclusionOf(hit.commitment, hit.found.inclusion) : null;
    },
  },

  ReceiptInclusion: {
    onChainReceiptsRoot: async (i: ReceiptInclusion, _: unknown, ctx: GraphqlContext) =>
      i.chainEpoch === null ? null : ((await ctx.loaders.epoch.load(i.chainEpoch))?.receiptsRoot ?? null),
  },

  Supporter: {
    sessions: async (
      s: Supporter,
      args: { first?: number | null; after?: string | null; sessionId?: Hex | null },
      ctx: GraphqlContext,
    ) => {
      const { limit } = pageArgs(args.first ?? 20);
      if (args.sessionId != null && !BYTES32_RE.test(args.sessionId))
        throw userError("BAD_USER_INPUT", "`sessionId` must be 32 bytes.", { argument: "sessionId" });
      let after;
      if (args.after) {
        const [last, sessionId] = decodeCursor("session", args.after, 2);
        if (
          typeof last !== "string" ||
          !isInt8Decimal(last) ||
          typeof sessionId !== "string" ||
          !BYTES32_RE.test(sessionId)
        )
          throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
        after = { lastReceiptAt: BigInt(last), sessionId: sessionId as Hex };
      }
      const rows = await sessionImpacts(
        ctx.db,
        s.nodes.map((n) => n.address),
        { limit: limit + 1, after, sessionId: args.sessionId ?? undefined },
      );
      return connectionOf(rows, limit, sessionCursor);
    },
  },

  SessionImpact: {
    durationSeconds: (s: SessionImpactRow) => s.lastReceiptAt - s.firstReceiptAt,
  },
};
