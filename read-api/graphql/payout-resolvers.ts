/**
 * Resolvers over a supporter's payouts: takes a `Supporter` and hands on its payout accounts,
 * itemized statements, lifecycle totals, claim proof, uptime and flagged receipts. Thin: they call
 * repositories (through the per-request DataLoaders) and core's pure functions only.
 */
import { payoutProofs, type PayoutProofs } from "../../core/proof.ts";
import type { Statement } from "../../core/earnings.ts";
import type { Hex } from "../../core/hex.ts";
import { leavesOfEpoch } from "../repositories/leaves.ts";
import { latestFinalizedRoot } from "../repositories/lifecycle.ts";
import { unpricedBytesOfNodes } from "../repositories/receipts.ts";
import { statementsOfAccounts, type StatementFiguresRow, type StatementRow } from "../repositories/statements.ts";
import type { SupporterNodeRow } from "../repositories/supporters.ts";
import { verdictsOfNodes, type VerdictRow } from "../repositories/verdicts.ts";
import { address, hexOf, statementCursor, uint, type Cursor, type Supporter } from "./args.ts";
import type { GraphqlContext } from "./context.ts";
import { userError } from "../../http/graphql/errors.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * The proofs of the tree of an epoch's stored leaves when its root is `root`, else null; cached
 * by root in the app's `proofTrees` (context.ts).
 */
async function proofsOf(ctx: GraphqlContext, epoch: bigint, root: Hex): Promise<PayoutProofs | null> {
  const cached = ctx.caches.proofTrees.get(root);
  if (cached) return cached;
  const leaves = await leavesOfEpoch(ctx.db, epoch);
  if (leaves.length === 0) return null;
  const proofs = payoutProofs(leaves.map((l) => ({ account: l.account, amount: l.cumulativeMicroUsd })));
  if (proofs.root !== root) return null; // the stored leaves are not this root's (never expected)
  ctx.caches.proofTrees.set(root, proofs);
  return proofs;
}

/** The address itself and its nodes' payout addresses (history included), deduplicated. */
async function payoutAccounts(s: Supporter, ctx: GraphqlContext): Promise<Hex[]> {
  const accounts = new Set<Hex>([s.address]);
  if (s.nodes.some((n) => n.address === s.address))
    for (const p of await ctx.loaders.payoutAddresses.load(s.address)) accounts.add(p.payoutAddress);
  return [...accounts];
}

/** The default account of `proof`: the address when it holds a leaf, else its node's newest payout address. */
async function defaultProofAccount(s: Supporter, ctx: GraphqlContext): Promise<Hex> {
  if (!s.nodes.some((n) => n.address === s.address)) return s.address;
  const own = await ctx.loaders.lifecycle.load(s.address);
  if (own.finalizedMicroUsd > 0n) return s.address;
  const history = await ctx.loaders.payoutAddresses.load(s.address);
  return history.at(-1)?.payoutAddress ?? s.address;
}

