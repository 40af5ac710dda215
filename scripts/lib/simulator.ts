import { randomBytes } from "node:crypto";
import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";

/**
 * A simulated StreamrP2P network for `npm start`: supporters' nodes register, a streaming
 * platform opens viewer sessions, viewers' session keys sign cumulative receipts for the bytes
 * each node served them, nodes sign heartbeats, and everything is posted to the coordinator's
 * REST API over HTTP — exactly what real nodes and viewers send. A few actors cheat so that
 * the fraud rules have something to catch:
 *
 * - `inflator` claims three times what the stream's bitrate allows (clipped: BITRATE_EXCEEDED);
 * - `selfdealer` serves a "viewer" whose key is its own payout key (SELF_DEALING);
 * - `forger` sends receipts with a broken signature (rejected at ingest: INVALID_SIGNATURE).
 */
export type Actor = {
  name: string;
  nodeKey: Hex;
  node: Address;
  payoutKey: Hex;
  payout: Address;
  behaviour: "honest" | "inflator" | "selfdealer" | "forger";
  founder: boolean;
};

type Session = {
  sessionId: Hex;
  viewerKey: Hex;
  viewer: Address;
  servers: Actor[];
  seq: Map<Address, bigint>;
  bytes: Map<Address, bigint>;
};

export type SimulatorOptions = {
  apiUrl: string;
  domain: RewardsDomain;
  /** An API key with scope `sessions:write` (the streaming platform's). */
  platformKey: string;
  actors: Actor[];
  /** Stream bitrate, bits per second (default 6 Mb/s). */
  bitsPerSecond?: bigint;
  tickMs?: number;
  log?: (line: string) => void;
};

const key = (): Hex => `0x${randomBytes(32).toString("hex")}`;

/** Deterministic-enough actors: `count` supporters, the first one a founder, the last three cheaters. */
export function makeActors(count: number): Actor[] {
  const behaviours: Actor["behaviour"][] = ["inflator", "selfdealer", "forger"];
  return Array.from({ length: count }, (_, i) => {
    const nodeKey = key();
    const payoutKey = key();
    const behaviour = i >= count - behaviours.length ? behaviours[i - (count - behaviours.length)]! : "honest";
    return {
      name: behaviour === "honest" ? `supporter-${i + 1}` : behaviour,
      nodeKey,
      node: privateKeyToAddress(nodeKey).toLowerCase() as Address,
      payoutKey,
      payout: privateKeyToAddress(payoutKey).toLowerCase() as Address,
      behaviour,
      founder: i === 0,
    };
  });
}

