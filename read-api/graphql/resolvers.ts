/**
 * Resolvers: thin, calling repositories (through the per-request DataLoaders) only.
 */
import { GraphQLScalarType, Kind, type GraphQLResolveInfo } from "graphql";
import type { Queryable } from "../../db/types.ts";
import type { Hex } from "../../core/hex.ts";
import { isInt8Decimal, MAX_INT8 } from "../../http/wire.ts";
import { indexerStatus, listEpochs, listVetoes, type EpochRow, type VetoRow } from "../repositories/chain-epochs.ts";
import { listAccounts, listClaims, type ClaimRow } from "../repositories/claims.ts";
import { listTransfers, reconciliation, type TransferRow } from "../repositories/pool.ts";
import { receiptsOfSupporters, type ReceiptRow } from "../repositories/receipts.ts";
import { nodesOfSupporter, type SupporterNodeRow } from "../repositories/supporters.ts";
import { address, type Cursor, type Supporter } from "./args.ts";
import type { GraphqlContext } from "./context.ts";
import { userError } from "../../http/graphql/errors.ts";
import { accrualResolvers } from "./accrual-resolvers.ts";
import { governanceResolvers } from "./governance-resolvers.ts";
import { ledgerResolvers } from "./ledger-resolvers.ts";
import { createLoaders } from "./loaders.ts";
import { prefetchedStatementsLimit, statementsFiguresOnly } from "./lookahead.ts";
import { oracleResolvers } from "./oracle-resolvers.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";
import { payoutResolvers } from "./payout-resolvers.ts";
import { receiptResolvers } from "./receipt-resolvers.ts";

type Page = { first?: number | null; skip?: number | null };

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * A BigInt argument: every one names an int8 column (epochs, ids, rates), so 0 … 2^63 − 1 as a
 * decimal string, or a JSON integer ≤ 2^53 − 1 (larger numbers were already rounded by a double).
 */
function parseBigInt(value: unknown): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (isInt8Decimal(value)) return BigInt(value);
  throw userError(
    "BAD_USER_INPUT",
    `A BigInt argument must be a decimal string of 0 … ${MAX_INT8} (plain digits; an integer above 2^53 − 1 only as a string).`,
  );
}
function parseBytes(value: unknown): Hex {
  if (typeof value === "string" && HEX_RE.test(value)) return value.toLowerCase() as Hex;
  throw userError("BAD_USER_INPUT", "Bytes must be a 0x-prefixed hex string of whole bytes.");
}

export const BigIntScalar = new GraphQLScalarType({
  name: "BigInt",
  description: "Arbitrary-precision integer serialized as a decimal string.",
  serialize: (v) => (typeof v === "bigint" || typeof v === "number" ? v.toString() : String(v)),
  parseValue: parseBigInt,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigInt(String(ast.value));
    throw userError("BAD_USER_INPUT", "A BigInt must be a decimal string or an integer literal.");
  },
});

export const BytesScalar = new GraphQLScalarType({
  name: "Bytes",
  description: "0x-prefixed lowercase hex string.",
  serialize: (v) => String(v).toLowerCase(),
  parseValue: parseBytes,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING) return parseBytes(ast.value);
    throw userError("BAD_USER_INPUT", "Bytes must be a string.");
  },
});

const claimCursor = (c: ClaimRow) => encodeCursor("claim", [c.blockNumber.toString(), c.logIndex]);
function afterClaim(after: string | null | undefined) {
  if (!after) return undefined;
  const [block, logIndex] = decodeCursor("claim", after, 2);
  if (
    !isInt8Decimal(block) ||
    typeof logIndex !== "number" ||
    !Number.isInteger(logIndex) ||
    logIndex < 0 ||
    logIndex > 2_147_483_647
  )
    throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
  return { blockNumber: BigInt(block), logIndex };
}

async function claimsConnection(ctx: GraphqlContext, args: Cursor, filter: { account?: Hex; epoch?: bigint }) {
  const { limit } = pageArgs(args.first ?? 20);
  const rows = await listClaims(ctx.db, filter, { limit: limit + 1, after: afterClaim(args.after) });
  return connectionOf(rows, limit, claimCursor);
}

async function supporterOf(db: Queryable, addr: Hex): Promise<Supporter | null> {
  const nodes = await nodesOfSupporter(db, addr);
  return { address: addr, nodes };
}

const receiptCursor = (r: ReceiptRow) =>
  encodeCursor("receipt", [r.epoch.toString(), r.sessionId, r.supporter, r.seq.toString()]);

function mapAsync<T, U>(source: AsyncIterable<T>, fn: (t: T) => Promise<U | null>): AsyncIterable<U> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const item of source) {
        const out = await fn(item);
        if (out !== null) yield out;
      }
    },
  };
}

