import type { Address, RewardsDomain } from "../core/eip712/domain.ts";
import type { EpochRoot } from "../core/eip712/epoch-root.ts";
import type { Hex } from "../core/hex.ts";
import { checkChainLink, describeChainLinkBreak, type ChainState } from "../core/chain-link.ts";
import { canonicalEqual, canonicalJson } from "../core/dataset/canonical-json.ts";
import { parseDatasetChunks } from "../core/dataset/parse.ts";
import type { EpochDataset } from "../core/dataset/types.ts";
import { describeDecreasedLeaf, findDecreasedLeaf } from "../core/monotonic.ts";
import { auditEpochDataset, auditEpochDatasetWithPool, auditEpochOutputs } from "../core/recompute-epoch.ts";
import type { AuditEpochOutputsReturnType, EpochSignatureMode } from "../core/recompute-epoch.ts";
import type { VerifyPool } from "../core/verify-pool.ts";
import type { PolicySignature } from "../core/policy.ts";
import { SignerRefusedError } from "./errors.ts";
import { assertPolicyRoles } from "./policy-roles.ts";
import { readDatasetChunks } from "../db/dataset-store.ts";
import { signEpochRoot } from "./stages/sign.ts";

/**
 * An independent oracle signer: given the dataset the leader published and the `EpochRoot` it
 * asks to have signed, recompute the epoch from the dataset's inputs with core's functions and
 * sign only if everything matches — the dataset's hash, every statement, the leaves, both
 * roots and the cumulative total. Otherwise refuse, naming the first difference.
 *
 * The independent signer (`ledger oracle sign --epoch N`: its own process and key,
 * `checkEpochWithPool`) trusts nothing but the bytes and its own key: every signature in the
 * dataset is recovered again, on core's verify pool across all cores.
 *
 * The local signer keys configured inside the leader process are not independent signers
 * (same process, same database): their check (`signatures: "trusted"`) re-parses the written
 * bytes, checks their hash and recomputes every output — verdicts, trees, statements, leaves,
 * totals — trusting the signatures the coordinator verified at ingest. At 1M receipts a full
 * recovery costs more than the whole epoch-close budget; the independent signers pay it.
 *
 * The dataset is read in chunks and hashed as it is parsed (never held whole). The chain
 * epoch is not in the dataset (it holds the coordinator's epoch number): the signer signs
 * `expected.epoch` and `expected.attempt` as given (the contract accepts only the epoch's
 * current attempt, so a signature is good for one proposal). A leaf below the account's
 * previous cumulative amount is refused, naming the account.
 */

export type CheckEpochParameters = {
  /** The dataset's bytes, or the path of the stored file (read in chunks). */
  dataset: Uint8Array | string;
  expected: EpochRoot;
  domain: RewardsDomain;
  /** Default `verify` (every signature recovered on this thread); see `EpochSignatureMode`. */
  signatures?: EpochSignatureMode;
  /**
   * What the epochs before handed on (oracle/predecessor.ts `carriedInState`): when given, previous
   * leaves and stream checkpoints the dataset carries in must be exactly these (core/chain-link.ts).
   */
  carriedIn?: ChainState | undefined;
};

/**
 * On success, every policy input's recovered signer: the caller checks on-chain that each holds
 * POLICY_ROLE (`assertPolicyRoles`, oracle/policy-roles.ts) before it signs.
 */
export type CheckEpochReturnType = { ok: true; policySignatures: PolicySignature[] } | { ok: false; report: string };

const refuse = (report: string): CheckEpochReturnType => ({ ok: false, report });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Parses and hash-checks the dataset; a refusal, or the parsed dataset. */
function load(p: CheckEpochParameters): CheckEpochReturnType | EpochDataset {
  const { expected } = p;
  let parsed: ReturnType<typeof parseDatasetChunks>;
  try {
    parsed = parseDatasetChunks(typeof p.dataset === "string" ? readDatasetChunks(p.dataset) : [p.dataset]);
  } catch (err) {
    return refuse(`the dataset does not parse: ${message(err)}`);
  }
  if (parsed.datasetHash !== expected.datasetHash.toLowerCase())
    return refuse(`the dataset hashes to ${parsed.datasetHash}, not the datasetHash ${expected.datasetHash} to sign`);
  const { inputs } = parsed.dataset;
  if (
    inputs.domain.chainId !== p.domain.chainId ||
    inputs.domain.verifyingContract.toLowerCase() !== p.domain.verifyingContract.toLowerCase()
  )
    return refuse(
      `the dataset names another deployment (chain ${inputs.domain.chainId}, ${inputs.domain.verifyingContract})`,
    );
  if (p.carriedIn) {
    const broken = checkChainLink(p.carriedIn, parsed.dataset.inputs);
    if (broken) return refuse(describeChainLinkBreak(expected.epoch, broken));
  }
  return parsed.dataset;
}

