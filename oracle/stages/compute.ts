import type { EpochInputs } from "../../core/dataset.ts";
import type { Address, PrimaryType, Signed, Messages } from "../../core/eip712.ts";
import { hashTypedMessage } from "../../core/eip712.ts";
import { evaluateEpoch } from "../../core/fraud.ts";
import type { Override, ReceiptVerdict } from "../../core/fraud.ts";
import { recomputeEpoch } from "../../core/recompute-epoch.ts";
import type { RecomputeEpochReturnType } from "../../core/recompute-epoch.ts";
import type { VerifyResult } from "../../core/verify.ts";
import type { AggregatedEpoch, FlagOverride } from "../types.ts";

/**
 * Stage 2 — compute: core's `recomputeEpoch` (fraud verdicts, uptime, earnings and statements,
 * cumulative leaves, both roots, the dataset and its hash) — the very function every signer
 * and auditor runs on the published dataset. Pure: no I/O, no clock.
 *
 * The one thing added here: the admin's flag overrides (by node, session and reason code, as
 * the coordinator stores them) are resolved into core's per-receipt overrides, by a first pass
 * of core's fraud rules; the resolved overrides are part of the dataset, so a recomputation
 * needs no second pass.
 */
export type ComputeEpochParameters = { aggregated: AggregatedEpoch };

export type ComputedEpoch = RecomputeEpochReturnType & {
  /** The inputs as computed (overrides resolved): what the dataset holds. */
  inputs: EpochInputs;
  /** Σ leaves: the `cumulativeTotal` of the epoch root. */
  cumulativeTotal: bigint;
};

export function computeEpoch(parameters: ComputeEpochParameters): ComputedEpoch {
  const { aggregated } = parameters;
  const inputs: EpochInputs = {
    ...aggregated.inputs,
    overrides: resolveOverrides(aggregated.inputs, aggregated.flagOverrides),
  };
  const result = recomputeEpoch({ inputs });
  const cumulativeTotal = result.leaves.reduce((sum, l) => sum + l.amount, 0n);
  return { ...result, inputs: result.dataset.inputs, cumulativeTotal };
}

/** Turns flag overrides (node, session?, reason) into per-receipt overrides (core's `Override`). */
export function resolveOverrides(inputs: EpochInputs, flags: readonly FlagOverride[]): Override[] {
  if (flags.length === 0) return [];
  // Signatures were verified at ingest and are verified again by recomputeEpoch: this pass only
  // needs each receipt's reasons, so digests suffice.
  const { verdicts } = evaluateEpoch({
    domain: inputs.domain,
    epoch: inputs.epoch,
    epochStart: inputs.epochStart,
    epochEnd: inputs.epochEnd,
    coordinator: inputs.coordinator,
    receipts: inputs.receipts,
    grants: inputs.grants,
    registrations: inputs.registrations,
    heartbeats: inputs.heartbeats,
    checkpoints: inputs.checkpoints,
    rules: inputs.rules,
    verified: {
      receipts: digests(inputs, "Receipt", inputs.receipts, (m) => m.viewer),
      grants: digests(inputs, "SessionGrant", inputs.grants, () => inputs.coordinator),
      registrations: digests(inputs, "SupporterRegistration", inputs.registrations, (m) => m.node),
      heartbeats: digests(inputs, "Heartbeat", inputs.heartbeats, (m) => m.node),
    },
  });
  return matchFlags(inputs, verdicts, flags);
}

function matchFlags(
  inputs: EpochInputs,
  verdicts: readonly ReceiptVerdict[],
  flags: readonly FlagOverride[],
): Override[] {
  const out: Override[] = [];
  for (const v of verdicts) {
    if (v.id === null || v.status === "rejected" || v.status === "duplicate") continue;
    const r = inputs.receipts[v.index]!.message;
    for (const o of flags) {
      if (o.node.toLowerCase() !== r.supporter.toLowerCase()) continue;
      if (o.sessionId !== null && o.sessionId.toLowerCase() !== r.sessionId.toLowerCase()) continue;
      if (!(v.reasons as string[]).includes(o.reasonCode)) continue;
      out.push({ receiptId: v.id, action: o.decision === "include" ? "accept" : "reject", by: o.by, note: o.note });
    }
  }
  return out;
}

function digests<T extends PrimaryType>(
  inputs: EpochInputs,
  primaryType: T,
  items: readonly Signed<Messages[T]>[],
  signerOf: (message: Messages[T]) => Address,
): VerifyResult[] {
  return items.map((item) => {
    try {
      return {
        valid: true,
        digest: hashTypedMessage(inputs.domain, primaryType, item.message),
        signer: signerOf(item.message).toLowerCase() as Address,
      };
    } catch {
      return { valid: false, digest: null, signer: null, error: "MALFORMED_MESSAGE" };
    }
  });
}