export function createSimulator(options: SimulatorOptions) {
  const bitsPerSecond = options.bitsPerSecond ?? 6_000_000n;
  const log = options.log ?? (() => {});
  const sessions: Session[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastTickMs = Date.now();
  let running: Promise<void> = Promise.resolve();
  const stats = { receiptsSent: 0, accepted: 0, rejected: 0, duplicate: 0, errors: 0 };

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const res = await fetch(`${options.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
    });
    const json = (await res.json()) as unknown;
    if (res.status >= 400) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  async function register(currentEpoch: () => bigint) {
    for (const a of options.actors) {
      // Resuming: a node registered in an earlier run keeps its registration.
      if ((await fetch(`${options.apiUrl}/v1/supporters/${a.node}`)).status === 200) continue;
      // Effective from the epoch current when it is sent; an epoch boundary passing while the
      // request travels (short dev epochs on a busy machine) is answered by signing again.
      for (let attempt = 1; ; attempt++) {
        const message = { node: a.node, payout: a.payout, effectiveEpoch: currentEpoch(), nonce: 0n };
        const signature = signTypedMessage({
          domain: options.domain,
          primaryType: "SupporterRegistration",
          message,
          privateKey: a.nodeKey,
        });
        try {
          await post("/v1/supporters", { ...message, signature });
          break;
        } catch (err) {
          if (attempt >= 3 || !String(err).includes("EFFECTIVE_EPOCH_PAST")) throw err;
        }
      }
    }
  }

  async function openSession(servers: Actor[], viewerKey: Hex = key()): Promise<Session> {
    const viewer = privateKeyToAddress(viewerKey).toLowerCase() as Address;
    const res = (await post(
      "/v1/sessions",
      { viewer, streamId: `0x${"51".repeat(32)}`, maxBitsPerSecond: bitsPerSecond.toString() },
      { authorization: `Bearer ${options.platformKey}` },
    )) as { grant: { sessionId: Hex } };
    return { sessionId: res.grant.sessionId, viewerKey, viewer, servers, seq: new Map(), bytes: new Map() };
  }

  async function tick() {
    const now = Date.now();
    const elapsedSeconds = BigInt(Math.max(1, Math.round((now - lastTickMs) / 1000)));
    lastTickMs = now;
    const timestamp = BigInt(Math.floor(now / 1000));
    const receipts: unknown[] = [];
    for (const s of sessions) {
      const budgetBytes = (bitsPerSecond * elapsedSeconds) / 8n / BigInt(s.servers.length);
      for (const a of s.servers) {
        // Honest nodes serve 60–95 % of their share; the inflator claims 3× the stream's bitrate.
        const served =
          a.behaviour === "inflator"
            ? budgetBytes * 3n * BigInt(s.servers.length)
            : (budgetBytes * BigInt(60 + Math.floor(Math.random() * 36))) / 100n;
        const cumulativeBytes = (s.bytes.get(a.node) ?? 0n) + served;
        const seq = (s.seq.get(a.node) ?? 0n) + 1n;
        s.bytes.set(a.node, cumulativeBytes);
        s.seq.set(a.node, seq);
        const message = {
          sessionId: s.sessionId,
          supporter: a.node,
          viewer: s.viewer,
          seq,
          cumulativeBytes,
          timestamp,
        };
        let signature = signTypedMessage({
          domain: options.domain,
          primaryType: "Receipt",
          message,
          privateKey: s.viewerKey,
        });
        if (a.behaviour === "forger")
          signature = `${signature.slice(0, 10)}${"00".repeat(4)}${signature.slice(18)}` as Hex;
        receipts.push({ ...message, signature });
      }
    }
    const heartbeats = options.actors.map((a) => {
      const message = { node: a.node, timestamp };
      return {
        ...message,
        signature: signTypedMessage({
          domain: options.domain,
          primaryType: "Heartbeat",
          message,
          privateKey: a.nodeKey,
        }),
      };
    });
    try {
      await post("/v1/heartbeats", { heartbeats });
      for (let i = 0; i < receipts.length; i += 1000) {
        const out = (await post("/v1/receipts", { receipts: receipts.slice(i, i + 1000) })) as {
          results: { status: string }[];
        };
        stats.receiptsSent += out.results.length;
        for (const r of out.results) {
          if (r.status === "accepted") stats.accepted++;
          else if (r.status === "duplicate") stats.duplicate++;
          else stats.rejected++;
        }
      }
    } catch (err) {
      stats.errors++;
      log(`simulator: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return {
    stats,
    /** `currentEpoch` tells the coordinator's current epoch when called (registrations take effect from it). */
    async start(currentEpoch: () => bigint) {
      await register(currentEpoch);
      const honest = options.actors.filter((a) => a.behaviour === "honest");
      // Each viewer is served by two or three honest nodes; cheaters get sessions of their own.
      for (let i = 0; i < honest.length; i++)
        sessions.push(
          await openSession([
            honest[i]!,
            honest[(i + 1) % honest.length]!,
            ...(i % 2 === 0 ? [honest[(i + 2) % honest.length]!] : []),
          ]),
        );
      for (const cheat of options.actors.filter((a) => a.behaviour !== "honest"))
        sessions.push(
          await openSession([cheat, honest[0]!], cheat.behaviour === "selfdealer" ? cheat.payoutKey : undefined),
        );
      lastTickMs = Date.now();
      const loop = () => {
        running = tick().finally(() => {
          if (timer !== undefined) timer = setTimeout(loop, options.tickMs ?? 2_000);
        });
      };
      timer = setTimeout(loop, options.tickMs ?? 2_000);
    },
    async stop() {
      const t = timer;
      timer = undefined;
      if (t) clearTimeout(t);
      await running;
    },
  };
}
