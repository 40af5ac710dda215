/**
 * The one ingest pipeline (receipts and heartbeats): it takes a batch of raw wire items and a
 * kind's checks (`IngestKind`: parse, domain, admission lookups, storage, answers) and hands back
 * one `ItemResult` per item, in order, after the commit. The steps and their order are the same
 * for every kind:
 *
 * 1. bounds: parse each item on its own (MALFORMED) with the kind's first checks (e.g. WRONG_DOMAIN),
 *    the clock (TIMESTAMP_IN_FUTURE, TIMESTAMP_TOO_OLD, BEFORE_GENESIS);
 * 2. verify every signature on core's worker pool (INVALID_SIGNATURE, MALLEABLE_SIGNATURE) while
 *    the kind's admission lookups run (one query each; they do not depend on the verdicts);
 * 3. admission: the kind's rules on what the lookups found (NO_GRANT, UNREGISTERED, …);
 * 4. in one transaction, retried on deadlock/serialization failure: share-lock the epochs
 *    (EPOCH_CLOSED if not OPEN — a concurrent close waits for this commit), then the kind's
 *    storage; commit; then the kind's `committed` hook (e.g. receipts tell the live accrual which
 *    nodes gained bytes).
 *
 * Every `accepted` answer is durable. Rejected items store nothing.
 */
import type { Hex } from "../../core/hex.ts";
import type { Signed } from "../../core/eip712/domain.ts";
import type { PrimaryType } from "../../core/eip712/messages.ts";
import type { Db, Queryable } from "../../db/types.ts";
import { epochOf } from "../../core/epoch-clock.ts";
import type { ApiMetrics } from "../../http/metrics.ts";
import { INGEST_REASONS, signatureReason, type IngestReason } from "../../core/verdict.ts";
import type { Coordinator } from "../plugin.ts";
import { ensureEpochs, lockEpochs } from "../repositories/epochs.ts";
import { withRetry } from "./retry.ts";

export type ItemResult = {
  index: number;
  status: "accepted" | "duplicate" | "rejected";
  code?: string;
  message?: string;
  id?: Hex;
  countedBytes?: string;
};

export type IngestContext = { db: Db; coordinator: Coordinator; metrics: ApiMetrics };

/** A signed item that passed the bounds, with its epoch and (once verified) its EIP-712 digest. */
export type Candidate<M> = { index: number; signed: Signed<M>; epoch: number; id?: Hex };

/** Why an item is refused: a reason code and, optionally, what exactly. */
export type Refusal = { code: IngestReason; detail?: string | undefined };

/** What one kind of signed item adds to the pipeline. */
export type IngestKind<T extends PrimaryType, M extends { timestamp: bigint }, L, D> = {
  /** The metrics' `kind` label. */
  kind: "receipt" | "heartbeat";
  /** The EIP-712 type the signatures are verified as. */
  primaryType: T;
  /** Whether the batch's verify and store durations are observed (`ledger_ingest_batch_duration_seconds`). */
  timed: boolean;
  /**
   * Parses one wire item and makes the kind's checks that come before the clock's: a refusal
   * otherwise (`MALFORMED` with the parser's message; e.g. `WRONG_DOMAIN`).
   */
  parse(raw: unknown, ctx: IngestContext): { ok: true; signed: Signed<M> } | { ok: false; refusal: Refusal };
  /** The admission lookups, started while the signatures verify. */
  lookup(db: Db, candidates: readonly Candidate<M>[]): Promise<L>;
  /** The admission rules on what `lookup` found; undefined: admitted. */
  admit(candidate: Candidate<M>, found: L): Refusal | undefined;
  /** Stores the admitted items of OPEN epochs (in the share-locked transaction): one decision each. */
  store(tx: Queryable, open: readonly Candidate<M>[]): Promise<D[]>;
  /** The answer for a stored item from its decision. */
  answer(candidate: Candidate<M>, decision: D): ItemResult;
  /** After the commit, once per batch: what the kind tells listeners about what it stored (O(1) per item). */
  committed?(ctx: IngestContext, stored: readonly Candidate<M>[], decisions: readonly D[]): void;
};

/** A `rejected` answer with the reason's sentence (and what exactly, in brackets). */
export const reject = (index: number, code: IngestReason, id?: Hex | null, detail?: string): ItemResult => ({
  index,
  status: "rejected",
  code,
  message: detail ? `${INGEST_REASONS[code]} (${detail})` : INGEST_REASONS[code],
  ...(id ? { id } : {}),
});

