/**
 * The public `governance` query: role holders of the distributor and of its timelock, the
 * timelock's min delay and its operations with their status and decoded calls. Reads
 * read-api/repositories/governance.ts only; decoding is governance-calls.ts.
 */
import type { Hex } from "../../core/hex.ts";
import {
  governanceHead,
  listClaimLimits,
  listTimelockOperations,
  roleHolders,
  TIMELOCK_OPERATION_STATUSES,
  type ClaimLimitRow,
  type GovernanceHead,
  type RoleHolderRow,
  type TimelockCallRow,
  type TimelockOperationRow,
  type TimelockOperationStatus,
} from "../repositories/governance.ts";
import { decodeCall, DEFAULT_ADMIN_ROLE, roleName } from "./governance-calls.ts";
import { userError } from "../../http/graphql/errors.ts";
import { pageArgs } from "../../http/graphql/pagination.ts";
import type { GraphqlContext } from "./context.ts";
import { keccak256, toHex } from "viem";

const id = (name: string): Hex => keccak256(toHex(name));
/** Roles listed even when nobody holds them, so "nobody" is visible. */
const DISTRIBUTOR_ROLES: readonly Hex[] = [
  DEFAULT_ADMIN_ROLE,
  id("PROPOSER_ROLE"),
  id("GUARDIAN_ROLE"),
  id("PAUSER_ROLE"),
];
const TIMELOCK_ROLES: readonly Hex[] = [
  DEFAULT_ADMIN_ROLE,
  id("PROPOSER_ROLE"),
  id("CANCELLER_ROLE"),
  id("EXECUTOR_ROLE"),
];

type Page = { first?: number | null; skip?: number | null };
type OperationArgs = Page & { status?: TimelockOperationStatus[] | null };
type GovernanceParent = GovernanceHead & { holders: RoleHolderRow[] };
type OperationParent = TimelockOperationRow & { timelockOf: Hex | null };

function grouped(holders: RoleHolderRow[], contract: Hex, known: readonly Hex[]) {
  const mine = holders.filter((h) => h.contract === contract);
  const roles = [...new Set<Hex>([...known, ...mine.map((h) => h.role)])];
  return roles.map((role) => ({ role, name: roleName(role), holders: mine.filter((h) => h.role === role) }));
}

async function operations(ctx: GraphqlContext, head: GovernanceHead | undefined, args: OperationArgs) {
  if (!head?.timelock) return [];
  const statuses = args.status ?? undefined;
  if (statuses?.some((s) => !TIMELOCK_OPERATION_STATUSES.includes(s)))
    throw userError("BAD_USER_INPUT", "`status` takes PENDING, READY, DONE or CANCELLED.", { argument: "status" });
  const rows = await listTimelockOperations(
    ctx.db,
    head.timelock,
    head.chainTime ?? 0n,
    statuses ? { statuses } : {},
    pageArgs(args.first ?? 50, args.skip),
  );
  return rows.map((r): OperationParent => ({ ...r, timelockOf: head.timelock }));
}

export const governanceResolvers = {
  Query: {
    governance: async (_: unknown, _args: unknown, ctx: GraphqlContext): Promise<GovernanceParent | null> => {
      const head = await governanceHead(ctx.db);
      if (!head) return null;
      const holders = await roleHolders(ctx.db, head.timelock ? [head.distributor, head.timelock] : [head.distributor]);
      return { ...head, holders };
    },
    timelockOperations: async (_: unknown, args: OperationArgs, ctx: GraphqlContext) =>
      operations(ctx, await governanceHead(ctx.db), args),
    claimLimits: (_: unknown, args: Page & { account?: Hex | null }, ctx: GraphqlContext) => {
      if (args.account && !/^0x[0-9a-f]{40}$/.test(args.account))
        throw userError("BAD_USER_INPUT", "`account` must be a 20-byte address.", { argument: "account" });
      return listClaimLimits(ctx.db, args.account ? { account: args.account } : {}, pageArgs(args.first, args.skip));
    },
  },
  Governance: {
    roles: (g: GovernanceParent) => grouped(g.holders, g.distributor, DISTRIBUTOR_ROLES),
    timelock: (g: GovernanceParent) =>
      g.timelock
        ? {
            address: g.timelock,
            minDelaySeconds: g.minDelaySeconds,
            readAtBlock: g.timelockReadAtBlock,
            isAdmin: g.holders.some(
              (h) => h.contract === g.distributor && h.role === DEFAULT_ADMIN_ROLE && h.account === g.timelock,
            ),
            roles: grouped(g.holders, g.timelock, TIMELOCK_ROLES),
          }
        : null,
    operations: (g: GovernanceParent, args: OperationArgs, ctx: GraphqlContext) => operations(ctx, g, args),
  },
  TimelockOperation: {
    calls: (o: OperationParent) => o.calls.map((c) => ({ ...c, timelockOf: o.timelockOf })),
    description: (o: OperationParent) =>
      o.calls.map((c) => decodeCall(c, o.timelockOf).description).join("; ") || "An operation without calls",
  },
  TimelockCall: {
    functionName: (c: TimelockCallRow & { timelockOf: Hex | null }) => decodeCall(c, c.timelockOf).functionName,
    signature: (c: TimelockCallRow & { timelockOf: Hex | null }) => decodeCall(c, c.timelockOf).signature,
    args: (c: TimelockCallRow & { timelockOf: Hex | null }) => decodeCall(c, c.timelockOf).args,
    description: (c: TimelockCallRow & { timelockOf: Hex | null }) => decodeCall(c, c.timelockOf).description,
  },
  ClaimLimit: {
    logIndex: (c: ClaimLimitRow) => BigInt(c.logIndex),
  },
};
