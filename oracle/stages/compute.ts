import type { EpochInputs } from "../../core/dataset/types.ts";
import { recomputeEpochDataset } from "../../core/recompute-epoch.ts";
import type { RecomputeEpochDatasetReturnType } from "../../core/recompute-epoch.ts";
import type { AggregatedEpoch } from "../types.ts";

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
 * The policy inputs' signatures are recovered (a handful per epoch) and returned as
 * `policySignatures`; the sign stage checks on-chain that each signer holds POLICY_ROLE.
 */
export type ComputeEpochParameters = { aggregated: AggregatedEpoch };

export type ComputedEpoch = RecomputeEpochDatasetReturnType & {
  /** The inputs as computed: what the dataset holds. */
  inputs: EpochInputs;
  /** Σ leaves: the `cumulativeTotal` of the epoch root. */
  cumulativeTotal: bigint;
};

export function computeEpoch(parameters: ComputeEpochParameters): ComputedEpoch {
  const { aggregated } = parameters;
  const result = recomputeEpochDataset({ inputs: aggregated.inputs, signatures: "trusted", inputForm: "trusted" });
  const cumulativeTotal = result.leaves.reduce((sum, l) => sum + l.amount, 0n);
  return { ...result, inputs: result.dataset.inputs, cumulativeTotal };
}