/** Runs the pipeline for one batch of `kind`; one result per item, in order, durable when answered. */
export async function ingest<T extends PrimaryType, M extends { timestamp: bigint }, L, D>(
  ctx: IngestContext,
  kind: IngestKind<T, M, L, D>,
  items: readonly unknown[],
): Promise<ItemResult[]> {
  const { coordinator, metrics } = ctx;
  const started = performance.now();
  const results: (ItemResult | undefined)[] = new Array<ItemResult | undefined>(items.length);
  const nowSeconds = BigInt(Math.floor(coordinator.now() / 1000));
  const maxTimestamp = nowSeconds + BigInt(coordinator.maxClockSkewSeconds);
  const minTimestamp = nowSeconds - BigInt(coordinator.maxAgeSeconds);

  // 1. Bounds, item by item.
  let candidates: Candidate<M>[] = [];
  items.forEach((raw, index) => {
    const parsed = kind.parse(raw, ctx);
    if (!parsed.ok) return void (results[index] = reject(index, parsed.refusal.code, null, parsed.refusal.detail));
    const timestamp = parsed.signed.message.timestamp;
    if (timestamp > maxTimestamp) return void (results[index] = reject(index, "TIMESTAMP_IN_FUTURE"));
    if (timestamp < minTimestamp) return void (results[index] = reject(index, "TIMESTAMP_TOO_OLD"));
    const epoch = epochOf(coordinator.clock, Number(timestamp));
    if (epoch < 0) return void (results[index] = reject(index, "BEFORE_GENESIS"));
    candidates.push({ index, signed: parsed.signed, epoch });
  });

  // 2. Signatures on every core (core's worker pool) while the admission lookups run.
  const lookups = candidates.length > 0 ? kind.lookup(ctx.db, candidates) : undefined;
  // Handled from the start: if the database fails while the signatures verify, the rejection is
  // awaited below (or dropped with the verification's error), never an unhandled one that would
  // end the process (test/faults/database-outage.test.ts).
  lookups?.catch(() => undefined);
  let verified;
  try {
    verified = await coordinator.pool.verifyBatch({
      domain: coordinator.domain,
      primaryType: kind.primaryType,
      items: candidates.map((c) => c.signed) as never,
    });
  } catch (err) {
    await lookups?.catch(() => undefined);
    throw err;
  }
  const verifiedAt = performance.now();
  if (kind.timed)
    metrics.ingestBatchDuration.observe({ kind: kind.kind, stage: "verify" }, (verifiedAt - started) / 1000);
  candidates = candidates.filter((c, i) => {
    const v = verified[i]!;
    if (v.digest) c.id = v.digest;
    if (v.valid) return true;
    results[c.index] = reject(c.index, signatureReason(v.error), v.digest, v.error);
    return false;
  });

  // 3. Admission: the kind's rules on what the lookups found.
  if (lookups) {
    const found = await lookups;
    candidates = candidates.filter((c) => {
      const refused = kind.admit(c, found);
      if (!refused) return true;
      results[c.index] = reject(c.index, refused.code, c.id, refused.detail);
      return false;
    });
  }

  // 4. One transaction: epochs share-locked, then the kind's storage.
  if (candidates.length > 0) {
    const epochs = [...new Set(candidates.map((c) => c.epoch))];
    await ensureEpochs(ctx.db, coordinator.clock, epochs);
    const { closed, decisions, stored } = await withRetry(() =>
      ctx.db.transaction(async (tx) => {
        const statuses = await lockEpochs(tx, epochs);
        const closedSet = new Set(epochs.filter((e) => statuses.get(e) !== "OPEN"));
        const open = candidates.filter((c) => !closedSet.has(c.epoch));
        return { closed: closedSet, decisions: await kind.store(tx, open), stored: open };
      }),
    );
    for (const c of candidates) if (closed.has(c.epoch)) results[c.index] = reject(c.index, "EPOCH_CLOSED", c.id);
    stored.forEach((c, i) => (results[c.index] = kind.answer(c, decisions[i]!)));
    if (stored.length > 0) kind.committed?.(ctx, stored, decisions);
    if (kind.timed)
      metrics.ingestBatchDuration.observe({ kind: kind.kind, stage: "store" }, (performance.now() - verifiedAt) / 1000);
  }

  const out = results as ItemResult[];
  for (const r of out) {
    metrics.ingested.inc({ kind: kind.kind, verdict: r.status });
    if (r.status === "rejected") metrics.rejections.inc({ kind: kind.kind, reason: r.code! });
  }
  return out;
}
