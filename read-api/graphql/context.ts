/**
 * The GraphQL request context: takes the app's database, event bus and data directory and hands
 * on, per request, the DataLoaders, the budget of expensive fields and the read deps; with the
 * app's own caches (proof trees, verifications), created once per app and shared by its requests.
 */
import type { PayoutProofs } from "../../core/proof.ts";
import type { Queryable } from "../../db/types.ts";
import type { Hex } from "../../core/hex.ts";
import type { EpochVerification } from "./epoch-verification.ts";
import type { LedgerEvents } from "../../events/ledger-events.ts";
import type { AccrualService } from "../accrual/service.ts";
import { createLoaders, type Loaders } from "./loaders.ts";
import { Lru } from "./lru.ts";

/** Caches held by one GraphQL app (never module-level): both hold immutable results only. */
export type GraphqlCaches = {
  /** The most recently used payout trees, by root (rebuilding 100 000 leaves takes ≈ 0.5 s). */
  proofTrees: Lru<Hex, PayoutProofs>;
  /** `Epoch.verification` results by everything they depend on (epoch-verification.ts). */
  verifications: Lru<string, EpochVerification>;
};

export const createGraphqlCaches = (): GraphqlCaches => ({ proofTrees: new Lru(2), verifications: new Lru(1_000) });

export type GraphqlContext = {
  db: Queryable;
  loaders: Loaders;
  events: LedgerEvents;
  /** The live accrual of the open epoch. */
  accrual: AccrualService;
  /** Where the oracle's datasets are (`<dataDir>/datasets/<hash>.jsonl`). */
  dataDir: string;
  /** Per-request budget of expensive fields (an epoch verification recomputes a whole epoch). */
  budget: { verifications: number };
  /** The addresses whose rows this request's supporter reads used (the response cache's deps). */
  readDeps: Set<string>;
  /** The app's caches, shared by every request. */
  caches: GraphqlCaches;
};

/** The per-request context factory of one app; its caches live as long as it does. */
export function graphqlContextFactory(app: {
  db: Queryable;
  events: LedgerEvents;
  accrual: AccrualService;
  dataDir: string;
}) {
  const caches = createGraphqlCaches();
  return (): GraphqlContext => {
    const readDeps = new Set<string>();
    return {
      db: app.db,
      loaders: createLoaders(app.db, readDeps),
      events: app.events,
      accrual: app.accrual,
      dataDir: app.dataDir,
      budget: { verifications: 0 },
      readDeps,
      caches,
    };
  };
}
