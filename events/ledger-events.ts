/**
 * Live ledger events for subscriptions: in-process by default; with a Redis URL, through Redis
 * pub/sub so an event published by any process (an API replica, the indexer) reaches the
 * subscribers of every replica. Payloads are ids only; subscribers load the current rows.
 */
import { createPubSub, type PubSub } from "graphql-yoga";
import { Redis } from "ioredis";
import type { IndexerStep } from "./indexer-step.ts";
import type { Hex } from "../core/hex.ts";

export type LedgerTopics = {
  /** An epoch's root changed (payload: the epoch number, decimal). */
  epochUpdated: [{ epoch: string }];
  /** A claim was indexed (payload: its id). */
  claimed: [{ id: Hex }];
  /** Something about a supporter changed (channel: the lowercase address). */
  supporterUpdated: [address: string, payload: { address: Hex }];
  /**
   * Ingest accepted receipts with bytes from these nodes (lowercase) in this coordinator epoch
   * (decimal): one event per committed batch and epoch, the live accrual's trigger.
   */
  bytesAccepted: [{ epoch: string; nodes: Hex[] }];
};

export type LedgerEvents = {
  pubsub: PubSub<LedgerTopics>;
  /** Publishes what an indexer step changed: epochs, claims and the claiming supporters. */
  publishStep(step: IndexerStep): void;
  /** With Redis: whether both connections are ready now; without: undefined (nothing to be down). */
  redisUp(): boolean | undefined;
  close(): Promise<void>;
};

const CHANNEL_PREFIX = "ledger:";

/**
 * A minimal EventTarget over Redis pub/sub (after @graphql-yoga/redis-event-target): dispatch
 * publishes; the first listener of a topic subscribes the channel, the last one unsubscribes.
 * Every process, the publisher included, receives events through Redis, so none is doubled.
 * Not the package itself: it wants ioredis 5 (a peer dependency; this project runs 6), uses bare
 * topic names as channels (no `ledger:` prefix), and leaves its publish/subscribe promises
 * uncaught, so a Redis outage would end the process (test/faults/api-dependencies.test.ts).
 */
function redisEventTarget(publisher: Redis, subscriber: Redis): EventTarget {
  const listeners = new Map<string, Set<EventListenerOrEventListenerObject>>();
  subscriber.on("message", (channel: string, message: string) => {
    const type = channel.slice(CHANNEL_PREFIX.length);
    const set = listeners.get(type);
    if (!set) return;
    const event = new CustomEvent(type, { detail: JSON.parse(message) as unknown });
    for (const l of set) {
      if (typeof l === "function") l(event);
      else l.handleEvent(event);
    }
  });
  return {
    addEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      if (!listener) return;
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
        // While Redis is away the command fails (the connection's 'error' handler has logged
        // the outage); ioredis re-subscribes every channel when it reconnects.
        subscriber.subscribe(CHANNEL_PREFIX + type).catch(() => {});
      }
      set.add(listener);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      const set = listeners.get(type);
      if (!set || !listener) return;
      set.delete(listener);
      if (set.size === 0) {
        listeners.delete(type);
        subscriber.unsubscribe(CHANNEL_PREFIX + type).catch(() => {});
      }
    },
    dispatchEvent(event: Event) {
      // A live event lost while Redis is away is only a missed push: subscribers reload rows on
      // the next one. An unawaited rejection here would end the process.
      publisher.publish(CHANNEL_PREFIX + event.type, JSON.stringify((event as CustomEvent).detail)).catch(() => {});
      return true;
    },
  };
}

export type LedgerEventsLogger = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export type LedgerEventsOptions = { redisUrl?: string | undefined; log?: LedgerEventsLogger | undefined };

/** ioredis reconnects after `min(attempt · 100 ms, 2 s)`: capped backoff, forever. */
const reconnectDelayMs = (attempt: number) => Math.min(attempt * 100, 2_000);

/** Creates the event bus; with `redisUrl`, resolves once both Redis connections are ready. */
export async function createLedgerEvents(options: LedgerEventsOptions = {}): Promise<LedgerEvents> {
  let close = async () => {};
  let redisUp = (): boolean | undefined => undefined;
  let pubsub: PubSub<LedgerTopics>;
  if (options.redisUrl) {
    const connect = () =>
      new Redis(options.redisUrl!, {
        lazyConnect: true,
        maxRetriesPerRequest: 3,
        retryStrategy: reconnectDelayMs,
      });
    const publisher = connect();
    const subscriber = connect();
    // Every connection has an 'error' listener (without one ioredis prints each failed
    // reconnect); an outage is logged once when it starts and once when it ends.
    let down = false;
    let connected = false; // the first connect is awaited below; changes count from then on
    const update = (err?: unknown) => {
      if (!connected) return;
      const nowDown = publisher.status !== "ready" || subscriber.status !== "ready";
      if (nowDown === down) return;
      down = nowDown;
      if (down) options.log?.warn({ err, dependency: "redis" }, "redis unreachable; reconnecting");
      else options.log?.info({ dependency: "redis" }, "redis reachable again");
    };
    for (const client of [publisher, subscriber]) {
      client.on("error", (err: unknown) => update(err));
      client.on("close", () => update());
      client.on("ready", () => update());
    }
    await Promise.all([publisher.connect(), subscriber.connect()]);
    connected = true;
    pubsub = createPubSub<LedgerTopics>({
      eventTarget: redisEventTarget(publisher, subscriber),
    });
    redisUp = () => publisher.status === "ready" && subscriber.status === "ready";
    close = async () => {
      subscriber.disconnect();
      publisher.disconnect();
    };
  } else {
    pubsub = createPubSub<LedgerTopics>();
  }
  const publishStep = (step: IndexerStep) => {
    if (step.type === "reorg") {
      pubsub.publish("epochUpdated", { epoch: "*" });
      return;
    }
    if (step.type !== "indexed") return;
    const epochs = new Set<string>();
    for (const log of step.logs) {
      if (log.eventName === "RootProposed" || log.eventName === "RootVetoed" || log.eventName === "RootFinalized")
        epochs.add(String(log.args.epoch));
      if (log.eventName === "Claimed") {
        const account = String(log.args.account).toLowerCase() as Hex;
        pubsub.publish("claimed", { id: log.id });
        pubsub.publish("supporterUpdated", account, { address: account });
      }
    }
    for (const epoch of epochs) pubsub.publish("epochUpdated", { epoch });
  };
  return { pubsub, publishStep, redisUp: () => redisUp(), close: () => close() };
}
