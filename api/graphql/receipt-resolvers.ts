/**
 * Receipts' epoch verdicts and inclusion proofs (`Receipt.epochVerdict`, `Receipt.inclusion`,
 * `Query.receiptInclusion`) and per-session impact summaries (`Supporter.sessions`). Proofs come
 * from the epoch's stored dataset rebuilt with core (receipt-proofs.ts) and are served only
 * when the rebuilt root equals the `receiptsRoot` the oracle stored for the epoch.
 */
import DataLoader from "dataloader";
import { receiptLeafHash } from "../../core/receipts-tree.ts";
import type { Hex } from "../lib/hex.ts";
import {
  COMPUTED_STATUSES,
  epochCommitments,
  sessionImpacts,
  type EpochCommitmentRow,
  type SessionImpactRow,
} from "../repositories/graphql-receipts.ts";
import type { ReceiptRow, SupporterNodeRow } from "../repositories/graphql-supporters.ts";
import { userError } from "./errors.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "./pagination.ts";
import { datasetReceiptIndex, type DatasetReceiptIndex } from "./receipt-proofs.ts";
import type { GraphqlContext } from "./resolvers.ts";

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

const UINT_RE = /^(0|[1-9]\d{0,18})$/;
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

/** The epoch's receipt index, when it is computed and its stored dataset rebuilds the stored root. */
async function indexOf(
  ctx: GraphqlContext,
  epoch: bigint,
): Promise<{ commitment: EpochCommitmentRow; index: DatasetReceiptIndex } | null> {
  const c = await commitments(ctx).load(epoch);
  if (!c || !COMPUTED.has(c.status) || !c.datasetHash || !c.receiptsRoot) return null;
  const index = datasetReceiptIndex(ctx.dataDir, c.datasetHash);
  if (!index || index.receiptsRoot !== c.receiptsRoot) return null; // never a proof against another root
  return { commitment: c, index };
}

function inclusionOf(c: EpochCommitmentRow, index: DatasetReceiptIndex, leafIndex: number): ReceiptInclusion {
  const leaf = index.leaf(leafIndex);
  return {
    epoch: c.epoch,
    chainEpoch: c.chainEpoch,
    receiptId: leaf.receiptId.toLowerCase() as Hex,
    countedBytes: leaf.countedBytes,
    leaf: receiptLeafHash(leaf),
    proof: index.proof(leafIndex),
    receiptsRoot: c.receiptsRoot!,
  };
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
      const found = await indexOf(ctx, args.epoch);
      if (!found) return null;
      const at = found.index.leafOf(args.receiptId);
      return at < 0 ? null : inclusionOf(found.commitment, found.index, at);
    },
  },

  Receipt: {
    epochVerdict: async (r: ReceiptRow, _: unknown, ctx: GraphqlContext) => {
      const found = await indexOf(ctx, r.epoch);
      const hit = found?.index.byKey(r.sessionId, r.supporter, r.seq);
      if (!hit) return null;
      const v = hit.verdict;
      return {
        receiptId: v.id,
        status: v.status,
        reasons: v.reasons,
        claimedBytes: v.claimedBytes,
        countedBytes: v.countedBytes,
      };
    },
    inclusion: async (r: ReceiptRow, _: unknown, ctx: GraphqlContext) => {
      const found = await indexOf(ctx, r.epoch);
      const hit = found?.index.byKey(r.sessionId, r.supporter, r.seq);
      if (!found || !hit || hit.leafIndex < 0) return null;
      return inclusionOf(found.commitment, found.index, hit.leafIndex);
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
          !UINT_RE.test(last) ||
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