export const payoutResolvers = {
  Statement: {
    ...Object.fromEntries(
      [
        "rateCardVersion",
        "receipts",
        "claimedBytes",
        "countedBytes",
        "ratePerGbMicroUsd",
        "baseMicroUsd",
        "founder",
        "multiplierBps",
        "uptimeBps",
        "uptimeTier",
        "uptimeBonusBps",
        "exactMicroUsd",
        "earnedMicroUsd",
        "proRata",
        "scaledFloorMicroUsd",
        "remainderMicroUsd",
        "payoutMicroUsd",
        "previousCumulativeMicroUsd",
        "cumulativeMicroUsd",
        "withheld",
        // a figures row is only ever asked for its figures (lookahead.ts statementsFiguresOnly)
      ].map((k) => [
        k,
        (r: StatementRow | StatementFiguresRow) => (r.statement as Partial<Statement>)[k as keyof Statement],
      ]),
    ),
    withheldBytes: (r: StatementRow | StatementFiguresRow) => r.statement.claimedBytes - r.statement.countedBytes,
  },
  LifecycleTotals: {
    /** Its own read, only when asked for (receipts of epochs the oracle has not computed yet). */
    unpricedBytes: (t: { nodes: SupporterNodeRow[] }, _: unknown, ctx: GraphqlContext) =>
      unpricedBytesOfNodes(
        ctx.db,
        t.nodes.map((n) => n.address),
      ),
  },

  Supporter: {
    payoutAccounts: (s: Supporter, _: unknown, ctx: GraphqlContext) => payoutAccounts(s, ctx),
    statements: async (s: Supporter, args: Cursor & { epoch?: bigint | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [epoch, account] = decodeCursor("statement", args.after, 2);
        after = { epoch: uint(epoch), account: hexOf(account) };
      }
      const prefetched =
        after || (args.epoch !== null && args.epoch !== undefined)
          ? undefined
          : ctx.loaders.newestStatements.get(`${s.address}:${limit + 1}`);
      const rows =
        prefetched ??
        (await statementsOfAccounts(ctx.db, await payoutAccounts(s, ctx), {
          limit: limit + 1,
          epoch: args.epoch ?? undefined,
          after,
        }));
      return connectionOf(rows, limit, statementCursor);
    },
    totals: async (s: Supporter, _: unknown, ctx: GraphqlContext) => {
      const rows = await ctx.loaders.lifecycle.loadMany(await payoutAccounts(s, ctx));
      const t = {
        nodes: s.nodes,
        accruedMicroUsd: 0n,
        committedMicroUsd: 0n,
        claimableMicroUsd: 0n,
        claimedMicroUsd: 0n,
        entitledMicroUsd: 0n,
        accruedThroughEpoch: null as bigint | null,
        committedEpoch: null as bigint | null,
        committedValidAt: null as bigint | null,
        finalizedEpoch: null as bigint | null,
      };
      for (const r of rows) {
        if (r instanceof Error) throw r;
        // Cumulative amounts that only grow along the lifecycle: claimed ≤ finalized ≤ committed ≤
        // computed (max() keeps the order should one source lag). Each stage is the difference of two
        // neighbours, so accrued + committed + claimable + claimed = entitled by construction.
        const finalized = max(r.finalizedMicroUsd, r.claimedMicroUsd);
        const committed = max(r.committedMicroUsd, finalized);
        const entitled = max(r.computedMicroUsd, committed);
        t.claimedMicroUsd += r.claimedMicroUsd;
        t.claimableMicroUsd += finalized - r.claimedMicroUsd;
        t.committedMicroUsd += committed - finalized;
        t.accruedMicroUsd += entitled - committed;
        t.entitledMicroUsd += entitled;
        t.accruedThroughEpoch = r.computedEpoch;
        t.committedEpoch = r.committedEpoch;
        t.committedValidAt = r.committedValidAt;
        t.finalizedEpoch = r.finalizedEpoch;
      }
      return t;
    },
    proof: async (s: Supporter, args: { account?: Hex | null }, ctx: GraphqlContext) => {
      const account = args.account ? address(args.account, "account") : await defaultProofAccount(s, ctx);
      if (args.account && !(await payoutAccounts(s, ctx)).includes(account))
        throw userError("BAD_USER_INPUT", `${account} is not one of this supporter's payout accounts.`, {
          argument: "account",
        });
      const fin = await latestFinalizedRoot(ctx.db);
      if (!fin || fin.epoch === null) return null;
      const p = (await proofsOf(ctx, fin.epoch, fin.root))?.proofOf(account);
      if (!p) return null;
      const cumulative = p.cumulativeMicroUsd;
      const claimed = (await ctx.loaders.lifecycle.load(account)).claimedMicroUsd;
      return {
        account,
        epoch: fin.chainEpoch,
        root: fin.root,
        cumulativeMicroUsd: cumulative,
        claimedMicroUsd: claimed,
        claimableMicroUsd: cumulative > claimed ? cumulative - claimed : 0n,
        proof: p.proof,
      };
    },
    uptime: async (s: Supporter, args: { first?: number | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const rows = await statementsOfAccounts(ctx.db, await payoutAccounts(s, ctx), { limit });
      return rows.map((r) => ({
        epoch: r.epoch,
        account: r.account,
        uptimeBps: r.statement.uptimeBps,
        uptimeTier: r.statement.uptimeTier,
        uptimeBonusBps: r.statement.uptimeBonusBps,
      }));
    },
    flaggedReceipts: async (s: Supporter, args: Cursor & { epoch?: bigint | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [epoch, sessionId, supporter, seq] = decodeCursor("verdict", args.after, 4);
        after = { epoch: uint(epoch), sessionId: hexOf(sessionId), supporter: hexOf(supporter), seq: uint(seq) };
      }
      const rows = await verdictsOfNodes(
        ctx.db,
        s.nodes.map((n) => n.address),
        { limit: limit + 1, epoch: args.epoch ?? undefined, after },
      );
      return connectionOf(rows, limit, (r: VerdictRow) =>
        encodeCursor("verdict", [r.epoch.toString(), r.sessionId, r.supporter, r.seq.toString()]),
      );
    },
  },
};
