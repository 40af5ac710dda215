import type { Address } from "../core/eip712/domain.ts";
import { POLICY_ROLE, type PolicySignature } from "../core/policy.ts";
import { distributorAbi } from "../chain/abi.ts";
import { rpc } from "../chain/client.ts";
import { type OracleChain } from "./chain.ts";
import { SignerRefusedError } from "./errors.ts";

/**
 * The on-chain half of the policy check (core/policy.ts recovers the signers): every signer of an
 * epoch's discretionary inputs must hold the distributor's POLICY_ROLE — a role only the
 * distributor's admin (the timelock, in production) grants. A signer refuses an epoch otherwise.
 */

/** `hasRole(POLICY_ROLE, signer)` on the distributor, at the latest block. */
export function policyRoleReader(chain: OracleChain): (signer: Address) => Promise<boolean> {
  return (signer) =>
    rpc<boolean>("hasRole(POLICY_ROLE)", () =>
      chain.publicClient.readContract({
        address: chain.distributor,
        abi: distributorAbi(),
        functionName: "hasRole",
        args: [POLICY_ROLE, signer],
      }),
    );
}

/**
 * Throws `SignerRefusedError` naming the first input whose signer lacks POLICY_ROLE.
 *
 * @param epoch the chain epoch being signed (for the message)
 */
export async function assertPolicyRoles(
  epoch: bigint,
  signatures: readonly PolicySignature[],
  hasPolicyRole: (signer: Address) => Promise<boolean>,
): Promise<void> {
  const checked = new Map<string, boolean>();
  for (const s of signatures) {
    const signer = s.signer.toLowerCase() as Address;
    let has = checked.get(signer);
    if (has === undefined) checked.set(signer, (has = await hasPolicyRole(signer)));
    if (!has)
      throw new SignerRefusedError(
        epoch,
        `the ${s.section} (${s.key}) is signed by ${signer}, which does not hold POLICY_ROLE on the distributor`,
      );
  }
}
