/**
 * The GraphQL response cache: the JSON bodies of successful public supporter queries, kept in
 * memory (bounded in bytes, least recently used out first) and dropped when a row behind them
 * changes.
 *
 * The data behind a supporter's answer changes rarely (its statements and leaves once per epoch,
 * its claims and payout addresses when it acts), while dashboards ask for it all the time; one
 * cached answer costs about what a plain JSON route does, against ≈ 1–2 ms of CPU to read and
 * execute it (bench/graphql.ts measures both).
 *
 * How an answer is known to be current:
 * - Every table behind a cacheable field NOTIFYs at commit (migration 0024), from any process:
 *   '*' (statements, leaves, epoch lifecycle) drops everything, '0x<address>' drops the answers
 *   that read that address's rows (each answer records the addresses it read: `deps`).
 * - An answer is stored only if no change arrived while it was computed (`begin`/`put` tickets),
 *   so a read that raced a commit is served but not kept.
 * - This process's own writes are read back at once: from the start of a commit until the feed
 *   has delivered a sync marker sent after it (notifications arrive in commit order), the cache
 *   neither serves nor stores.
 * - While the LISTEN session is down the cache is empty and off; it reconnects with backoff and
 *   starts empty. Writes from other processes are seen when their notification arrives, which is
 *   normally within a millisecond of their commit.
 */
import { randomUUID } from "node:crypto";
import { observeCommits } from "../../db/commits.ts";
import type { Db } from "../../db/types.ts";
import {
  listenReadModelChanges,
  type ReadModelChange,
  type ReadModelFeed,
} from "../repositories/read-model-changes.ts";

/** Per-entry bookkeeping (Map slots, the entry object, the deps index) counted against the budget. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * `body` is kept as a string: node:http writes a small string body with its headers in one
 * `write`, a Buffer in a `writev` of two, which costs more per request than the rest of a hit.
 */
type Entry = { body: string; deps: readonly string[]; bytes: number; used: boolean };

/** Which changes an in-flight computation may still be stored after (`ResponseStore.begin`). */
export type CacheTicket = { readonly changes: number };

export type ResponseStoreStats = {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  stores: number;
  /** Answers computed while a change arrived: served, not kept. */
  discarded: number;
  evictions: number;
  invalidations: number;
};

/**
 * The in-memory part: bounded in bytes, with a deps index for invalidation. Pure, no I/O.
 * Eviction is CLOCK (second chance), an LRU approximation: a hit only sets `used`, and eviction
 * walks from the oldest entry, moving used ones to the back once instead of dropping them.
 */
export function createResponseStore(byteCapacity: number) {
  const entries = new Map<string, Entry>();
  const byDep = new Map<string, Set<string>>();
  let bytes = 0;
  let changes = 0;
  const stats = { hits: 0, misses: 0, stores: 0, discarded: 0, evictions: 0, invalidations: 0 };

  const remove = (key: string, e: Entry) => {
    entries.delete(key);
    bytes -= e.bytes;
    for (const d of e.deps) {
      const keys = byDep.get(d);
      if (keys) {
        keys.delete(key);
        if (keys.size === 0) byDep.delete(d);
      }
    }
  };

  return {
    get(key: string): string | undefined {
      const e = entries.get(key);
      if (!e) {
        stats.misses++;
        return undefined;
      }
      e.used = true;
      stats.hits++;
      return e.body;
    },
    begin: (): CacheTicket => ({ changes }),
    /** Stores `body` unless a change arrived since `ticket` was taken; `deps`: the addresses it read. */
    put(ticket: CacheTicket, key: string, body: string, deps: Iterable<string>): boolean {
      if (ticket.changes !== changes) {
        stats.discarded++;
        return false;
      }
      const depList = [...new Set(deps)];
      const size = Buffer.byteLength(body) + key.length + ENTRY_OVERHEAD_BYTES + depList.length * 64;
      if (size > byteCapacity) return false;
      const old = entries.get(key);
      if (old) remove(key, old);
      entries.set(key, { body, deps: depList, bytes: size, used: false });
      bytes += size;
      for (const d of depList) {
        let keys = byDep.get(d);
        if (!keys) byDep.set(d, (keys = new Set()));
        keys.add(key);
      }
      // Map iteration is insertion order: oldest first; an entry moved to the back is seen again
      // only after every other one, so this ends.
      for (const [k, e] of entries) {
        if (bytes <= byteCapacity) break;
        if (e.used && k !== key) {
          e.used = false;
          entries.delete(k);
          entries.set(k, e);
          continue;
        }
        remove(k, e);
        stats.evictions++;
      }
      stats.stores++;
      return true;
    },
    /** Drops the answers that read `address` (lowercase 0x hex). */
    invalidate(address: string) {
      changes++;
      const keys = byDep.get(address);
      if (!keys) return;
      for (const k of [...keys]) remove(k, entries.get(k)!);
      stats.invalidations++;
    },
    invalidateAll() {
      changes++;
      if (entries.size > 0) stats.invalidations++;
      entries.clear();
      byDep.clear();
      bytes = 0;
    },
    stats: (): ResponseStoreStats => ({ entries: entries.size, bytes, ...stats }),
  };
}

