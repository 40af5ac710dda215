/**
 * Resolvers over the oracle's double-entry ledger: takes filters and cursors and hands on ledger
 * entries, per-account and per-epoch balances. Thin: they call repositories only.
 */
import type { Hex } from "../../core/hex.ts";
import {
  ledgerBalances,
  ledgerEntries,
  ledgerEpochBalances,
  type LedgerBalanceRow,
  type LedgerEntryRow,
} from "../repositories/ledger.ts";
import { address, badCursor, uint, type Cursor } from "./args.ts";
import type { GraphqlContext } from "./context.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "../../http/graphql/pagination.ts";

export const ledgerResolvers = {
  Query: {
    ledgerEntries: async (
      _: unknown,
      args: Cursor & {
        epoch?: bigint | null;
        account?: string | null;
        holder?: Hex | null;
        kind?: string | null;
      },
      ctx: GraphqlContext,
    ) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [journal, account] = decodeCursor("ledgerEntry", args.after, 2);
        if (typeof account !== "string") throw badCursor();
        after = { journalId: uint(journal), account };
      }
      const rows = await ledgerEntries(
        ctx.db,
        {
          epoch: args.epoch ?? undefined,
          account: args.account ?? undefined,
          holder: args.holder ? address(args.holder, "holder") : undefined,
          kind: args.kind ?? undefined,
        },
        { limit: limit + 1, after },
      );
      return connectionOf(rows, limit, (r) => encodeCursor("ledgerEntry", [r.journalId.toString(), r.account]));
    },
    ledgerBalances: async (
      _: unknown,
      args: Cursor & { kind?: string | null; holder?: Hex | null; epoch?: bigint | null },
      ctx: GraphqlContext,
    ) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after: string | undefined;
      if (args.after) {
        const [code] = decodeCursor("ledgerBalance", args.after, 1);
        if (typeof code !== "string") throw badCursor();
        after = code;
      }
      const rows = await ledgerBalances(
        ctx.db,
        {
          kind: args.kind ?? undefined,
          holder: args.holder ? address(args.holder, "holder") : undefined,
          epoch: args.epoch ?? undefined,
        },
        { limit: limit + 1, after },
      );
      return connectionOf(rows, limit, (r) => encodeCursor("ledgerBalance", [r.account]));
    },
    ledgerEpochBalances: (_: unknown, args: { first?: number | null; skip?: number | null }, ctx: GraphqlContext) =>
      ledgerEpochBalances(ctx.db, pageArgs(args.first, args.skip)),
  },

  LedgerEntry: { createdAt: (r: LedgerEntryRow) => r.createdAt.toISOString() },
  LedgerBalance: {
    balanceMicroUsd: (r: LedgerBalanceRow) =>
      r.kind === "liability" ? r.creditMicroUsd - r.debitMicroUsd : r.debitMicroUsd - r.creditMicroUsd,
  },
};
