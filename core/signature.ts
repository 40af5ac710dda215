import { createRequire } from "node:module";
import { secp256k1 as nobleSecp256k1 } from "@noble/curves/secp256k1.js";
import { BaseError } from "./errors.ts";
import type { Address } from "./eip712/domain.ts";
import { keccakInPlace, keccakScratch } from "./keccak-wasm.ts";

/**
 * secp256k1 signatures of the ledger: strict parsing (65 bytes `r ‖ s ‖ v`, low s only,
 * v ∈ {27, 28} or {0, 1}) and signer recovery on the native `secp256k1` binding (libsecp256k1
 * through N-API prebuilds), with a pure-JS fallback on `@noble/curves` that gives identical
 * answers where the binding does not load.
 */

/** Which implementation recovers and signs: `native` (libsecp256k1) or `js` (@noble/curves). */
export type Secp256k1Backend = "native" | "js";

type NativeSecp256k1 = {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  privateKeyVerify(privateKey: Uint8Array): boolean;
};

function loadNative(): NativeSecp256k1 | undefined {
  try {
    // `secp256k1/bindings` is the N-API build only (the package's index silently falls back
    // to a slow `elliptic` implementation; we prefer our own fallback).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

/** The native binding, or `undefined` where it does not load. */
export const nativeSecp256k1: NativeSecp256k1 | undefined = loadNative();

/** `native` when the binding loaded, else `js`. */
export const defaultBackend: Secp256k1Backend = nativeSecp256k1 ? "native" : "js";

/** Why a signature was refused. */
export type SignatureErrorCode = "MALFORMED_SIGNATURE" | "HIGH_S" | "BAD_V" | "BAD_R_OR_S" | "UNRECOVERABLE";

export class InvalidSignatureError extends BaseError {
  override name = "InvalidSignatureError";
  readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, details?: string) {
    super(`Invalid signature (${code}).`, { details });
    this.code = code;
  }
}

/** secp256k1 group order n, and n / 2 (the low-s bound), big-endian. */
const N = Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex");
const HALF_N = Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex");
const ZERO32 = Buffer.alloc(32);

export type ParsedSignature = {
  /** `r ‖ s`, 64 bytes. */
  compact: Uint8Array;
  /** 0 or 1. */
  recoveryId: number;
};

/**
 * Parses a 65-byte hex signature strictly: rejects wrong length, r or s of 0 or ≥ n, high s
 * (s > n/2, the malleable twin of a valid signature), and v outside {0, 1, 27, 28}.
 *
 * @throws {InvalidSignatureError}
 * @example
 * const { compact, recoveryId } = parseSignature("0x…65 bytes…");
 */
export function parseSignature(signature: string): ParsedSignature {
  // Node's hex decoder stops at the first non-hex digit, so 65 decoded bytes from 132
  // characters means 130 valid hex digits.
  const bytes =
    typeof signature === "string" && signature.length === 132 && signature.startsWith("0x")
      ? Buffer.from(signature.slice(2), "hex")
      : undefined;
  if (!bytes || bytes.length !== 65)
    throw new InvalidSignatureError("MALFORMED_SIGNATURE", "expected 0x and 130 hex digits (r ‖ s ‖ v)");
  const r = bytes.subarray(0, 32);
  const s = bytes.subarray(32, 64);
  if (r.equals(ZERO32) || s.equals(ZERO32) || Buffer.compare(r, N) >= 0 || Buffer.compare(s, N) >= 0)
    throw new InvalidSignatureError("BAD_R_OR_S", "r and s must be in [1, n)");
  if (Buffer.compare(s, HALF_N) > 0) throw new InvalidSignatureError("HIGH_S", "s must be at most n/2 (EIP-2)");
  const v = bytes[64]!;
  const recoveryId = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
  if (recoveryId < 0) throw new InvalidSignatureError("BAD_V", `v must be 27, 28, 0 or 1, got ${v}`);
  return { compact: bytes.subarray(0, 64), recoveryId };
}

const scratchBuffer = Buffer.from(keccakScratch.buffer, keccakScratch.byteOffset, 32);

/** The Ethereum address of an uncompressed (65-byte) public key, lower-case hex. */
export function publicKeyToAddress(uncompressed: Uint8Array): Address {
  keccakScratch.set(uncompressed.subarray(1, 65), 0);
  keccakInPlace(64);
  return `0x${scratchBuffer.toString("hex", 12, 32)}`;
}

/**
 * Recovers the signer's address (lower-case) of a 32-byte digest.
 *
 * @param backend `native` (default where it loads) or `js`; both give identical answers.
 * @throws {InvalidSignatureError} for a malformed, malleable or unrecoverable signature.
 * @example
 * const signer = recoverDigestSigner(hashReceipt(domain, receipt), signature);
 */
export function recoverDigestSigner(
  digest: Uint8Array,
  signature: string,
  backend: Secp256k1Backend = defaultBackend,
): Address {
  const { compact, recoveryId } = parseSignature(signature);
  let publicKey: Uint8Array;
  try {
    if (backend === "native") {
      if (!nativeSecp256k1) throw new Error("the native secp256k1 binding is not available");
      publicKey = nativeSecp256k1.ecdsaRecover(compact, recoveryId, digest, false);
    } else {
      publicKey = nobleSecp256k1.Signature.fromBytes(compact, "compact")
        .addRecoveryBit(recoveryId)
        .recoverPublicKey(digest)
        .toBytes(false);
    }
  } catch (cause) {
    throw new InvalidSignatureError("UNRECOVERABLE", cause instanceof Error ? cause.message : String(cause));
  }
  return publicKeyToAddress(publicKey);
}
