import type { Address, EpochRoot, Hex, RewardsDomain } from "../core/eip712.ts";
import { canonicalJson, parseDataset } from "../core/dataset.ts";
import type { EpochDataset } from "../core/dataset.ts";
import { auditEpochDataset } from "../core/recompute-epoch.ts";
import type { AuditEpochDatasetReturnType } from "../core/recompute-epoch.ts";
import { SignerRefusedError } from "./errors.ts";
import { bytesHash } from "./stages/build.ts";
import { signEpochRoot } from "./stages/sign.ts";

/**
 * An independent oracle signer: given the dataset the leader published and the `EpochRoot` it
 * asks to have signed, recompute the epoch from the dataset's inputs with core's functions and
 * sign only if everything matches — the dataset's hash, every statement, the leaves, both
 * roots and the cumulative total. Otherwise refuse, naming the first difference.
 *
 * The signer trusts nothing but the bytes and its own key: core's `auditEpochDataset` verifies
 * every signature in the dataset again. The chain epoch is not in the dataset (it holds the
 * coordinator's epoch number): the signer signs `expected.epoch` as given.
 */

export type CheckEpochParameters = {
  dataset: Uint8Array;
  expected: EpochRoot;
  domain: RewardsDomain;
};

export type CheckEpochReturnType = { ok: true } | { ok: false; report: string };

export function checkEpoch(p: CheckEpochParameters): CheckEpochReturnType {
  const { expected } = p;
  const refuse = (report: string): CheckEpochReturnType => ({ ok: false, report });
  const actualHash = bytesHash(p.dataset);
  if (actualHash !== expected.datasetHash.toLowerCase())
    return refuse(`the dataset hashes to ${actualHash}, not the datasetHash ${expected.datasetHash} to sign`);
  let dataset: EpochDataset;
  try {
    dataset = parseDataset(new TextDecoder().decode(p.dataset).split("\n"));
  } catch (err) {
    return refuse(`the dataset does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { inputs } = dataset;
  if (
    inputs.domain.chainId !== p.domain.chainId ||
    inputs.domain.verifyingContract.toLowerCase() !== p.domain.verifyingContract.toLowerCase()
  )
    return refuse(
      `the dataset names another deployment (chain ${inputs.domain.chainId}, ${inputs.domain.verifyingContract})`,
    );

  let audit: AuditEpochDatasetReturnType;
  try {
    audit = auditEpochDataset(dataset); // core's recomputation, every signature verified again
  } catch (err) {
    return refuse(`recomputation failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const recomputed = audit.recomputed;
  // The first differing statement, field by field.
  const ours = recomputed.statements.map((s) => canonicalJson(s));
  const theirs = dataset.outputs.statements.map((s) => canonicalJson(s));
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++)
    if (ours[i] !== theirs[i]) return refuse(describeStatementDiff(i, theirs[i], ours[i]));
  if (!audit.ok) return refuse(`the dataset's outputs do not recompute: ${audit.mismatches.join(", ")} differ`);
  const cumulativeTotal = recomputed.leaves.reduce((sum, l) => sum + l.amount, 0n);
  const checks: [string, string, string][] = [
    ["root", recomputed.root, expected.root],
    ["receiptsRoot", recomputed.receiptsRoot, expected.receiptsRoot],
    ["rateCardHash", recomputed.rateCardHash, expected.rateCardHash],
    ["cumulativeTotal", cumulativeTotal.toString(), expected.cumulativeTotal.toString()],
    ["datasetHash (canonical form)", recomputed.datasetHash, expected.datasetHash],
  ];
  for (const [what, again, asked] of checks)
    if (again.toLowerCase() !== asked.toLowerCase())
      return refuse(`${what} differs: asked to sign ${asked}, recomputed ${again}`);
  return { ok: true };
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

export type SignCheckedEpochParameters = CheckEpochParameters & { privateKey: Hex };

/**
 * Checks, then signs. Throws `SignerRefusedError` (with the report) instead of signing
 * anything that does not recompute.
 */
export function signCheckedEpoch(p: SignCheckedEpochParameters): { signer: Address; signature: Hex } {
  const result = checkEpoch(p);
  if (!result.ok) throw new SignerRefusedError(p.expected.epoch, result.report);
  return signEpochRoot({ domain: p.domain, epochRoot: p.expected, privateKey: p.privateKey });
}
