import { isRegistrationEffective, selectGrant } from "../../core/admission.ts";
import type { Signed, Receipt } from "../../core/eip712.ts";
import type { Hex } from "../../core/hex.ts";
import type { Db } from "../../db/types.ts";
import { epochOf } from "../../core/epoch-clock.ts";
import type { ApiMetrics } from "../lib/metrics.ts";
import { INGEST_REASONS, signatureReason, type IngestReason } from "../../core/verdict.ts";
import { parseReceiptItem } from "../lib/wire.ts";
import type { Coordinator } from "../plugins/coordinator.ts";
import { ensureEpochs, lockEpochs } from "../repositories/epochs.ts";
import { grantsBySession } from "../repositories/grants.ts";
import { registeredFromEpochs } from "../repositories/nodes.ts";
import { storeReceipts, type VerifiedReceipt } from "../repositories/receipts.ts";
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

const reject = (index: number, code: IngestReason, id?: Hex | null, detail?: string): ItemResult => ({
  index,
  status: "rejected",
  code,
  message: detail ? `${INGEST_REASONS[code]} (${detail})` : INGEST_REASONS[code],
  ...(id ? { id } : {}),
});

/**
 * Ingests a batch of signed receipts (Helium-style: verify, then one transaction per batch):
 *
 * 1. parse each item on its own (MALFORMED), check the claimed domain (WRONG_DOMAIN), the
 *    clock (TIMESTAMP_IN_FUTURE, BEFORE_GENESIS);
 * 2. verify every signature on core's worker pool (INVALID_SIGNATURE, MALLEABLE_SIGNATURE);
 * 3. check grants (NO_GRANT, GRANT_EXPIRED) and registration (UNREGISTERED) with one query each;
 * 4. in one transaction: share-lock the epochs (EPOCH_CLOSED if not OPEN — a concurrent close
 *    waits for this commit), lock the (session, supporter) heads, decide monotonicity, insert
 *    with one multi-row INSERT, advance the heads; commit.
 *
 * Returns only after the commit: every `accepted` answer is durable. Rejected items store
 * nothing. One result per item, in order.
 */