export type ResponseStore = ReturnType<typeof createResponseStore>;

export type ResponseCacheOptions = {
  byteCapacity: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** First reconnect delay after the LISTEN session failed (doubles to 30 s); default 1 s. */
  reconnectMs?: number;
};

export type ResponseCache = {
  /** A cached body, if the cache is on and current; else undefined (compute it). */
  get(key: string): string | undefined;
  /** A ticket for a computation about to start, or null when nothing computed now may be kept. */
  begin(): CacheTicket | null;
  put(ticket: CacheTicket, key: string, body: string, deps: Iterable<string>): void;
  /** Whether answers are served and stored now (the feed is up and has seen this process's commits). */
  readonly usable: boolean;
  /** Resolves once the feed is up and in sync (tests, start-up). */
  ready(): Promise<void>;
  stats(): ResponseStoreStats & { usable: boolean };
  close(): Promise<void>;
};

/** The cache key of a JSON query request. */
export const responseCacheKey = (query: string, variables: unknown, operationName: string | null): string =>
  `${operationName ?? ""}\n${JSON.stringify(variables ?? null)}\n${query}`;

/** A response cache fed by `db`'s change notifications, connected in the background. */
export function createResponseCache(db: Db, options: ResponseCacheOptions): ResponseCache {
  const store = createResponseStore(options.byteCapacity);
  const instance = randomUUID();
  const baseDelayMs = options.reconnectMs ?? 1_000;
  let feed: ReadModelFeed | null = null;
  let closed = false;
  let delayMs = baseDelayMs;
  let timer: NodeJS.Timeout | null = null;
  // This process's commits: started, finished, and finished-and-seen-by-the-feed.
  let started = 0;
  let finished = 0;
  let synced = -1;
  let syncInFlight = false;
  let waiters: (() => void)[] = [];

  const usable = () => feed !== null && started === finished && synced === finished;
  const wake = () => {
    if (!usable()) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const sendSync = () => {
    if (!feed || syncInFlight || closed) return;
    syncInFlight = true;
    const f = feed;
    f.sync(instance, finished).catch((err: Error) => {
      syncInFlight = false;
      if (f === feed) lost(err);
    });
  };

  const onChange = (c: ReadModelChange) => {
    if (c.kind === "address") store.invalidate(c.address);
    else if (c.kind === "all") store.invalidateAll();
    else if (c.instance === instance) {
      syncInFlight = false;
      if (c.seq > synced) synced = c.seq;
      if (synced < finished) sendSync();
      wake();
    }
  };

  const connect = async () => {
    timer = null;
    if (closed) return;
    try {
      const f = await listenReadModelChanges(db, onChange, lost);
      if (closed) return void (await f.close());
      store.invalidateAll(); // anything may have changed while no one listened
      feed = f;
      delayMs = baseDelayMs;
      synced = -1;
      syncInFlight = false;
      sendSync();
    } catch (err) {
      options.log?.warn({ err: (err as Error).message, retryMs: delayMs }, "graphql response cache: LISTEN failed");
      schedule();
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => void connect(), delayMs);
    timer.unref();
    delayMs = Math.min(delayMs * 2, 30_000);
  };
  function lost(err: Error) {
    if (closed) return;
    feed = null;
    store.invalidateAll();
    options.log?.warn({ err: err.message }, "graphql response cache: change feed lost, cache off until it reconnects");
    schedule();
  }

  const unobserve = observeCommits((done) => {
    started++;
    void done.then(() => {
      finished++;
      sendSync();
    });
  });
  void connect();

  return {
    get: (key) => (usable() ? store.get(key) : undefined),
    begin: () => (usable() ? store.begin() : null),
    put(ticket, key, body, deps) {
      if (usable()) store.put(ticket, key, body, deps);
    },
    get usable() {
      return usable();
    },
    ready: () => (usable() ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    stats: () => ({ ...store.stats(), usable: usable() }),
    async close() {
      closed = true;
      unobserve();
      if (timer) clearTimeout(timer);
      const f = feed;
      feed = null;
      store.invalidateAll();
      await f?.close();
    },
  };
}
