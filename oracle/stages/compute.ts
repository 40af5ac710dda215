import type { EpochInputs } from "../../core/dataset.ts";
import { evaluateEpoch } from "../../core/fraud.ts";
import type { Override, ReceiptVerdict } from "../../core/fraud.ts";
import { epochSignatures, recomputeEpochDataset } from "../../core/recompute-epoch.ts";
import type { RecomputeEpochDatasetReturnType } from "../../core/recompute-epoch.ts";
import type { AggregatedEpoch, FlagOverride } from "../types.ts";

/**
 * Stage 2 — compute: core's `recomputeEpoch` (fraud verdicts, uptime, earnings and statements,
 * cumulative leaves, both roots, the dataset and its hash) — the very function every signer
 * and auditor runs on the published dataset. Pure: no I/O, no clock.
 *
 * Signatures are trusted, not recovered again (core's `signatures: "trusted"`): every stored
 * receipt, grant, registration and heartbeat was verified by the coordinator at ingest, which
 * never stores a rejected one, and at 1M receipts recovery (~12–14k/s per core) alone would
 * exceed the epoch-close budget. Digests (receipt ids) are still computed, and fraud rules,
 * earnings and both trees run in full. The independent signer (`ledger oracle sign`,
 * oracle/signer.ts) recovers every signature of the published dataset before it signs.
 *
 * The dataset hash is not computed here: the build stage hashes the bytes as it writes them.
 *
 * The one thing added here: the admin's flag overrides (by node, session and reason code, as
 * the coordinator stores them) are resolved into core's per-receipt overrides, by a first pass
 * of core's fraud rules; the resolved overrides are part of the dataset, so a recomputation
 * needs no second pass.
 */
export type ComputeEpochParameters = { aggregated: AggregatedEpoch };

export type ComputedEpoch = RecomputeEpochDatasetReturnType & {
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
  const result = recomputeEpochDataset({ inputs, signatures: "trusted", inputForm: "trusted" });
  const cumulativeTotal = result.leaves.reduce((sum, l) => sum + l.amount, 0n);
  return { ...result, inputs: result.dataset.inputs, cumulativeTotal };
}

/** Turns flag overrides (node, session?, reason) into per-receipt overrides (core's `Override`). */
export function resolveOverrides(inputs: EpochInputs, flags: readonly FlagOverride[]): Override[] {
  if (flags.length === 0) return [];
  // Signatures were verified at ingest: this pass only needs each receipt's reasons.
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
    verified: epochSignatures(inputs, "trusted"),
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
