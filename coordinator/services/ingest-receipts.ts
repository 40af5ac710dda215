/**
 * Receipts through the ingest pipeline (./ingest.ts): a batch of raw receipt items in, one
 * `ItemResult` per item out. What is receipt-specific: the claimed domain (WRONG_DOMAIN), the
 * session grant and the supporter's registration at the receipt's epoch (core/admission.ts,
 * as the epoch close runs them), and the per-stream heads that decide monotonicity.
 */
import { isRegistrationEffective, selectGrant } from "../../core/admission.ts";
import type { Hex } from "../../core/hex.ts";
import type { Receipt } from "../../core/eip712/receipts.ts";
import { INGEST_REASONS, type IngestReason } from "../../core/verdict.ts";
import { parseReceiptItem } from "../../http/wire.ts";
import { grantsBySession } from "../repositories/grants.ts";
import { registeredFromEpochs } from "../repositories/nodes.ts";
import type { HeadDecision } from "../lib/receipt-heads.ts";
import { storeReceipts } from "../repositories/receipts.ts";
import { ingest, reject, type IngestContext, type IngestKind, type ItemResult } from "./ingest.ts";

type Found = [grants: Awaited<ReturnType<typeof grantsBySession>>, registeredFrom: Map<Hex, bigint>];

const receipts: IngestKind<"Receipt", Receipt, Found, HeadDecision> = {
  kind: "receipt",
  primaryType: "Receipt",
  timed: true,
  parse(raw, { coordinator }) {
    const parsed = parseReceiptItem(raw);
    if (!parsed.ok) return { ok: false, refusal: { code: "MALFORMED", detail: parsed.message } };
    const { receipt, signature, claimedDomain } = parsed.value;
    if (
      claimedDomain &&
      ((claimedDomain.chainId !== undefined && claimedDomain.chainId !== coordinator.domain.chainId) ||
        (claimedDomain.verifyingContract !== undefined &&
          claimedDomain.verifyingContract.toLowerCase() !== coordinator.domain.verifyingContract.toLowerCase()))
    )
      return {
        ok: false,
        refusal: {
          code: "WRONG_DOMAIN",
          detail: `this coordinator verifies chainId ${coordinator.domain.chainId}, contract ${coordinator.domain.verifyingContract}`,
        },
      };
    return { ok: true, signed: { message: receipt, signature } };
  },
  lookup: (db, candidates) =>
    Promise.all([
      grantsBySession(db, [...new Set(candidates.map((c) => c.signed.message.sessionId))]),
      registeredFromEpochs(db, [...new Set(candidates.map((c) => c.signed.message.supporter))]),
    ]),
  // Grants and registrations: core's rules (core/admission.ts), as the epoch close runs them.
  admit(c, [grants, registeredFrom]) {
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
    return code ? { code, detail } : undefined;
  },
  // The (session, supporter) heads locked, monotonicity decided, one multi-row INSERT.
  store: (tx, open) =>
    storeReceipts(
      tx,
      open.map((c) => ({
        epoch: c.epoch,
        sessionId: c.signed.message.sessionId,
        supporter: c.signed.message.supporter,
        viewer: c.signed.message.viewer,
        seq: c.signed.message.seq,
        cumulativeBytes: c.signed.message.cumulativeBytes,
        timestamp: c.signed.message.timestamp,
        signature: c.signed.signature,
      })),
    ),
  answer: (c, d): ItemResult =>
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
          },
  // One event per batch and epoch: the nodes whose counted bytes grew (the live accrual's trigger).
  committed({ coordinator }, stored, decisions) {
    const byEpoch = new Map<number, Set<Hex>>();
    stored.forEach((c, i) => {
      const d = decisions[i]!;
      if (d.verdict !== "accepted" || d.deltaBytes === 0n) return;
      let nodes = byEpoch.get(c.epoch);
      if (!nodes) byEpoch.set(c.epoch, (nodes = new Set()));
      nodes.add(c.signed.message.supporter.toLowerCase() as Hex);
    });
    for (const [epoch, nodes] of byEpoch) coordinator.bytesAccepted.emit({ epoch: BigInt(epoch), nodes: [...nodes] });
  },
};

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
export const ingestReceipts = (ctx: IngestContext, items: readonly unknown[]): Promise<ItemResult[]> =>
  ingest(ctx, receipts, items);
