/**
 * EIP-712 digests of the signed messages: takes a `RewardsDomain`, a primary type and its
 * message and hands on `hashStruct`, the domain separator and the digest the signer signs.
 *
 * Every message type has only fixed-size fields, so its `hashStruct` is one keccak over
 * `32 × (fields + 1)` bytes laid out in place, with the type hash precomputed: no generic
 * encoder runs on the hot path.
 */
import { BaseError } from "../errors.ts";
import type { Hex } from "../hex.ts";
import { keccak256Bytes, keccak256Utf8 } from "../keccak.ts";
import { keccakInPlace, keccakScratch } from "../keccak-wasm.ts";
import { DOMAIN_NAME, DOMAIN_VERSION, type RewardsDomain } from "./domain.ts";
import type { ClaimAuthorization, EpochRoot } from "./epoch-root.ts";
import { FIELDS, TYPE_HASH_BYTES, type Field, type Messages, type PrimaryType } from "./messages.ts";
import type { Heartbeat, Receipt } from "./receipts.ts";
import type { SessionGrant, SupporterRegistration } from "./sessions.ts";

const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export class InvalidMessageError extends BaseError {
  override name = "InvalidMessageError";
  readonly primaryType: string;
  readonly field: string;
  constructor(primaryType: string, field: string, reason: string) {
    super(`Invalid ${primaryType}.${field}: ${reason}.`);
    this.primaryType = primaryType;
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixed-layout encoding
// ---------------------------------------------------------------------------------------------

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;
const MASK64 = (1n << 64n) - 1n;

// Messages are laid out directly in the keccak module's scratch memory (core/keccak-wasm.ts):
// encoding and hashing are synchronous, so nothing else can touch it in between (also in a
// worker, which has its own instance).
const scratch = Buffer.from(keccakScratch.buffer, keccakScratch.byteOffset, 32 * 8);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);

/** Longest string field accepted (UTF-16 code units): a note or reason, never a document. */
export const MAX_STRING_FIELD_LENGTH = 1_000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function writeField(primaryType: string, field: Field, value: unknown, offset: number): void {
  switch (field.type) {
    case "bool":
      if (typeof value !== "boolean") throw new InvalidMessageError(primaryType, field.name, "expected a boolean");
      scratch.fill(0, offset, offset + 32);
      scratch[offset + 31] = value ? 1 : 0;
      return;
    case "string":
      // hashed before the layout began (see encodeStructInScratch): here only copied
      scratch.set(value as Uint8Array, offset);
      return;
    case "bytes32":
      // Node's hex decoder stops at the first non-hex digit: 32 bytes written from 66
      // characters means 64 valid hex digits.
      if (
        typeof value !== "string" ||
        value.length !== 66 ||
        !value.startsWith("0x") ||
        scratch.write(value.slice(2), offset, 32, "hex") !== 32
      )
        throw new InvalidMessageError(primaryType, field.name, "expected 0x and 64 hex digits");
      return;
    case "address":
      if (
        typeof value !== "string" ||
        value.length !== 42 ||
        !value.startsWith("0x") ||
        scratch.write(value.slice(2), offset + 12, 20, "hex") !== 20
      )
        throw new InvalidMessageError(primaryType, field.name, "expected 0x and 40 hex digits");
      scratch.fill(0, offset, offset + 12);
      return;
    case "uint64":
      if (typeof value !== "bigint" || value < 0n || value > MAX_UINT64)
        throw new InvalidMessageError(primaryType, field.name, "expected a bigint in [0, 2^64)");
      scratch.fill(0, offset, offset + 24);
      scratchView.setBigUint64(offset + 24, value);
      return;
    case "uint256":
      if (typeof value !== "bigint" || value < 0n || value > MAX_UINT256)
        throw new InvalidMessageError(primaryType, field.name, "expected a bigint in [0, 2^256)");
      if (value <= MAX_UINT64) {
        // the common case (bytes, µUSD): one word, no bigint shifts
        scratch.fill(0, offset, offset + 24);
        scratchView.setBigUint64(offset + 24, value);
        return;
      }
      scratchView.setBigUint64(offset, value >> 192n);
      scratchView.setBigUint64(offset + 8, (value >> 128n) & MASK64);
      scratchView.setBigUint64(offset + 16, (value >> 64n) & MASK64);
      scratchView.setBigUint64(offset + 24, value & MASK64);
      return;
  }
}

/**
 * EIP-712 `hashStruct(message)` for a primary type, as bytes.
 *
 * @throws {InvalidMessageError} when a field is missing, of the wrong type or out of range.
 */
export function hashStruct<T extends PrimaryType>(primaryType: T, message: Messages[T]): Uint8Array {
  encodeStructInScratch(primaryType, message);
  return keccakScratch.slice(0, 32);
}

/** Lays out `typeHash ‖ fields` in the scratch and hashes it in place: the struct hash is at scratch[0, 32). */
function encodeStructInScratch<T extends PrimaryType>(primaryType: T, message: Messages[T]): void {
  const fields = FIELDS[primaryType];
  if (fields === undefined) throw new InvalidMessageError(String(primaryType), "-", "unknown primary type");
  if (message === null || typeof message !== "object") throw new InvalidMessageError(primaryType, "-", "not an object");
  const record = message as unknown as Record<string, unknown>;
  // Strings are hashed first (keccak256 of their UTF-8): that hashing must not run while the
  // struct is being laid out in the shared scratch.
  let strings: Map<string, Uint8Array> | undefined;
  for (const f of fields)
    if (f.type === "string") {
      const v = record[f.name];
      if (typeof v !== "string" || v.length > MAX_STRING_FIELD_LENGTH || v.includes("\u0000") || LONE_SURROGATE.test(v))
        throw new InvalidMessageError(
          primaryType,
          f.name,
          `expected text of at most ${MAX_STRING_FIELD_LENGTH} characters, without NUL or lone surrogates`,
        );
      (strings ??= new Map()).set(f.name, keccak256Utf8(v));
    }
  // Write the fields first, the type hash last: a throw leaves nothing half-hashed.
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    writeField(primaryType, f, f.type === "string" ? strings!.get(f.name) : record[f.name], 32 * (i + 1));
  }
  scratch.set(TYPE_HASH_BYTES[primaryType], 0);
  keccakInPlace(32 * (fields.length + 1));
}

