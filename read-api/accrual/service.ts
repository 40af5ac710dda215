/**
 * The live accrual service: takes in the event bus's `bytesAccepted` (ingest: "these nodes'
 * receipts were accepted with bytes", one event per batch) and the open epoch's rows
 * (repositories/accrual.ts), and hands on each watched supporter's accrual (core/accrual.ts) to
 * its GraphQL subscribers — at most one push per supporter per `throttleMs`, and again every
 * `refreshMs` when it changed without an event (heartbeats, other supporters' bytes under a short
 * budget).
 *
 * Cost: an event costs one map lookup per node it names; nothing is read or computed for a
 * supporter nobody watches. The network's totals (one grouped scan of the epoch's receipts and
 * heartbeats) are shared by every watcher and read at most once per `snapshotMs`; each push then
 * reads the supporter's own receipts for the rules that run at close.
 */
import type { Hex } from "../../core/hex.ts";
import type { LedgerEvents } from "../../events/ledger-events.ts";
import type { Queryable } from "../../db/types.ts";
import { computeAccrualOf, loadSnapshot, type AccrualSetup, type Accrual, type Snapshot } from "./compute.ts";

export type { Accrual };

export type AccrualServiceOptions = AccrualSetup & {
  db: Queryable;
  events: LedgerEvents;
  /** At most one push per supporter per this many ms (default 2 000). */
  throttleMs?: number;
  /** A watched supporter is recomputed this often without an event, pushed only if changed (default 10 000). */
  refreshMs?: number;
  /** The network snapshot is reused for this long (default 1 000). */
  snapshotMs?: number;
  log?: { warn(obj: object, msg: string): void } | undefined;
};

export type AccrualService = {
  /** The supporter's accrual now (query field). */
  current(address: Hex): Promise<Accrual>;
  /** Its accrual now, then after every change (throttled); ends when the consumer returns. */
  watch(address: Hex): AsyncIterableIterator<Accrual>;
  readonly stats: { events: number; snapshots: number; computations: number; pushes: number };
  close(): void;
};

type Sink = { push(a: Accrual): void };
type Watch = {
  address: Hex;
  sinks: Set<Sink>;
  nodes: Set<string>;
  lastPushAt: number;
  lastBody: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  refresh: ReturnType<typeof setInterval>;
  running: boolean;
  again: boolean;
};

