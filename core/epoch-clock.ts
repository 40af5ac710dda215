/**
 * Which epoch a signed timestamp falls in: epochs are fixed-length windows of
 * `epochSeconds` starting at `genesis` (unix seconds). Epoch N covers
 * [genesis + N·len, genesis + (N+1)·len).
 */
export type EpochClock = { epochSeconds: number; genesis: number };

/** The epoch containing `timestampSeconds`, or -1 before genesis. */
export function epochOf(clock: EpochClock, timestampSeconds: number): number {
  if (timestampSeconds < clock.genesis) return -1;
  return Math.floor((timestampSeconds - clock.genesis) / clock.epochSeconds);
}

export function epochBounds(clock: EpochClock, epoch: number): { startsAt: Date; endsAt: Date } {
  const start = clock.genesis + epoch * clock.epochSeconds;
  return { startsAt: new Date(start * 1000), endsAt: new Date((start + clock.epochSeconds) * 1000) };
}

/** The epoch in progress now. */
export function currentEpoch(clock: EpochClock, nowMs: number = Date.now()): number {
  return epochOf(clock, Math.floor(nowMs / 1000));
}

/**
 * The late-receipt grace (`LEDGER_EPOCH_GRACE_SECONDS`): seconds after an epoch's end during which
 * its receipts are still accepted, before the oracle closes it. Its default and bounds, read by the
 * oracle's configuration (which enforces it) and the API's (which states it: `Query.ledgerRules`).
 */
export const EPOCH_GRACE_SECONDS = { default: 3_600, min: 0, max: 30 * 86_400 } as const;
