import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { EpochRoot } from "../../core/eip712/epoch-root.ts";
import type { Hex } from "../../core/hex.ts";
import { hashTypedMessageBytes } from "../../core/eip712/hash.ts";
import { recoverDigestSigner } from "../../core/signature.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";

/**
 * Stage 4 — sign: one EIP-712 `EpochRoot` signature with one signer key (core's signing,
 * byte-identical to viem's `signTypedData`). Deciding *whether* to sign is the signer's job
 * (oracle/signer.ts recomputes the dataset first); this stage only signs.
 */
export type SignEpochRootParameters = { domain: RewardsDomain; epochRoot: EpochRoot; privateKey: Hex };
export type SignEpochRootReturnType = { signer: Address; signature: Hex };

export function signEpochRoot(p: SignEpochRootParameters): SignEpochRootReturnType {
  return {
    signer: privateKeyToAddress(p.privateKey),
    signature: signTypedMessage({
      domain: p.domain,
      primaryType: "EpochRoot",
      message: p.epochRoot,
      privateKey: p.privateKey,
    }),
  };
}

/** Who signed `epochRoot` (lower-case), or null when the signature is unusable. */
export function epochRootSigner(domain: RewardsDomain, epochRoot: EpochRoot, signature: Hex): Address | null {
  try {
    return recoverDigestSigner(hashTypedMessageBytes(domain, "EpochRoot", epochRoot), signature);
  } catch {
    return null;
  }
}
