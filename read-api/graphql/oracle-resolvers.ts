/**
 * Resolvers over the oracle's epochs: takes coordinator or chain epochs and hands on their state,
 * timeline, rate card, signatures, statements, leaves, network metrics and `Epoch.verification`.
 * Thin: they call repositories (through the per-request DataLoaders) and core's pure functions only.
 */
import { parseRateCard } from "../../core/ratecard.ts";
import type { Hex } from "../../core/hex.ts";
import type { EpochRow } from "../repositories/chain-epochs.ts";
import { listOracleEpochs, type OracleEpochRow, type SignatureRow } from "../repositories/epochs.ts";
import { leavesPage, type LeafRow } from "../repositories/leaves.ts";
import type { CdnReportRow, NetworkMetricsRow } from "../repositories/network-metrics.ts";
import { statementsOfEpoch } from "../repositories/statements.ts";
import { hexOf, statementCursor, uint, type Cursor } from "./args.ts";
import type { GraphqlContext } from "./context.ts";
import { datasetHeader, rateCardOut, verificationOf } from "./epoch-verification.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";

const leafCursor = (r: LeafRow) => encodeCursor("leaf", [r.account]);
function afterLeaf(after: string | null | undefined): Hex | undefined {
  if (!after) return undefined;
  const [account] = decodeCursor("leaf", after, 1);
  return hexOf(account);
}

export const oracleResolvers = {
  Query: {
    oracleEpoch: (_: unknown, args: { epoch: bigint }, ctx: GraphqlContext) => ctx.loaders.oracleEpoch.load(args.epoch),
    oracleEpochs: async (_: unknown, args: Cursor & { status?: string | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const before = args.after ? uint(decodeCursor("oracleEpoch", args.after, 1)[0]) : undefined;
      const rows = await listOracleEpochs(ctx.db, { limit: limit + 1, before, status: args.status ?? undefined });
      for (const r of rows) ctx.loaders.oracleEpoch.prime(r.epoch, r);
      return connectionOf(rows, limit, (r) => encodeCursor("oracleEpoch", [r.epoch.toString()]));
    },
    networkMetrics: (_: unknown, args: { epoch: bigint }, ctx: GraphqlContext) => ctx.loaders.metrics.load(args.epoch),
  },

  Epoch: {
    oracle: async (e: EpochRow, _: unknown, ctx: GraphqlContext) => {
      const o = await ctx.loaders.oracleEpochByChainEpoch.load(e.epoch);
      return o && o.root === e.root ? o : null;
    },
    leaves: async (e: EpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const o = await ctx.loaders.oracleEpochByChainEpoch.load(e.epoch);
      if (!o || o.root !== e.root) return connectionOf([], limit, leafCursor);
      return connectionOf(
        await leavesPage(ctx.db, o.epoch, { limit: limit + 1, after: afterLeaf(args.after) }),
        limit,
        leafCursor,
      );
    },
    verification: (e: EpochRow, _: unknown, ctx: GraphqlContext) => verificationOf(ctx, ctx.caches.verifications, e),
  },

  OracleEpoch: {
    startsAt: (o: OracleEpochRow) => o.startsAt.toISOString(),
    endsAt: (o: OracleEpochRow) => o.endsAt.toISOString(),
    timeline: (o: OracleEpochRow) =>
      (
        [
          ["CLOSED", o.closedAt],
          ["COMPUTED", o.computedAt],
          ["SIGNED", o.signedAt],
          ["POSTED", o.postedAt],
          ["VETOED", o.vetoedAt],
          ["FINALIZED", o.finalizedAt],
        ] as const
      )
        .filter(([, at]) => at !== null)
        .map(([status, at]) => ({ status, at: at! }))
        .sort((a, b) => a.at.getTime() - b.at.getTime())
        .map((c) => ({ status: c.status, at: c.at.toISOString() })),
    proRata: (o: OracleEpochRow) =>
      o.proRataNumerator !== null && o.proRataDenominator !== null
        ? { numerator: o.proRataNumerator, denominator: o.proRataDenominator }
        : null,
    rateCard: async (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => {
      if (!o.datasetHash) return null;
      const header = await datasetHeader(ctx, o.datasetHash);
      if (!header || typeof header.rateCard !== "string") return null;
      return rateCardOut(parseRateCard(header.rateCard));
    },
    datasetUrl: (o: OracleEpochRow) =>
      o.datasetHash && o.chainEpoch !== null ? `/v1/epochs/${o.chainEpoch}/dataset` : null,
    proposeTransactionHash: (o: OracleEpochRow) => o.proposeTx,
    finalizeTransactionHash: (o: OracleEpochRow) => o.finalizeTx,
    signatures: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.signatures.load(o.epoch),
    chain: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) =>
      o.chainEpoch === null ? null : ctx.loaders.epoch.load(o.chainEpoch),
    statements: async (o: OracleEpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after: Hex | undefined;
      if (args.after) {
        const [, account] = decodeCursor("statement", args.after, 2);
        after = hexOf(account);
      }
      return connectionOf(
        await statementsOfEpoch(ctx.db, o.epoch, { limit: limit + 1, after }),
        limit,
        statementCursor,
      );
    },
    leaves: async (o: OracleEpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      return connectionOf(
        await leavesPage(ctx.db, o.epoch, { limit: limit + 1, after: afterLeaf(args.after) }),
        limit,
        leafCursor,
      );
    },
    metrics: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.metrics.load(o.epoch),
    ledger: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.ledgerEpochBalance.load(o.epoch),
  },

  EpochSignature: { signedAt: (s: SignatureRow) => s.signedAt.toISOString() },
  CdnReport: { reportedAt: (r: CdnReportRow) => r.reportedAt.toISOString() },
  NetworkMetrics: {
    supporterCountedBytes: (m: NetworkMetricsRow) => m.countedBytes,
    supporterSubmittedBytes: (m: NetworkMetricsRow) => m.submittedBytes,
    offloadBps: (m: NetworkMetricsRow) => {
      const s = m.countedBytes ?? m.submittedBytes;
      return s + m.cdnBytes === 0n ? null : (s * 10_000n) / (s + m.cdnBytes);
    },
  },
};
