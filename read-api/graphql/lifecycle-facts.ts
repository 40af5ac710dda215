/**
 * The in-process cache of the lifecycle facts (which chain epoch is finalized / committed /
 * computed, and which oracle epoch holds each one's leaves): they do not depend on the account,
 * change a few times per epoch, and cost more to read than the account's own rows.
 *
 * Never stale, by construction: a cached value carries the `lifecycle_version` it was read at
 * (migrations 0021/0022: deferred triggers increment it at the commit of every transaction that
 * writes epochs, epoch_state or the indexed root proposals, finalizations and vetoes, whichever
 * process writes them, atomically with those rows). A query
 * that uses the cached facts reads the version in the same statement, so in the same snapshot,
 * and its rows are used only if the versions are equal; otherwise the cache is dropped and the
 * facts are read again. A version mismatch costs one more round trip, never a wrong answer.
 */
import type { Queryable } from "../../db/types.ts";
import { lifecycleFacts, type LifecycleFacts } from "../repositories/lifecycle.ts";

export type LifecycleFactsCache = {
  /** The cached facts (null when none: the next `get` reads them). */
  peek(): LifecycleFacts | null;
  /** The cached facts, or read (one in flight at a time). */
  get(): Promise<LifecycleFacts>;
  /** A query saw `version` in its snapshot: drop the cache if it is older. */
  saw(version: bigint): void;
  /** How often the facts were read from the database (tests, metrics). */
  readonly reads: number;
};

export function createLifecycleFactsCache(db: Queryable): LifecycleFactsCache {
  let cached: LifecycleFacts | null = null;
  let inFlight: Promise<LifecycleFacts> | null = null;
  let reads = 0;
  /** The newest version any query saw: facts read at an older one are not cached. */
  let newest = 0n;
  return {
    peek: () => cached,
    get() {
      if (cached) return Promise.resolve(cached);
      inFlight ??= lifecycleFacts(db)
        .then((f) => {
          reads++;
          // A read that started before a newer one was cached must not replace it.
          if (f.version >= newest && (!cached || cached.version < f.version)) cached = f;
          return f;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
    saw(version) {
      if (version > newest) newest = version;
      if (cached && cached.version < version) cached = null;
    },
    get reads() {
      return reads;
    },
  };
}

const caches = new WeakMap<Queryable, LifecycleFactsCache>();

/** The process's cache for a database handle (one per `Db`, shared by every request). */
export function lifecycleFactsOf(db: Queryable): LifecycleFactsCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = createLifecycleFactsCache(db)));
  return cache;
}
