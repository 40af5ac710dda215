/**
 * The part of the audit that needs no chain beyond the predecessor's record: a dataset parsed,
 * its signatures recovered, the epoch recomputed and every published output compared.
 */
import type { PolicySignature } from "../../../core/policy.ts";
import { type Address, type Hex, type PublicClient } from "viem";
import {
  acceptedWithInvalidSignature,
  describeOutputDifference,
  firstOutputDifference,
  stateFromOutputs,
  type ChainState,
} from "../../../core/chain-link.ts";
import { datasetHash as hashDataset } from "../../../core/dataset/serialize.ts";
import type { EpochDataset } from "../../../core/dataset/types.ts";
import { describeDecreasedLeaf, findDecreasedLeaf } from "../../../core/monotonic.ts";
import { auditEpochDataset, auditEpochDatasetWithPool, ZERO_ROOT } from "../../../core/recompute-epoch.ts";
import type { EpochVerifiedSignatures, RecomputePhase } from "../../../core/recompute-epoch.ts";
import { createLineVerifier, shareVerifiedStrings } from "../../../core/verify-lines.ts";
import { type VerifyPool } from "../../../core/verify-pool.ts";
import { buildTree } from "../../../core/tree.ts";
import { progress } from "../cli.ts";

import { eq, type Check } from "./checks.ts";
import { readChainEpoch, type ScanOptions } from "./chain-epoch.ts";
import { parseDatasetSource, type DatasetSource } from "./dataset-source.ts";

/**
 * The state epoch `epoch − 1` hands on, from its published dataset, checked against the chain:
 * the bytes are what that epoch's proposal committed (`datasetHash`) and its leaves are the
 * on-chain root. Pushes those two checks; `undefined` when either fails.
 */
export async function predecessorState(
  checks: Check[],
  o: {
    epoch: bigint;
    client: PublicClient;
    distributor: Address;
    dataset: DatasetSource;
    scan?: ScanOptions;
    quiet?: boolean | undefined;
  },
): Promise<ChainState | undefined> {
  const previous = o.epoch - 1n;
  const chain = await readChainEpoch(o.client, o.distributor, previous, o.scan);
  const { dataset, datasetHash: hash } = parseDatasetSource(
    o.dataset,
    `parse epoch ${previous}'s dataset`,
    undefined,
    o.quiet,
  );
  const hashCheck = eq(
    `epoch ${previous}'s dataset is the one it committed on-chain`,
    chain.proposal?.datasetHash ?? "no proposal",
    hash,
  );
  checks.push(hashCheck);
  const leaves = dataset.outputs.leaves;
  const root = leaves.length > 0 ? buildTree({ entries: leaves }).root : ZERO_ROOT;
  const rootCheck = eq(`epoch ${previous}'s leaves are its on-chain root`, chain.record.root, root);
  checks.push(rootCheck);
  return hashCheck.ok && rootCheck.ok
    ? stateFromOutputs(previous, dataset.outputs, { datasetHash: hash, root: chain.record.root })
    : undefined;
}

/** What `verifyDatasetOffline` found: its checks, the parsed dataset and what recomputes from it. */
export type OfflineVerification = {
  checks: Check[];
  dataset: EpochDataset;
  /** keccak256 of the bytes read. */
  datasetHash: Hex;
  recomputed: {
    root: Hex;
    receiptsRoot: Hex;
    rateCardHash: Hex;
    cumulativeTotal: bigint;
    /** Every policy input's recovered signer: `verifyEpoch` checks each holds POLICY_ROLE on-chain. */
    policySignatures: PolicySignature[];
  };
};

/** The steps of `verifyDatasetOffline`, as each ends (a bench times them). */
export type OfflinePhase = "parse" | RecomputePhase | "compare";

/**
 * The part of `verify-epoch` that needs no chain: parses the dataset in chunks (hashing the
 * bytes), recovers every signature (on `pool`: all cores; else this thread), re-runs the fraud
 * rules, earnings and both trees, and compares every published output with the recomputation,
 * checks that no cumulative amount decreased, that no receipt with an invalid signature was
 * counted, and that the bytes are the canonical serialization. `npm run bench -- audit` runs
 * exactly this.
 */
export async function verifyDatasetOffline(o: {
  dataset: DatasetSource;
  pool?: VerifyPool | undefined;
  onPhase?: ((phase: OfflinePhase) => void) | undefined;
  /** No progress lines on stderr (the watchtower, a daemon). */
  quiet?: boolean | undefined;
}): Promise<OfflineVerification> {
  const checks: Check[] = [];
  // with a pool, signatures are recovered on every core while this thread parses
  const lines = o.pool ? createLineVerifier({ size: o.pool.size }) : undefined;
  let parsed: ReturnType<typeof parseDatasetSource>;
  let verified: EpochVerifiedSignatures | undefined;
  try {
    parsed = parseDatasetSource(
      o.dataset,
      "parse dataset (and recover signatures)",
      lines && ((c) => lines.push(c)),
      o.quiet,
    );
    verified = await lines?.finish();
  } finally {
    await lines?.close();
  }
  const { dataset, datasetHash: publishedHash } = parsed;
  if (verified) shareVerifiedStrings(dataset.inputs, dataset.outputs, verified);
  o.onPhase?.("parse");

  const recomputing = progress("recompute (fraud rules, earnings, trees)", o.quiet);
  const audit = o.pool
    ? await auditEpochDatasetWithPool(dataset, o.pool, { onPhase: o.onPhase, verified })
    : auditEpochDataset(dataset);
  recomputing.done();
  const r = audit.recomputed;
  const difference = audit.ok ? null : firstOutputDifference(r, dataset.outputs);
  checks.push({
    name: "published outputs recompute",
    ok: audit.ok,
    ...(audit.ok
      ? {}
      : {
          note: `differs in: ${audit.mismatches.join(", ")}${difference ? `; first: ${describeOutputDifference(difference)}` : ""}`,
        }),
  });
  const decreased = findDecreasedLeaf(dataset.inputs.previousLeaves, dataset.outputs.leaves);
  checks.push({
    name: "no cumulative amount decreased",
    ok: decreased === null,
    ...(decreased ? { note: describeDecreasedLeaf(decreased) } : {}),
  });
  const invalid = r.verdicts.filter((v) => v.reasons.includes("INVALID_SIGNATURE")).length;
  const accepted = acceptedWithInvalidSignature(r, dataset.outputs);
  if (accepted.length > 0)
    checks.push({
      name: "receipt signatures",
      ok: false,
      note: `${accepted.length} receipt(s) with an invalid signature published as counted, first ${accepted[0]!.id ?? `#${accepted[0]!.index}`}`,
    });
  else if (invalid > 0)
    checks.push({ name: "receipt signatures", ok: true, note: `${invalid} invalid, rejected by the fraud rules` });

  // When every output recomputes, the recomputed dataset (canonical inputs, equal outputs) is
  // what the canonical serializer makes of these bytes, and its hash is already known: the
  // bytes are canonical exactly when the two hashes agree. Otherwise serialize the parsed one.
  const canonicalHash = audit.ok ? r.datasetHash : hashDataset(dataset);
  checks.push(eq("dataset is in canonical form", canonicalHash, publishedHash));
  o.onPhase?.("compare");
  return {
    checks,
    dataset,
    datasetHash: publishedHash,
    recomputed: {
      root: r.root,
      receiptsRoot: r.receiptsRoot,
      rateCardHash: r.rateCardHash,
      cumulativeTotal: r.leaves.reduce((s, l) => s + l.amount, 0n),
      policySignatures: r.policySignatures,
    },
  };
}
