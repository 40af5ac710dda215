/**
 * What the API depends on — the database always, the chain's RPC when one is configured (the
 * dashboard's read-only proxy), Redis when subscriptions go through it — and whether each is
 * up right now. `/readyz` and `/metrics` probe them; routes that meet a dependency failing
 * report it too. A change of state (down → up, up → down) is logged once, never per request.
 */

export type DependencyName = "database" | "chain" | "redis";
export type DependencyState = "up" | "down";

/** Answers whether the dependency is up now; a throw counts as down. */
export type DependencyProbe = () => Promise<boolean>;

export type DependencyLogger = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

/** A probe's answer is reused this long (ms): readiness checks under load never hammer the RPC. */
const PROBE_CACHE_MS = 1_000;
/** A probe that has not answered after this long (ms) is down. */
export const PROBE_TIMEOUT_MS = 2_000;

export class Dependencies {
  private readonly probes = new Map<DependencyName, DependencyProbe>();
  /** Dependencies whose client logs its own outages (Redis): no second line from here. */
  private readonly selfLogging = new Set<DependencyName>();
  private readonly states = new Map<DependencyName, { state: DependencyState; atMs: number }>();
  private readonly inflight = new Map<DependencyName, Promise<DependencyState>>();
  private readonly log: DependencyLogger;
  private readonly now: () => number;

  constructor(log: DependencyLogger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  /**
   * Declares a dependency and how to check it (a later call replaces the probe). `selfLogging`:
   * its client already logs each change of state, so this registry does not.
   */
  register(name: DependencyName, probe: DependencyProbe, options: { selfLogging?: boolean } = {}): void {
    this.probes.set(name, probe);
    if (options.selfLogging) this.selfLogging.add(name);
  }

  /** The configured dependencies, in a stable order. */
  names(): DependencyName[] {
    return (["database", "chain", "redis"] as const).filter((n) => this.probes.has(n));
  }

  /** Records what a request (or a probe) just saw; logs only a change. */
  report(name: DependencyName, state: DependencyState): void {
    const before = this.states.get(name)?.state;
    this.states.set(name, { state, atMs: this.now() });
    if (before === state || this.selfLogging.has(name)) return;
    if (state === "down") this.log.warn({ dependency: name }, `${name} unreachable`);
    else if (before === "down") this.log.info({ dependency: name }, `${name} reachable again`);
  }

  /** The last known state, without probing. */
  last(name: DependencyName): DependencyState | undefined {
    return this.states.get(name)?.state;
  }

  /** Probes one dependency (or reuses an answer younger than PROBE_CACHE_MS). */
  async check(name: DependencyName): Promise<DependencyState> {
    const probe = this.probes.get(name);
    if (!probe) throw new Error(`dependency ${name} is not configured`);
    const known = this.states.get(name);
    if (known && this.now() - known.atMs < PROBE_CACHE_MS) return known.state;
    let running = this.inflight.get(name);
    if (!running) {
      running = withTimeout(probe(), PROBE_TIMEOUT_MS)
        .then(
          (up) => (up ? "up" : "down"),
          () => "down" as const,
        )
        .then((state) => {
          this.report(name, state);
          return state;
        })
        .finally(() => this.inflight.delete(name));
      this.inflight.set(name, running);
    }
    return running;
  }

  /** Every configured dependency, probed concurrently. */
  async checkAll(): Promise<Partial<Record<DependencyName, DependencyState>>> {
    const names = this.names();
    const states = await Promise.all(names.map((n) => this.check(n)));
    return Object.fromEntries(names.map((n, i) => [n, states[i]]));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A chain probe: `eth_blockNumber` against `rpcUrl` answers with a block number. Any HTTP
 * error status, transport failure or garbage is down.
 */
export function rpcProbe(rpcUrl: string): DependencyProbe {
  return async () => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { result?: unknown };
    return typeof body.result === "string" && /^0x[0-9a-f]+$/i.test(body.result);
  };
}
