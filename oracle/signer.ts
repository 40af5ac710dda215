import type { Address, EpochRoot, Hex, RewardsDomain } from "../core/eip712.ts";
import { datasetHash, decodeDataset, statementLine } from "./dataset.ts";
import { SignerRefusedError } from "./errors.ts";
import { buildEpoch } from "./stages/build.ts";
import { computeEpoch } from "./stages/compute.ts";
import { signEpochRoot } from "./stages/sign.ts";

/**
 * An independent oracle signer: given the dataset the leader published and the `EpochRoot` it
 * asks to have signed, recompute the epoch from the dataset's inputs with core's functions and
 * sign only if everything matches — the dataset's hash, every statement, the leaves, both
 * roots and the cumulative total. Otherwise refuse, naming the first difference.
 *
 * The signer trusts nothing but the bytes and its own key: by default it verifies every
 * signature in the dataset again (`signatures: "verify"`).
 */

export type CheckEpochParameters = {
  dataset: Uint8Array;
  expected: EpochRoot;
  domain: RewardsDomain;
  signatures?: "verify" | "trust-ingest";
};

export type CheckEpochReturnType = { ok: true } | { ok: false; report: string };

export function checkEpoch(p: CheckEpochParameters): CheckEpochReturnType {
  const { expected } = p;
  const refuse = (report: string): CheckEpochReturnType => ({ ok: false, report });
  const actualHash = datasetHash(p.dataset);
  if (actualHash !== expected.datasetHash.toLowerCase())
    return refuse(`the dataset hashes to ${actualHash}, not the datasetHash ${expected.datasetHash} to sign`);
  let decoded;
  try {
    decoded = decodeDataset(p.dataset);
  } catch (err) {
    return refuse(`the dataset does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { inputs, recorded } = decoded;
  if (inputs.chainEpoch !== expected.epoch)
    return refuse(`the dataset is for chain epoch ${inputs.chainEpoch}, the root for ${expected.epoch}`);
  if (
    inputs.domain.chainId !== p.domain.chainId ||
    inputs.domain.verifyingContract.toLowerCase() !== p.domain.verifyingContract.toLowerCase()
  )
    return refuse(
      `the dataset names another deployment (chain ${inputs.domain.chainId}, ${inputs.domain.verifyingContract})`,
    );

  let computed;
  let built;
  try {
    computed = computeEpoch({ inputs, signatures: p.signatures ?? "verify" });
    built = buildEpoch(inputs, computed);
  } catch (err) {
    return refuse(`recomputation failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  // The first differing statement, field by field.
  const ours = computed.statements.map(statementLine);
  const n = Math.max(ours.length, recorded.statements.length);
  for (let i = 0; i < n; i++) {
    if (ours[i] === recorded.statements[i]) continue;
    return refuse(describeStatementDiff(i, recorded.statements[i], ours[i]));
  }
  if (recorded.verdicts.length !== computed.verdicts.length)
    return refuse(
      `the dataset records ${recorded.verdicts.length} verdicts, recomputation gives ${computed.verdicts.length}`,
    );
  const checks: [string, string, string][] = [
    ["root", built.root, expected.root],
    ["receiptsRoot", built.receiptsRoot, expected.receiptsRoot],
    ["rateCardHash", built.rateCardHash, expected.rateCardHash],
    ["cumulativeTotal", computed.cumulativeTotal.toString(), expected.cumulativeTotal.toString()],
    ["datasetHash (re-encoded)", built.datasetHash, expected.datasetHash],
  ];
  for (const [what, recomputed, asked] of checks)
    if (recomputed.toLowerCase() !== asked.toLowerCase())
      return refuse(`${what} differs: asked to sign ${asked}, recomputed ${recomputed}`);
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
