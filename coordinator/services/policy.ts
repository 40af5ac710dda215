import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { Messages } from "../../core/eip712/messages.ts";
import type { Hex } from "../../core/hex.ts";
import { hashTypedMessageBytes } from "../../core/eip712/hash.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";
import { InvalidSignatureError, recoverDigestSigner } from "../../core/signature.ts";
import { ApiError } from "../../http/api-error.ts";

/**
 * The coordinator's policy key (`LEDGER_POLICY_PRIVATE_KEY`): signs the discretionary inputs an
 * admin records (budgets, rate cards, founder status, flag decisions) as EIP-712 messages; the
 * oracle's signers and every auditor check on-chain that the signer holds POLICY_ROLE
 * (core/policy.ts). Where the key lives elsewhere (a hardware wallet), the admin submits the
 * signature instead and it must recover to `address`.
 */
export type PolicyKey = {
  domain: RewardsDomain;
  /** The policy address signatures must recover to. */
  address: Address;
  /** Unset: only submitted signatures are accepted. */
  privateKey?: Hex | undefined;
};

export function policyKeyOf(domain: RewardsDomain, privateKey: Hex | undefined, address?: Address): PolicyKey {
  if (privateKey) return { domain, privateKey, address: privateKeyToAddress(privateKey) };
  if (address) return { domain, address: address.toLowerCase() as Address };
  throw new Error("a policy key needs a private key or an address");
}

const SIGNATURE_RE = /^0x[0-9a-fA-F]{130}$/;

/**
 * The signature of `message`: `submitted` when given (400 POLICY_SIGNATURE_INVALID unless it
 * recovers to the policy address), else made with the configured key (409
 * POLICY_KEY_NOT_CONFIGURED when this API holds none).
 */
export function policySignature<T extends "EpochBudget" | "FounderStatus" | "FlagDecision" | "RateCardApproval">(
  key: PolicyKey,
  primaryType: T,
  message: Messages[T],
  submitted?: string,
): { signature: Hex; signer: Address } {
  if (submitted !== undefined) {
    if (!SIGNATURE_RE.test(submitted))
      throw new ApiError(400, "POLICY_SIGNATURE_INVALID", "policySignature must be 65 bytes of 0x hex (r ‖ s ‖ v).");
    let signer: Address;
    try {
      signer = recoverDigestSigner(hashTypedMessageBytes(key.domain, primaryType, message), submitted);
    } catch (err) {
      if (!(err instanceof InvalidSignatureError)) throw err;
      throw new ApiError(400, "POLICY_SIGNATURE_INVALID", `policySignature is not a valid signature (${err.code}).`);
    }
    if (signer !== key.address)
      throw new ApiError(
        400,
        "POLICY_SIGNATURE_INVALID",
        `policySignature recovers to ${signer}, not the policy key ${key.address}: sign the ${primaryType} message with the policy key.`,
      );
    return { signature: submitted.toLowerCase() as Hex, signer };
  }
  if (!key.privateKey)
    throw new ApiError(
      409,
      "POLICY_KEY_NOT_CONFIGURED",
      `This API holds no policy key: sign the ${primaryType} message with the policy key and submit it as policySignature (with issuedAt).`,
    );
  return {
    signature: signTypedMessage({ domain: key.domain, primaryType, message, privateKey: key.privateKey }),
    signer: key.address,
  };
}