const domainCache = new Map<string, Uint8Array>();

/**
 * The domain separator `hashStruct(EIP712Domain)` for a deployment, as bytes (cached).
 *
 * @example
 * hashDomain({ chainId: 8453, verifyingContract: "0x…" });
 */
export function hashDomain(domain: RewardsDomain): Uint8Array {
  const key = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}`;
  const cached = domainCache.get(key);
  if (cached) return cached;
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId < 0)
    throw new InvalidMessageError("EIP712Domain", "chainId", "expected a non-negative safe integer");
  if (!HEX_ADDRESS.test(domain.verifyingContract))
    throw new InvalidMessageError("EIP712Domain", "verifyingContract", "expected 0x and 40 hex digits");
  const buf = Buffer.alloc(32 * 5);
  buf.set(keccak256Utf8(DOMAIN_TYPE), 0);
  buf.set(keccak256Utf8(DOMAIN_NAME), 32);
  buf.set(keccak256Utf8(DOMAIN_VERSION), 64);
  new DataView(buf.buffer, buf.byteOffset).setBigUint64(96 + 24, BigInt(domain.chainId));
  buf.write(domain.verifyingContract.slice(2), 128 + 12, 20, "hex");
  const separator = keccak256Bytes(buf);
  if (domainCache.size > 64) domainCache.clear();
  domainCache.set(key, separator);
  return separator;
}

/** Computes the digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message))` into scratch[0, 32). */
function digestInScratch<T extends PrimaryType>(domain: RewardsDomain, primaryType: T, message: Messages[T]): void {
  const separator = hashDomain(domain);
  encodeStructInScratch(primaryType, message);
  scratch.copyWithin(34, 0, 32);
  scratch[0] = 0x19;
  scratch[1] = 0x01;
  scratch.set(separator, 2);
  keccakInPlace(66);
}

/**
 * The EIP-712 digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message))` as bytes —
 * what the signer signs; equal to viem's `hashTypedData` and ethers' `TypedDataEncoder.hash`.
 *
 * @example
 * const digest = hashTypedMessageBytes(domain, "Receipt", receipt);
 */
export function hashTypedMessageBytes<T extends PrimaryType>(
  domain: RewardsDomain,
  primaryType: T,
  message: Messages[T],
): Uint8Array {
  digestInScratch(domain, primaryType, message);
  return keccakScratch.slice(0, 32);
}

const digestHexView = Buffer.from(keccakScratch.buffer, keccakScratch.byteOffset, 32);

/** {@link hashTypedMessageBytes} as hex (encoded straight from the hash scratch: no copy). */
export function hashTypedMessage<T extends PrimaryType>(
  domain: RewardsDomain,
  primaryType: T,
  message: Messages[T],
): Hex {
  digestInScratch(domain, primaryType, message);
  return `0x${digestHexView.toString("hex")}`;
}

/** Digest of a `SessionGrant` (hex). */
export const hashSessionGrant = (domain: RewardsDomain, message: SessionGrant): Hex =>
  hashTypedMessage(domain, "SessionGrant", message);
/** Digest of a `Receipt` (hex): also the receipt's id in verdicts and the receipts tree. */
export const hashReceipt = (domain: RewardsDomain, message: Receipt): Hex =>
  hashTypedMessage(domain, "Receipt", message);
/** Digest of a `Heartbeat` (hex). */
export const hashHeartbeat = (domain: RewardsDomain, message: Heartbeat): Hex =>
  hashTypedMessage(domain, "Heartbeat", message);
/** Digest of a `SupporterRegistration` (hex). */
export const hashSupporterRegistration = (domain: RewardsDomain, message: SupporterRegistration): Hex =>
  hashTypedMessage(domain, "SupporterRegistration", message);
/** Digest of an `EpochRoot` (hex), as `RewardsDistributor` computes it. */
export const hashEpochRoot = (domain: RewardsDomain, message: EpochRoot): Hex =>
  hashTypedMessage(domain, "EpochRoot", message);
/** Digest of a `ClaimAuthorization` (hex), as `RewardsDistributor` computes it. */
export const hashClaimAuthorization = (domain: RewardsDomain, message: ClaimAuthorization): Hex =>
  hashTypedMessage(domain, "ClaimAuthorization", message);
