import type { Address } from "../../core/eip712/domain.ts";
import type { EpochRoot } from "../../core/eip712/epoch-root.ts";
import type { Hex } from "../../core/hex.ts";
import { domainOf } from "../../chain/client.ts";
import { isAuthorizedSigner, readThreshold } from "../chain-reads.ts";
import { epochRootOf, moved, wait } from "../context.ts";
import type { OracleContext, StepResult } from "../context.ts";
import { crashPoint } from "../crash.ts";
import { SignerRefusedError } from "../errors.ts";
import { assertPolicyRoles, policyRoleReader } from "../policy-roles.ts";
import * as epochs from "../repositories/epochs.ts";
import type { EpochRow } from "../repositories/epochs.ts";
import { readSignatures, saveSignature } from "../repositories/signatures.ts";
import { checkEpoch } from "../signer.ts";
import { epochRootSigner, signEpochRoot } from "../stages/sign.ts";
import { datasetOf } from "./dataset.ts";

/**
 * COMPUTED → SIGNED: takes a computed epoch row, signs its root with the local signer keys (after
 * one check of its dataset), counts the stored signatures that recover to distinct authorized
 * signers, and at the contract's threshold records it SIGNED.
 */

/** The stored signatures of the current attempt that recover to distinct authorized signers. */
export async function validSignatures(
  ctx: OracleContext,
  row: EpochRow,
  epochRoot: EpochRoot,
): Promise<Map<Address, Hex>> {
  const domain = domainOf(ctx.config.chainId, ctx.config.distributor);
  const valid = new Map<Address, Hex>();
  for (const s of await readSignatures(ctx.db, row.epoch, row.attempt)) {
    if (s.root !== epochRoot.root || s.datasetHash !== epochRoot.datasetHash) continue;
    const signer = epochRootSigner(domain, epochRoot, s.signature);
    if (signer === null || signer !== s.signer || valid.has(signer)) continue;
    if (!(await isAuthorizedSigner(ctx.chain, signer))) continue;
    valid.set(signer, s.signature);
  }
  return valid;
}

export async function sign(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const signStarted = performance.now();
  const epochRoot = epochRootOf(row);
  const domain = domainOf(ctx.config.chainId, ctx.config.distributor);
  const threshold = await readThreshold(ctx.chain);
  let valid = await validSignatures(ctx, row, epochRoot);
  if (ctx.config.signerKeys.length > 0 && BigInt(valid.size) < threshold) {
    // Local signer keys (same process and database as the leader, so not independent signers):
    // one check serves every local key — the written bytes re-parsed, their hash checked and
    // every output recomputed, trusting the signatures the coordinator verified at ingest (the
    // independent `ledger oracle sign` recovers every one). A refusal throws (fatal: the
    // leader's own result does not recompute).
    const dataset = await datasetOf(ctx, row, epochRoot);
    const check = checkEpoch({ dataset, expected: epochRoot, domain, signatures: "trusted" });
    if (!check.ok) throw new SignerRefusedError(epochRoot.epoch, check.report);
    await assertPolicyRoles(epochRoot.epoch, check.policySignatures, policyRoleReader(ctx.chain));
    let first = true;
    for (const privateKey of ctx.config.signerKeys) {
      const { signer, signature } = signEpochRoot({ domain, epochRoot, privateKey });
      if (valid.has(signer)) continue;
      await saveSignature(ctx.db, {
        epoch: row.epoch,
        attempt: row.attempt,
        signer,
        root: epochRoot.root,
        datasetHash: epochRoot.datasetHash,
        signature,
      });
      if (first) crashPoint("sign:after-first-signature");
      first = false;
    }
    valid = await validSignatures(ctx, row, epochRoot);
  }
  if (BigInt(valid.size) < threshold)
    return wait(
      row,
      `${valid.size} of ${threshold} signatures from authorized signers; waiting for \`ledger oracle sign --epoch ${row.epoch}\``,
    );
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["COMPUTED"], "SIGNED");
    if (ok) await epochs.recordSigned(tx, row.epoch);
    crashPoint("sign:before-commit");
    return ok;
  });
  ctx.onStage?.("sign", performance.now() - signStarted, row.epoch);
  if (!done) return wait(row, "signed by another process");
  ctx.log.info(
    { epoch: row.epoch.toString(), signatures: valid.size, threshold: threshold.toString() },
    "epoch signed",
  );
  return moved(row, "SIGNED");
}
