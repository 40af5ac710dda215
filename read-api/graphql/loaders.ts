/** Per-request DataLoaders: every resolver batch-loads through these, so no query is N+1. */
import DataLoader from "dataloader";
import type { Queryable } from "../../db/types.ts";
import {
  epochTransactions,
  epochsByNumber,
  listVetoes,
  type EpochRow,
  type EpochTransactionRow,
  type VetoRow,
} from "../repositories/chain-epochs.ts";
import {
  accountsByAddress,
  claimedByEpoch,
  claimsById,
  claimsPerKey,
  type AccountRow,
  type ClaimRow,
} from "../repositories/claims.ts";
import { ledgerBalancesOfEpochs, type LedgerEpochBalanceRow } from "../repositories/ledger.ts";
import { lifecycleOfAccounts, lifecycleOfAccountsAt, type LifecycleRow } from "../repositories/lifecycle.ts";
import { networkMetrics, type NetworkMetricsRow } from "../repositories/network-metrics.ts";
import {
  oracleEpochsByChainEpoch,
  oracleEpochsByNumber,
  signaturesOfEpochs,
  type OracleEpochRow,
  type SignatureRow,
} from "../repositories/epochs.ts";
import type { StatementFiguresRow, StatementRow } from "../repositories/statements.ts";
import {
  lastHeartbeatsOfNodes,
  payoutAddressesOfNodes,
  supporterSnapshot,
  type NodeHeartbeatRow,
  type PayoutAddressRow,
  type SupporterSnapshot,
} from "../repositories/supporters.ts";
import type { Hex } from "../../core/hex.ts";
import { lifecycleFactsOf } from "./lifecycle-facts.ts";

export type Loaders = ReturnType<typeof createLoaders>;

