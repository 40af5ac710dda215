import { secp256k1 as nobleSecp256k1 } from "@noble/curves/secp256k1.js";
import type { RewardsDomain, Address } from "./eip712/domain.ts";
import { hashTypedMessageBytes } from "./eip712/hash.ts";
import type { Messages, PrimaryType } from "./eip712/messages.ts";
import { type Hex } from "./hex.ts";
import { BaseError } from "./errors.ts";
import { defaultBackend, nativeSecp256k1, publicKeyToAddress, type Secp256k1Backend } from "./signature.ts";

/**
 * Signing for tests, simulators and the oracle's signers: deterministic RFC 6979 signatures,
 * low s, `v` = 27 + recovery id — byte-identical to viem's `signTypedData`.
 */

export class InvalidPrivateKeyError extends BaseError {
  override name = "InvalidPrivateKeyError";
  constructor() {
    super("Invalid private key.", { details: "expected 0x and 64 hex digits, in [1, n)" });
  }
}

function privateKeyBytes(privateKey: Hex): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new InvalidPrivateKeyError();
  const bytes = Buffer.from(privateKey.slice(2), "hex");
  if (!nobleSecp256k1.utils.isValidSecretKey(bytes)) throw new InvalidPrivateKeyError();
  return bytes;
}

/** The address (lower-case) of a private key. */
export function privateKeyToAddress(privateKey: Hex, backend: Secp256k1Backend = defaultBackend): Address {
  const key = privateKeyBytes(privateKey);
  const publicKey =
    backend === "native" && nativeSecp256k1
      ? nativeSecp256k1.publicKeyCreate(key, false)
      : nobleSecp256k1.getPublicKey(key, false);
  return publicKeyToAddress(publicKey);
}

/** Signs a 32-byte digest: `r ‖ s ‖ v` hex, low s, v ∈ {27, 28}. */
export function signDigest(digest: Uint8Array, privateKey: Hex, backend: Secp256k1Backend = defaultBackend): Hex {
  const key = privateKeyBytes(privateKey);
  const out = Buffer.alloc(65);
  if (backend === "native" && nativeSecp256k1) {
    const { signature, recid } = nativeSecp256k1.ecdsaSign(digest, key);
    out.set(signature, 0);
    out[64] = 27 + recid;
  } else {
    const recovered = nobleSecp256k1.sign(digest, key, { prehash: false, lowS: true, format: "recovered" });
    // noble's `recovered` format is `recid ‖ r ‖ s`.
    out.set(recovered.subarray(1, 65), 0);
    out[64] = 27 + recovered[0]!;
  }
  return `0x${out.toString("hex")}`;
}

export type SignTypedMessageParameters<T extends PrimaryType> = {
  domain: RewardsDomain;
  primaryType: T;
  message: Messages[T];
  privateKey: Hex;
  backend?: Secp256k1Backend;
};
export type SignTypedMessageReturnType = Hex;

/**
 * Signs a ledger message (EIP-712) with a private key.
 *
 * @example
 * const signature = signTypedMessage({ domain, primaryType: "Receipt", message: receipt, privateKey: viewerKey });
 */
export function signTypedMessage<T extends PrimaryType>(
  parameters: SignTypedMessageParameters<T>,
): SignTypedMessageReturnType {
  const { domain, primaryType, message, privateKey, backend } = parameters;
  return signDigest(hashTypedMessageBytes(domain, primaryType, message), privateKey, backend);
}