export function createAccrualService(o: AccrualServiceOptions): AccrualService {
  const throttleMs = o.throttleMs ?? 2_000;
  const refreshMs = o.refreshMs ?? 10_000;
  const snapshotMs = o.snapshotMs ?? 1_000;
  const now = o.now ?? Date.now; // the ledger's clock: which epoch, how far into it
  const tick = () => performance.now(); // real time: throttles and snapshot ages
  const stats = { events: 0, snapshots: 0, computations: 0, pushes: 0 };
  const watches = new Map<Hex, Watch>();
  const byNode = new Map<string, Set<Watch>>();

  // the shared network snapshot: reloaded when older than snapshotMs and bytes arrived since
  let snapshot: { at: number; dirty: boolean; value: Promise<Snapshot> } | undefined;
  const currentSnapshot = async (): Promise<Snapshot> => {
    // bytes arrived since a snapshot too young to reload: wait until it may be, then read afresh
    const young = snapshot && snapshot.dirty ? snapshot.at + snapshotMs - tick() : 0;
    if (young > 0) await new Promise((r) => setTimeout(r, young));
    const epochNow = Math.floor((now() / 1000 - o.clock.genesis) / o.clock.epochSeconds);
    if (!snapshot || snapshot.dirty || tick() - snapshot.at >= refreshMs || snapshotEpoch !== epochNow) {
      stats.snapshots++;
      snapshotEpoch = epochNow;
      const value = loadSnapshot(o.db, o, now());
      snapshot = { at: tick(), dirty: false, value };
      value.catch(() => (snapshot = undefined));
    }
    return snapshot.value;
  };
  let snapshotEpoch = -1;

  const compute = async (address: Hex): Promise<Accrual> => {
    stats.computations++;
    return computeAccrualOf(o.db, o, await currentSnapshot(), address, now());
  };

  const index = (w: Watch, nodes: readonly string[]) => {
    for (const n of w.nodes) byNode.get(n)?.delete(w);
    w.nodes = new Set(nodes);
    for (const n of w.nodes) {
      let set = byNode.get(n);
      if (!set) byNode.set(n, (set = new Set()));
      set.add(w);
    }
  };

  /** Computes and pushes (if changed, or `force`); one run at a time per watch. */
  const run = async (w: Watch, force: boolean) => {
    if (w.running) return void (w.again = true);
    w.running = true;
    try {
      const a = await compute(w.address);
      index(w, a.watchedNodes);
      const body = bodyOf(a);
      const changed = body !== w.lastBody;
      if (force || changed) {
        w.lastBody = body;
        w.lastPushAt = tick();
        stats.pushes++;
        for (const s of w.sinks) s.push(a);
      }
    } catch (err) {
      o.log?.warn({ err, address: w.address }, "accrual: computation failed; retried on the next event");
    } finally {
      w.running = false;
      if (w.again) {
        w.again = false;
        schedule(w);
      }
    }
  };

  /** At most one push per throttleMs: now if the last was long enough ago, else when it will be. */
  const schedule = (w: Watch) => {
    if (w.timer) return;
    const wait = Math.max(0, w.lastPushAt + throttleMs - tick());
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void run(w, false);
    }, wait);
  };

  const off = subscribeBytesAccepted(o.events, (nodes) => {
    stats.events++;
    if (snapshot) snapshot.dirty = true;
    for (const n of nodes) {
      const set = byNode.get(n);
      if (set) for (const w of set) schedule(w);
    }
  });

  const watch = (address: Hex): AsyncIterableIterator<Accrual> => {
    const queue: Accrual[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const sink: Sink = {
      push(a) {
        queue.length = 0; // only the newest matters
        queue.push(a);
        wake?.();
      },
    };
    let w = watches.get(address);
    if (!w) {
      const created: Watch = {
        address,
        sinks: new Set(),
        nodes: new Set(),
        lastPushAt: -Infinity,
        lastBody: "",
        timer: undefined,
        refresh: setInterval(() => void run(created, false), refreshMs),
        running: false,
        again: false,
      };
      created.refresh.unref?.();
      watches.set(address, created);
      w = created;
    }
    const watched = w;
    watched.sinks.add(sink);
    // the first value at once, for this subscriber only
    void compute(address)
      .then((a) => {
        index(watched, a.watchedNodes);
        if (watched.lastBody === "") watched.lastBody = bodyOf(a);
        sink.push(a);
      })
      .catch((err: unknown) => o.log?.warn({ err, address }, "accrual: first computation failed"));
    const stop = () => {
      if (done) return;
      done = true;
      watched.sinks.delete(sink);
      wake?.();
      if (watched.sinks.size === 0) {
        clearInterval(watched.refresh);
        if (watched.timer) clearTimeout(watched.timer);
        index(watched, []);
        watches.delete(address);
      }
    };
    const iterator: AsyncIterableIterator<Accrual> = {
      async next() {
        while (!done && queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (done) return { done: true, value: undefined };
        return { done: false, value: queue.shift()! };
      },
      async return() {
        stop();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };

  return {
    current: compute,
    watch,
    stats,
    close() {
      off();
      for (const w of [...watches.values()]) {
        clearInterval(w.refresh);
        if (w.timer) clearTimeout(w.timer);
      }
      watches.clear();
      byNode.clear();
    },
  };
}

/** What a push carries, without its time: two equal bodies are the same accrual. */
const bodyOf = (a: Accrual) =>
  JSON.stringify({ ...a, asOf: undefined }, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** Listens to the bus's `bytesAccepted` topic until the returned function is called. */
function subscribeBytesAccepted(events: LedgerEvents, onNodes: (nodes: readonly string[]) => void): () => void {
  const iterator = events.pubsub.subscribe("bytesAccepted")[Symbol.asyncIterator]();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const next = await iterator.next();
      if (next.done) return;
      onNodes(next.value.nodes);
    }
  })();
  return () => {
    stopped = true;
    void iterator.return?.();
  };
}