const groupBy = <K, V>(keys: readonly K[], rows: V[], keyOf: (v: V) => K): V[][] => {
  const map = new Map<K, V[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
};

/**
 * The request's loaders. `deps`, when given, collects the addresses whose per-address rows the
 * supporter reads used (the response cache drops the answer when one of them changes).
 */
export function createLoaders(db: Queryable, deps?: Set<string>) {
  const byKey = (k: bigint) => k.toString();
  const factsCache = lifecycleFactsOf(db);
  const newestStatements = new Map<string, StatementRow[] | StatementFiguresRow[]>();
  const loaders = {
    epoch: new DataLoader<bigint, EpochRow | null, string>(
      async (keys) => {
        const rows = new Map((await epochsByNumber(db, keys)).map((r) => [r.epoch, r]));
        return keys.map((k) => rows.get(k) ?? null);
      },
      { cacheKeyFn: byKey },
    ),
    epochTransactions: new DataLoader<bigint, EpochTransactionRow[], string>(
      async (keys) => groupBy(keys, await epochTransactions(db, keys), (r) => r.epoch),
      { cacheKeyFn: byKey },
    ),
    epochVetoes: new DataLoader<bigint, VetoRow[], string>(
      async (keys) => groupBy(keys, await listVetoes(db, { limit: 10_000, offset: 0, epochs: keys }), (r) => r.epoch),
      { cacheKeyFn: byKey },
    ),
    epochClaimed: new DataLoader<bigint, bigint, string>(
      async (keys) => {
        const totals = await claimedByEpoch(db, keys);
        return keys.map((k) => totals.get(k) ?? 0n);
      },
      { cacheKeyFn: byKey },
    ),
    account: new DataLoader<Hex, AccountRow | null>(async (keys) => {
      const rows = new Map((await accountsByAddress(db, keys)).map((r) => [r.id, r]));
      return keys.map((k) => rows.get(k) ?? null);
    }),
    claim: new DataLoader<Hex, ClaimRow | null>(async (keys) => {
      const rows = new Map((await claimsById(db, keys)).map((r) => [r.id, r]));
      return keys.map((k) => rows.get(k) ?? null);
    }),
    /** Keys: `account:<address>:<limit>:<offset>` or `epoch:<n>:<limit>:<offset>`. */
    claimsOf: new DataLoader<string, ClaimRow[]>(async (keys) => {
      const groups = new Map<
        string,
        { by: "account" | "epoch"; page: { limit: number; offset: number }; ids: string[] }
      >();
      for (const key of keys) {
        const [by, id, limit, offset] = key.split(":") as ["account" | "epoch", string, string, string];
        const g = `${by}:${limit}:${offset}`;
        const group = groups.get(g) ?? { by, page: { limit: Number(limit), offset: Number(offset) }, ids: [] };
        group.ids.push(id);
        groups.set(g, group);
      }
      const found = new Map<string, ClaimRow[]>();
      for (const { by, page, ids } of groups.values()) {
        const parsed = by === "account" ? (ids as Hex[]) : ids.map((i) => BigInt(i));
        for (const row of await claimsPerKey(db, by, parsed, page)) {
          const k = `${by}:${by === "account" ? row.account : row.epoch.toString()}:${page.limit}:${page.offset}`;
          const list = found.get(k);
          if (list) list.push(row);
          else found.set(k, [row]);
        }
      }
      return keys.map((k) => found.get(k) ?? []);
    }),
    payoutAddresses: new DataLoader<Hex, PayoutAddressRow[]>(async (keys) => {
      const rows = await payoutAddressesOfNodes(db, keys);
      if (deps) for (const r of rows) deps.add(r.nodeAddress).add(r.payoutAddress);
      return groupBy(keys, rows, (r) => r.nodeAddress);
    }),
    /** Each node's newest stored heartbeat (null: none). Heartbeats do not notify the response cache: never cached. */
    lastHeartbeat: new DataLoader<Hex, NodeHeartbeatRow | null>(async (keys) => {
      const rows = new Map((await lastHeartbeatsOfNodes(db, keys)).map((r) => [r.nodeAddress, r]));
      return keys.map((k) => rows.get(k) ?? null);
    }),
    /** The oracle's epochs by coordinator epoch number. */
    oracleEpoch: new DataLoader<bigint, OracleEpochRow | null, string>(
      async (keys) => {
        const rows = new Map((await oracleEpochsByNumber(db, keys)).map((r) => [r.epoch, r]));
        return keys.map((k) => rows.get(k) ?? null);
      },
      { cacheKeyFn: byKey },
    ),
    /** The oracle's epochs by the contract's epoch number. */
    oracleEpochByChainEpoch: new DataLoader<bigint, OracleEpochRow | null, string>(
      async (keys) => {
        const rows = new Map((await oracleEpochsByChainEpoch(db, keys)).map((r) => [r.chainEpoch!, r]));
        return keys.map((k) => rows.get(k) ?? null);
      },
      { cacheKeyFn: byKey },
    ),
    signatures: new DataLoader<bigint, SignatureRow[], string>(
      async (keys) => groupBy(keys, await signaturesOfEpochs(db, keys), (r) => r.epoch),
      { cacheKeyFn: byKey },
    ),
    metrics: new DataLoader<bigint, NetworkMetricsRow, string>(
      async (keys) => {
        const rows = new Map((await networkMetrics(db, keys)).map((r) => [r.epoch, r]));
        return keys.map((k) => rows.get(k)!);
      },
      { cacheKeyFn: byKey },
    ),
    ledgerEpochBalance: new DataLoader<bigint, LedgerEpochBalanceRow | null, string>(
      async (keys) => {
        const rows = new Map((await ledgerBalancesOfEpochs(db, keys)).map((r) => [r.epoch, r]));
        return keys.map((k) => rows.get(k) ?? null);
      },
      { cacheKeyFn: byKey },
    ),
    /**
     * Where each payout account stands in the lifecycle (finalized, committed, computed, claimed):
     * leaf lookups at the cached lifecycle facts, or the full query when the facts changed.
     */
    lifecycle: new DataLoader<Hex, LifecycleRow>(async (keys) => {
      for (const k of keys) deps?.add(k);
      const facts = await factsCache.get();
      const at = await lifecycleOfAccountsAt(db, keys, facts);
      factsCache.saw(at.version);
      const rows = new Map(
        (at.version === facts.version ? at.rows : await lifecycleOfAccounts(db, keys)).map((r) => [r.account, r]),
      );
      return keys.map((k) => rows.get(k)!);
    }),
    /**
     * `supporter(address)`'s first read (one round trip): nodes, payout history, claims, the
     * payout accounts' lifecycle rows and (when the query asks for them) newest statements, which
     * prime `payoutAddresses`, `lifecycle` and `newestStatements`. Keys: `<address>:<statements limit>`,
     * and `:figures` when the query needs only the statements' figures (lookahead.ts).
     */
    supporter: new DataLoader<string, SupporterSnapshot>(async (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const [address, limit, figures] = key.split(":") as [Hex, string, string | undefined];
          const snap = await supporterSnapshot(db, address, factsCache.peek(), Number(limit), figures === "figures");
          factsCache.saw(snap.version);
          if (deps) {
            deps.add(address);
            for (const n of snap.nodes) deps.add(n.address);
            for (const p of snap.payoutHistory) deps.add(p.payoutAddress);
          }
          loaders.payoutAddresses.prime(address, snap.payoutHistory);
          for (const r of snap.lifecycle ?? []) loaders.lifecycle.prime(r.account, r);
          if (snap.statements) newestStatements.set(`${address}:${limit}`, snap.statements);
          return snap;
        }),
      ),
    ),
    /** Statements prefetched by `supporter`, by `<address>:<limit>` (newest first, no cursor or epoch). */
    newestStatements,
  };
  return loaders;
}
