/**
 * The live accrual's fields: `Supporter.accrual` (now) and `Subscription.accrualUpdated` (pushed by
 * read-api/accrual/service.ts). Thin: the service reads the repositories and calls core.
 */
import { ACCRUAL_GAP_REASONS, type AccrualGap } from "../../core/accrual.ts";
import type { Hex } from "../../core/hex.ts";
import type { Accrual } from "../accrual/service.ts";
import { address, type Supporter } from "./args.ts";
import type { GraphqlContext } from "./context.ts";

export const accrualResolvers = {
  Supporter: {
    accrual: (s: Supporter, _: unknown, ctx: GraphqlContext) => ctx.accrual.current(s.address),
  },
  Subscription: {
    accrualUpdated: {
      subscribe: (_: unknown, args: { address: Hex }, ctx: GraphqlContext) =>
        ctx.accrual.watch(address(args.address, "address")),
      resolve: (a: Accrual) => a,
    },
  },
  Accrual: {
    epochStartsAt: (a: Accrual) => a.epochStart,
    epochEndsAt: (a: Accrual) => a.epochEnd,
    gapMicroUsd: (a: Accrual) => a.provisionalMicroUsd - a.conservativeMicroUsd,
  },
  AccrualGap: {
    explanation: (g: AccrualGap) => ACCRUAL_GAP_REASONS[g.reason],
  },
};
