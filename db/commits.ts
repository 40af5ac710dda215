/**
 * This process's commits, for in-process caches that must read their own writes
 * (read-api/graphql/response-cache.ts): every `Db.transaction` of either backend, on any handle,
 * reports its COMMIT as it starts, with a promise that settles when it has finished; so does
 * every autocommit `query`/`exec` that may write (anything but a plain SELECT).
 */
type CommitObserver = (finished: Promise<void>) => void;

const observers = new Set<CommitObserver>();

/** Calls `observer` at every commit of this process from now on; returns the unsubscribe. */
export function observeCommits(observer: CommitObserver): () => void {
  observers.add(observer);
  return () => void observers.delete(observer);
}

/** Reports a commit in progress to the observers; returns `commit` itself. */
export function commitObserved<T>(commit: Promise<T>): Promise<T> {
  if (observers.size > 0) {
    const finished = commit.then(
      () => {},
      () => {},
    );
    for (const o of observers) o(finished);
  }
  return commit;
}

const READS_RE = /^\s*(select|with|values|show|explain)\b/i;
const WRITES_RE = /\b(insert|update|delete|merge|truncate|copy|call|do|notify|create|alter|drop|grant|revoke)\b/i;
const classified = new Map<string, boolean>();

/**
 * Whether an autocommit statement may write: anything but a query that starts as a read and
 * names no writing command (`SELECT … FOR UPDATE` counts as a write: harmless). A SELECT of a
 * function that writes is not detected; nothing here does that to the tables caches read.
 */
export function mayWrite(sql: string): boolean {
  let w = classified.get(sql);
  if (w === undefined) {
    w = !READS_RE.test(sql) || WRITES_RE.test(sql);
    if (classified.size < 10_000) classified.set(sql, w);
  }
  return w;
}

/** `run()`, reported as a commit when `sql` may write and anyone observes. */
export const autocommitObserved = <T>(sql: string, run: () => Promise<T>): Promise<T> =>
  observers.size > 0 && mayWrite(sql) ? commitObserved(run()) : run();