const chainResolvers = {
  BigInt: BigIntScalar,
  Bytes: BytesScalar,

  Query: {
    epoch: async (_: unknown, args: { id: string }, ctx: GraphqlContext) => {
      if (!isInt8Decimal(args.id))
        throw userError("BAD_USER_INPUT", `\`id\` must be an epoch number: decimal digits, 0 … ${MAX_INT8}.`, {
          argument: "id",
        });
      return ctx.loaders.epoch.load(BigInt(args.id));
    },
    epochs: async (_: unknown, args: Page & { orderDirection?: "asc" | "desc" }, ctx: GraphqlContext) => {
      const rows = await listEpochs(ctx.db, {
        ...pageArgs(args.first, args.skip),
        direction: args.orderDirection ?? "desc",
      });
      for (const r of rows) ctx.loaders.epoch.prime(r.epoch, r);
      return rows;
    },
    epochsConnection: async (_: unknown, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let before: bigint | undefined;
      if (args.after) {
        const [n] = decodeCursor("epoch", args.after, 1);
        if (typeof n !== "string" || !isInt8Decimal(n))
          throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
        before = BigInt(n);
      }
      const rows = await listEpochs(ctx.db, { limit: limit + 1, ...(before === undefined ? {} : { before }) });
      return connectionOf(rows, limit, (e) => encodeCursor("epoch", [e.epoch.toString()]));
    },
    account: (_: unknown, args: { id: Hex }, ctx: GraphqlContext) => ctx.loaders.account.load(address(args.id, "id")),
    accounts: (_: unknown, args: Page, ctx: GraphqlContext) => listAccounts(ctx.db, pageArgs(args.first, args.skip)),
    claims: (_: unknown, args: Page & { account?: Hex | null; epoch?: bigint | null }, ctx: GraphqlContext) =>
      listClaims(
        ctx.db,
        { account: args.account ? address(args.account, "account") : undefined, epoch: args.epoch ?? undefined },
        pageArgs(args.first, args.skip),
      ),
    claimsConnection: (
      _: unknown,
      args: Cursor & { account?: Hex | null; epoch?: bigint | null },
      ctx: GraphqlContext,
    ) =>
      claimsConnection(ctx, args, {
        ...(args.account ? { account: address(args.account, "account") } : {}),
        ...(args.epoch != null ? { epoch: args.epoch } : {}),
      }),
    fundings: (_: unknown, args: Page, ctx: GraphqlContext) =>
      listTransfers(ctx.db, "funding", pageArgs(args.first, args.skip)),
    excessWithdrawals: (_: unknown, args: Page, ctx: GraphqlContext) =>
      listTransfers(ctx.db, "withdrawal", pageArgs(args.first, args.skip)),
    rootVetoes: (_: unknown, args: Page, ctx: GraphqlContext) => listVetoes(ctx.db, pageArgs(args.first, args.skip)),
    reconciliation: async (_: unknown, _args: unknown, ctx: GraphqlContext) => {
      const r = await reconciliation(ctx.db);
      const outstanding = r.committedMicroUsd - r.claimedMicroUsd;
      const expected = r.fundedMicroUsd - r.withdrawnMicroUsd - r.claimedMicroUsd;
      const balance = r.contractBalanceMicroUsd;
      return {
        ...r,
        outstandingLiabilityMicroUsd: outstanding,
        expectedBalanceMicroUsd: expected,
        solvent: (balance ?? expected) >= outstanding,
        balanced: balance === null ? true : balance === expected,
      };
    },
    supporter: async (_: unknown, args: { address: Hex }, ctx: GraphqlContext, info: GraphQLResolveInfo) => {
      const addr = address(args.address, "address");
      const limit = prefetchedStatementsLimit(info);
      const figures = limit > 0 && statementsFiguresOnly(info) ? ":figures" : "";
      const snap = await ctx.loaders.supporter.load(`${addr}:${limit}${figures}`);
      if (snap.nodes.length === 0 && !snap.hasClaims)
        throw userError("NOT_FOUND", `No supporter, node or claiming account has address ${addr}.`, { address: addr });
      return { address: addr, nodes: snap.nodes } satisfies Supporter;
    },
    indexer: (_: unknown, _args: unknown, ctx: GraphqlContext) => indexerStatus(ctx.db),
  },

  Subscription: {
    epochUpdated: {
      subscribe: (_: unknown, _args: unknown, ctx: GraphqlContext) =>
        mapAsync(ctx.events.pubsub.subscribe("epochUpdated"), async ({ epoch }) => {
          const loaders = createLoaders(ctx.db); // fresh: each event must see current rows
          if (epoch === "*") return (await listEpochs(ctx.db, { limit: 1 }))[0] ?? null;
          return loaders.epoch.load(BigInt(epoch));
        }),
      resolve: (e: EpochRow) => e,
    },
    claimed: {
      subscribe: (_: unknown, _args: unknown, ctx: GraphqlContext) =>
        mapAsync(ctx.events.pubsub.subscribe("claimed"), ({ id }) => createLoaders(ctx.db).claim.load(id)),
      resolve: (c: ClaimRow) => c,
    },
    supporterUpdated: {
      subscribe: (_: unknown, args: { address: Hex }, ctx: GraphqlContext) => {
        const addr = address(args.address, "address");
        return mapAsync(ctx.events.pubsub.subscribe("supporterUpdated", addr), () => supporterOf(ctx.db, addr));
      },
      resolve: (s: Supporter) => s,
    },
  },

  Epoch: {
    id: (e: EpochRow) => e.epoch.toString(),
    transactions: (e: EpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.epochTransactions.load(e.epoch),
    vetoes: (e: EpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.epochVetoes.load(e.epoch),
    claims: (e: EpochRow, args: Page, ctx: GraphqlContext) => {
      const { limit, offset } = pageArgs(args.first, args.skip);
      return ctx.loaders.claimsOf.load(`epoch:${e.epoch}:${limit}:${offset}`);
    },
    claimedMicroUsd: (e: EpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.epochClaimed.load(e.epoch),
  },

  Account: {
    claims: (a: { id: Hex }, args: Page, ctx: GraphqlContext) => {
      const { limit, offset } = pageArgs(args.first, args.skip);
      return ctx.loaders.claimsOf.load(`account:${a.id}:${limit}:${offset}`);
    },
  },

  Claim: {
    account: async (c: ClaimRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.account.load(c.account),
    epoch: async (c: ClaimRow, _: unknown, ctx: GraphqlContext) => {
      const e = await ctx.loaders.epoch.load(c.epoch);
      if (!e) throw userError("NOT_FOUND", `Epoch ${c.epoch}'s proposal is not indexed.`);
      return e;
    },
    logIndex: (c: ClaimRow) => BigInt(c.logIndex),
  },

  Funding: {
    from: (t: TransferRow) => t.counterparty,
    logIndex: (t: TransferRow) => BigInt(t.logIndex),
  },
  ExcessWithdrawal: {
    to: (t: TransferRow) => t.counterparty,
    logIndex: (t: TransferRow) => BigInt(t.logIndex),
  },
  RootVeto: {
    epoch: (v: VetoRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.epoch.load(v.epoch),
    logIndex: (v: VetoRow) => BigInt(v.logIndex),
  },

  Supporter: {
    founder: (s: Supporter) => s.nodes.some((n) => n.founder),
    account: (s: Supporter, _: unknown, ctx: GraphqlContext) => ctx.loaders.account.load(s.address),
    claims: (s: Supporter, args: Cursor, ctx: GraphqlContext) => claimsConnection(ctx, args, { account: s.address }),
    receipts: async (s: Supporter, args: Cursor & { epoch?: bigint | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [epoch, sessionId, supporter, seq] = decodeCursor("receipt", args.after, 4);
        if (
          typeof epoch !== "string" ||
          !isInt8Decimal(epoch) ||
          typeof seq !== "string" ||
          !isInt8Decimal(seq) ||
          typeof sessionId !== "string" ||
          !HEX_RE.test(sessionId) ||
          typeof supporter !== "string" ||
          !HEX_RE.test(supporter)
        )
          throw userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
        after = { epoch: BigInt(epoch), sessionId: sessionId as Hex, supporter: supporter as Hex, seq: BigInt(seq) };
      }
      const rows = await receiptsOfSupporters(
        ctx.db,
        s.nodes.map((n) => n.address),
        { limit: limit + 1, epoch: args.epoch ?? undefined, after },
      );
      return connectionOf(rows, limit, receiptCursor);
    },
  },

  Node: {
    registeredAt: (n: SupporterNodeRow) => n.registeredAt.toISOString(),
    payoutAddresses: (n: SupporterNodeRow, _: unknown, ctx: GraphqlContext) =>
      ctx.loaders.payoutAddresses.load(n.address),
    lastHeartbeatAt: async (n: SupporterNodeRow, _: unknown, ctx: GraphqlContext) =>
      (await ctx.loaders.lastHeartbeat.load(n.address))?.lastHeartbeatAt ?? null,
    lastHeartbeatEpoch: async (n: SupporterNodeRow, _: unknown, ctx: GraphqlContext) =>
      (await ctx.loaders.lastHeartbeat.load(n.address))?.lastHeartbeatEpoch ?? null,
  },
};

/** One type's field resolvers, as graphql-tools takes them. */
export type ResolverSet = Record<string, object>;

/**
 * The on-chain and coordinator resolvers above, with the oracle's (oracle-resolvers.ts: oracle
 * epochs; ledger-resolvers.ts: the ledger; payout-resolvers.ts: supporters' payouts), receipts'
 * proofs and sessions (receipt-resolvers.ts), governance (governance-resolvers.ts) and the
 * sets the composition root adds (the coordinator's admin fields), merged per type.
 */
export function mergedResolvers(extra: readonly ResolverSet[] = []): typeof chainResolvers {
  const merged: Record<string, unknown> = { ...chainResolvers };
  for (const set of [
    oracleResolvers,
    ledgerResolvers,
    payoutResolvers,
    receiptResolvers,
    governanceResolvers,
    accrualResolvers,
    ...extra,
  ] as ResolverSet[])
    for (const [type, fields] of Object.entries(set))
      merged[type] = { ...(merged[type] as object | undefined), ...fields };
  return merged as typeof chainResolvers;
}