export async function ingestReceipts(ctx: IngestContext, items: readonly unknown[]): Promise<ItemResult[]> {
  const { coordinator, metrics } = ctx;
  const started = performance.now();
  const results: (ItemResult | undefined)[] = new Array<ItemResult | undefined>(items.length);
  const nowSeconds = BigInt(Math.floor(coordinator.now() / 1000));
  const maxTimestamp = nowSeconds + BigInt(coordinator.maxClockSkewSeconds);
  const minTimestamp = nowSeconds - BigInt(coordinator.maxAgeSeconds);

  type Candidate = { index: number; signed: Signed<Receipt>; epoch: number; id?: Hex };
  let candidates: Candidate[] = [];
  items.forEach((raw, index) => {
    const parsed = parseReceiptItem(raw);
    if (!parsed.ok) return void (results[index] = reject(index, "MALFORMED", null, parsed.message));
    const { receipt, signature, claimedDomain } = parsed.value;
    if (
      claimedDomain &&
      ((claimedDomain.chainId !== undefined && claimedDomain.chainId !== coordinator.domain.chainId) ||
        (claimedDomain.verifyingContract !== undefined &&
          claimedDomain.verifyingContract.toLowerCase() !== coordinator.domain.verifyingContract.toLowerCase()))
    )
      return void (results[index] = reject(
        index,
        "WRONG_DOMAIN",
        null,
        `this coordinator verifies chainId ${coordinator.domain.chainId}, contract ${coordinator.domain.verifyingContract}`,
      ));
    if (receipt.timestamp > maxTimestamp) return void (results[index] = reject(index, "TIMESTAMP_IN_FUTURE"));
    if (receipt.timestamp < minTimestamp) return void (results[index] = reject(index, "TIMESTAMP_TOO_OLD"));
    const epoch = epochOf(coordinator.clock, Number(receipt.timestamp));
    if (epoch < 0) return void (results[index] = reject(index, "BEFORE_GENESIS"));
    candidates.push({ index, signed: { message: receipt, signature }, epoch });
  });

  // 2. Signatures on every core (core's worker pool) while grants and registrations are
  //    looked up (one query each; they do not depend on the verdicts).
  const lookups =
    candidates.length > 0
      ? Promise.all([
          grantsBySession(ctx.db, [...new Set(candidates.map((c) => c.signed.message.sessionId))]),
          registeredFromEpochs(ctx.db, [...new Set(candidates.map((c) => c.signed.message.supporter))]),
        ])
      : undefined;
  let verified;
  try {
    verified = await coordinator.pool.verifyBatch({
      domain: coordinator.domain,
      primaryType: "Receipt",
      items: candidates.map((c) => c.signed),
    });
  } catch (err) {
    await lookups?.catch(() => undefined);
    throw err;
  }
  const verifiedAt = performance.now();
  metrics.ingestBatchDuration.observe({ kind: "receipt", stage: "verify" }, (verifiedAt - started) / 1000);
  candidates = candidates.filter((c, i) => {
    const v = verified[i]!;
    if (v.digest) c.id = v.digest;
    if (v.valid) return true;
    results[c.index] = reject(c.index, signatureReason(v.error), v.digest, v.error);
    return false;
  });

  // 3. Grants and registrations: core's rules (core/admission.ts), as the epoch close runs them.
  if (lookups) {
    const [grants, registeredFrom] = await lookups;
    candidates = candidates.filter((c) => {
      const m = c.signed.message;
      const grant = grants.get(m.sessionId);
      const granted = selectGrant(grant ? [{ grant, digest: "" }] : [], m.viewer, m.timestamp);
      const from = registeredFrom.get(m.supporter);
      let code: IngestReason | undefined = granted.reason ?? undefined;
      let detail: string | undefined;
      if (code === "NO_GRANT" && grant) detail = "the grant of this session names another viewer key";
      if (!code && from === undefined) code = "UNREGISTERED";
      else if (!code && from !== undefined && !isRegistrationEffective(from, BigInt(c.epoch))) {
        code = "UNREGISTERED";
        detail = `the node's registration takes effect from epoch ${from}; this receipt is in epoch ${c.epoch}`;
      }
      if (!code) return true;
      results[c.index] = reject(c.index, code, c.id, detail);
      return false;
    });
  }

  // 4. One transaction: epochs share-locked, heads locked, one multi-row INSERT.
  if (candidates.length > 0) {
    const epochs = [...new Set(candidates.map((c) => c.epoch))];
    await ensureEpochs(ctx.db, coordinator.clock, epochs);
    const { closed, decisions, stored } = await withRetry(() =>
      ctx.db.transaction(async (tx) => {
        const statuses = await lockEpochs(tx, epochs);
        const closedSet = new Set(epochs.filter((e) => statuses.get(e) !== "OPEN"));
        const open = candidates.filter((c) => !closedSet.has(c.epoch));
        const toStore: VerifiedReceipt[] = open.map((c) => ({
          epoch: c.epoch,
          sessionId: c.signed.message.sessionId,
          supporter: c.signed.message.supporter,
          viewer: c.signed.message.viewer,
          seq: c.signed.message.seq,
          cumulativeBytes: c.signed.message.cumulativeBytes,
          timestamp: c.signed.message.timestamp,
          signature: c.signed.signature,
        }));
        return { closed: closedSet, decisions: await storeReceipts(tx, toStore), stored: open };
      }),
    );
    for (const c of candidates) if (closed.has(c.epoch)) results[c.index] = reject(c.index, "EPOCH_CLOSED", c.id);
    stored.forEach((c, i) => {
      const d = decisions[i]!;
      results[c.index] =
        d.verdict === "accepted"
          ? { index: c.index, status: "accepted", id: c.id!, countedBytes: d.deltaBytes.toString() }
          : d.verdict === "rejected"
            ? reject(
                c.index,
                "NON_MONOTONIC",
                c.id,
                "it goes back into an epoch before this stream's last counted receipt; nothing was stored",
              )
            : {
                index: c.index,
                status: "duplicate",
                code: d.reason === "ALREADY_COUNTED" ? "DUPLICATE" : "NON_MONOTONIC",
                message: INGEST_REASONS[d.reason === "ALREADY_COUNTED" ? "DUPLICATE" : "NON_MONOTONIC"],
                id: c.id!,
              };
    });
    metrics.ingestBatchDuration.observe({ kind: "receipt", stage: "store" }, (performance.now() - verifiedAt) / 1000);
  }

  const out = results as ItemResult[];
  for (const r of out) {
    metrics.ingested.inc({ kind: "receipt", verdict: r.status });
    if (r.status === "rejected") metrics.rejections.inc({ kind: "receipt", reason: r.code! });
  }
  return out;
}