/** Compares the recomputation with the dataset and the root asked to be signed. */
function judge(
  dataset: EpochDataset,
  audit: AuditEpochOutputsReturnType & { recomputed: { datasetHash?: Hex } },
  expected: EpochRoot,
): CheckEpochReturnType {
  const recomputed = audit.recomputed;
  // The first differing statement, field by field.
  const ours = recomputed.statements;
  const theirs = dataset.outputs.statements;
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++)
    if (!canonicalEqual(ours[i], theirs[i]))
      return refuse(
        describeStatementDiff(
          i,
          theirs[i] === undefined ? undefined : canonicalJson(theirs[i]),
          ours[i] === undefined ? undefined : canonicalJson(ours[i]),
        ),
      );
  if (!audit.ok) return refuse(`the dataset's outputs do not recompute: ${audit.mismatches.join(", ")} differ`);
  // No account's cumulative amount goes down (the contract cannot check it: see core/monotonic.ts).
  const decreased =
    findDecreasedLeaf(dataset.inputs.previousLeaves, dataset.outputs.leaves) ??
    findDecreasedLeaf(dataset.inputs.previousLeaves, recomputed.leaves);
  if (decreased) return refuse(describeDecreasedLeaf(decreased));
  const cumulativeTotal = recomputed.leaves.reduce((sum, l) => sum + l.amount, 0n);
  const checks: [string, string, string][] = [
    ["root", recomputed.root, expected.root],
    ["receiptsRoot", recomputed.receiptsRoot, expected.receiptsRoot],
    ["rateCardHash", recomputed.rateCardHash, expected.rateCardHash],
    ["cumulativeTotal", cumulativeTotal.toString(), expected.cumulativeTotal.toString()],
  ];
  // the canonical form: the recomputation serializes to the very bytes signed (not re-checked
  // by the leader's local keys, whose process wrote the bytes with core's serializer)
  if (recomputed.datasetHash !== undefined)
    checks.push(["datasetHash (canonical form)", recomputed.datasetHash, expected.datasetHash]);
  for (const [what, again, asked] of checks)
    if (again.toLowerCase() !== asked.toLowerCase())
      return refuse(`${what} differs: asked to sign ${asked}, recomputed ${again}`);
  return { ok: true, policySignatures: recomputed.policySignatures };
}

/** The check on the calling thread (`signatures`: `verify` by default, `trusted` for the leader's local keys). */
export function checkEpoch(p: CheckEpochParameters): CheckEpochReturnType {
  const dataset = load(p);
  if ("ok" in dataset) return dataset;
  let audit: AuditEpochOutputsReturnType;
  try {
    audit =
      p.signatures === "trusted"
        ? auditEpochOutputs(dataset, { signatures: "trusted" })
        : auditEpochDataset(dataset, { signatures: p.signatures ?? "verify" });
  } catch (err) {
    return refuse(`recomputation failed: ${message(err)}`);
  }
  return judge(dataset, audit, p.expected);
}

export type CheckEpochWithPoolParameters = Omit<CheckEpochParameters, "signatures"> & { pool: VerifyPool };

/** The independent signer's full check: every signature recovered on the verify pool (all cores). */
export async function checkEpochWithPool(p: CheckEpochWithPoolParameters): Promise<CheckEpochReturnType> {
  const dataset = load(p);
  if ("ok" in dataset) return dataset;
  let audit: AuditEpochOutputsReturnType;
  try {
    audit = await auditEpochDatasetWithPool(dataset, p.pool);
  } catch (err) {
    return refuse(`recomputation failed: ${message(err)}`);
  }
  return judge(dataset, audit, p.expected);
}

function describeStatementDiff(index: number, recorded: string | undefined, recomputed: string | undefined): string {
  if (recorded === undefined) return `statement ${index} is missing from the dataset (recomputed: ${recomputed})`;
  if (recomputed === undefined) return `statement ${index} in the dataset has no recomputed counterpart: ${recorded}`;
  const a = JSON.parse(recorded) as Record<string, unknown>;
  const b = JSON.parse(recomputed) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
  return `first differing statement #${index} (account ${String(a.account ?? b.account)}): ${fields
    .map((f) => `${f} recorded ${JSON.stringify(a[f])}, recomputed ${JSON.stringify(b[f])}`)
    .join("; ")}`;
}

export type SignCheckedEpochParameters = CheckEpochParameters & {
  privateKey: Hex;
  pool?: VerifyPool;
  /** Whether an address holds POLICY_ROLE on the distributor (oracle/policy-roles.ts `policyRoleReader`). */
  hasPolicyRole: (signer: Address) => Promise<boolean>;
};

/**
 * Checks (on `pool` when given, else on this thread), then signs. Rejects with
 * `SignerRefusedError` (with the report) instead of signing anything that does not recompute.
 */
export async function signCheckedEpoch(p: SignCheckedEpochParameters): Promise<{ signer: Address; signature: Hex }> {
  const result = p.pool ? await checkEpochWithPool({ ...p, pool: p.pool }) : checkEpoch(p);
  if (!result.ok) throw new SignerRefusedError(p.expected.epoch, result.report);
  await assertPolicyRoles(p.expected.epoch, result.policySignatures, p.hasPolicyRole);
  return signEpochRoot({ domain: p.domain, epochRoot: p.expected, privateKey: p.privateKey });
}
