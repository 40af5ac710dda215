/**
 * A `ClaimAuthorization` on the wire: the JSON `ledger claim --sign-only` prints and both
 * `ledger claim --with-sig` and the relayer (`POST /v1/claims`) read, checked field by field
 * into core's EIP-712 message (bigints from decimal strings, lower-case addresses).
 */
import type { Hex } from "./hex.ts";
import type { Address } from "./eip712/domain.ts";
import type { ClaimAuthorization } from "./eip712/epoch-root.ts";

/** `ClaimAuthorization.relayer` that lets any relayer submit the authorization. */
export const ANY_RELAYER: Address = "0x0000000000000000000000000000000000000000";

/** What `--sign-only` prints and `--with-sig` reads. */
export type AuthorizationJson = {
  account: Address;
  recipient: Address;
  /** The only relayer that may submit it; the zero address (the default) lets anyone. */
  relayer: Address;
  maxRelayerFee: string;
  nonce: string;
  deadline: string;
  chainId: number;
  distributor: Address;
  signature: Hex;
};

/** A parsed authorization: the wire fields (normalized) and core's message. */
export type ParsedAuthorization = AuthorizationJson & { message: ClaimAuthorization };

/** Reads the wire JSON's fields; `fail(sentence)` makes the error thrown for the first bad one. */
export function authorizationFromJson(
  j: Partial<Record<keyof AuthorizationJson, unknown>>,
  fail: (problem: string) => Error,
): ParsedAuthorization {
  const addr = (v: unknown, what: string) => {
    if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw fail(`${what} is not an address`);
    return v.toLowerCase() as Address;
  };
  const uint = (v: unknown, what: string) => {
    if (typeof v !== "string" || !/^\d{1,78}$/.test(v)) throw fail(`${what} is not a decimal integer`);
    return BigInt(v);
  };
  if (typeof j.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(j.signature))
    throw fail("signature is not 65 bytes of hex");
  if (typeof j.chainId !== "number" || !Number.isSafeInteger(j.chainId)) throw fail("chainId missing");
  const message: ClaimAuthorization = {
    account: addr(j.account, "account"),
    recipient: addr(j.recipient, "recipient"),
    relayer: j.relayer === undefined ? ANY_RELAYER : addr(j.relayer, "relayer"),
    maxRelayerFee: uint(j.maxRelayerFee, "maxRelayerFee"),
    nonce: uint(j.nonce, "nonce"),
    deadline: uint(j.deadline, "deadline"),
  };
  const distributor = addr(j.distributor, "distributor");
  return { ...authorizationToJson(message, j.chainId, distributor, j.signature as Hex), message };
}

/** The wire JSON of a signed authorization (bigints as decimal strings). */
export function authorizationToJson(
  message: ClaimAuthorization,
  chainId: number,
  distributor: Address,
  signature: Hex,
): AuthorizationJson {
  return {
    account: message.account,
    recipient: message.recipient,
    relayer: message.relayer,
    maxRelayerFee: message.maxRelayerFee.toString(),
    nonce: message.nonce.toString(),
    deadline: message.deadline.toString(),
    chainId,
    distributor,
    signature,
  };
}
