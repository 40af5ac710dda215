import type { Address, RewardsDomain, Signed } from "./eip712/domain.ts";
import { InvalidMessageError, hashTypedMessage, hashTypedMessageBytes } from "./eip712/hash.ts";
import type { Messages, PrimaryType } from "./eip712/messages.ts";
import type { Receipt } from "./eip712/receipts.ts";
import { type Hex, bytesToHex } from "./hex.ts";
import { InvalidSignatureError, type Secp256k1Backend, defaultBackend, recoverDigestSigner } from "./signature.ts";

/**
 * Batch verification of signed ledger messages, synchronous, on the calling thread. For all
 * cores use `createVerifyPool` (core/verify-pool.ts), which runs this same function in workers.
 */

/** Why an item failed: a malformed message, a refused signature, or a valid one by someone else. */
export type VerifyErrorCode =
  "MALFORMED_MESSAGE" | "MALFORMED_SIGNATURE" | "HIGH_S" | "BAD_V" | "BAD_R_OR_S" | "UNRECOVERABLE" | "WRONG_SIGNER";

export type VerifyResult = {
  /** `true` when the signature is valid and by the expected signer. */
  valid: boolean;
  /** The message's EIP-712 digest (its id), or `null` when the message is malformed. */
  digest: Hex | null;
  /** The recovered signer (lower-case), or `null` when none could be recovered. */
  signer: Address | null;
  error?: VerifyErrorCode;
};

/**
 * Who must have signed a message of each type: the field named here, or — for `SessionGrant`
 * (the coordinator), `EpochRoot` (any oracle signer) and the policy messages (a POLICY_ROLE
 * holder, core/policy.ts) — the `expectedSigner` parameter.
 */
export const SIGNER_FIELD = {
  SessionGrant: undefined,
  Receipt: "viewer",
  Heartbeat: "node",
  SupporterRegistration: "node",
  EpochRoot: undefined,
  ClaimAuthorization: "account",
  RateCardApproval: undefined,
  FounderStatus: undefined,
  FlagDecision: undefined,
  EpochBudget: undefined,
} as const satisfies Record<PrimaryType, string | undefined>;

export type VerifyTypedMessagesParameters<T extends PrimaryType> = {
  domain: RewardsDomain;
  primaryType: T;
  items: readonly Signed<Messages[T]>[];
  /**
   * The signer every item must have. Defaults to the message's own signer field
   * (`SIGNER_FIELD`); required for `SessionGrant` (the coordinator). For `EpochRoot` without
   * it, any recoverable signature is `valid` and the caller checks `signer` against its set.
   */
  expectedSigner?: Address | undefined;
  backend?: Secp256k1Backend | undefined;
};
export type VerifyTypedMessagesReturnType = VerifyResult[];

/**
 * Verifies a batch of signed messages of one type: one result per item, in order; never
 * throws for a bad item.
 *
 * @example
 * const results = verifyTypedMessages({ domain, primaryType: "Heartbeat", items: heartbeats });
 * results.filter((r) => !r.valid).map((r) => r.error);
 */
export function verifyTypedMessages<T extends PrimaryType>(
  parameters: VerifyTypedMessagesParameters<T>,
): VerifyTypedMessagesReturnType {
  const { domain, primaryType, items, backend = defaultBackend } = parameters;
  const expected = parameters.expectedSigner?.toLowerCase();
  const field: string | undefined = SIGNER_FIELD[primaryType];
  if (primaryType === "SessionGrant" && expected === undefined)
    throw new InvalidMessageError("SessionGrant", "-", "expectedSigner (the coordinator address) is required");
  const results: VerifyResult[] = new Array<VerifyResult>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let digestBytes: Uint8Array;
    try {
      digestBytes = hashTypedMessageBytes(domain, primaryType, item.message);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err;
      results[i] = { valid: false, digest: null, signer: null, error: "MALFORMED_MESSAGE" };
      continue;
    }
    const digest = bytesToHex(digestBytes);
    let signer: Address;
    try {
      signer = recoverDigestSigner(digestBytes, item.signature, backend);
    } catch (err) {
      if (!(err instanceof InvalidSignatureError)) throw err;
      results[i] = { valid: false, digest, signer: null, error: err.code };
      continue;
    }
    const want =
      expected ??
      (field === undefined ? undefined : (item.message as unknown as Record<string, string>)[field]!.toLowerCase());
    results[i] =
      want === undefined || want === signer
        ? { valid: true, digest, signer }
        : { valid: false, digest, signer, error: "WRONG_SIGNER" };
  }
  return results;
}

export type VerifyReceiptsReturnType = VerifyResult[];

/**
 * Verifies signed receipts: each must be signed by its own `viewer` session key. (Whether that
 * key holds a grant is a fraud rule: `evaluateEpoch`.)
 *
 * @example
 * const results = verifyReceipts(domain, receipts); // [{ valid, digest, signer, error? }, …]
 */
export function verifyReceipts(
  domain: RewardsDomain,
  items: readonly Signed<Receipt>[],
  backend?: Secp256k1Backend,
): VerifyReceiptsReturnType {
  return verifyTypedMessages({ domain, primaryType: "Receipt", items, backend });
}

export type TrustedTypedMessagesParameters<T extends PrimaryType> = {
  domain: RewardsDomain;
  primaryType: T;
  items: readonly Signed<Messages[T]>[];
  /** As in `verifyTypedMessages`: required for `SessionGrant` (the coordinator). */
  expectedSigner?: Address | undefined;
};

/**
 * The results `verifyTypedMessages` returns for signatures that were already verified
 * elsewhere — every digest computed, every signer taken to be the expected one, and no
 * signature recovered. For messages the coordinator verified at ingest (it never stores a
 * rejected one); an independent auditor must use `verifyTypedMessages` or the verify pool.
 * A malformed message is still `MALFORMED_MESSAGE`.
 *
 * @example
 * const verified = trustedTypedMessages({ domain, primaryType: "Receipt", items: receipts });
 */
export function trustedTypedMessages<T extends PrimaryType>(
  parameters: TrustedTypedMessagesParameters<T>,
): VerifyTypedMessagesReturnType {
  const { domain, primaryType, items } = parameters;
  const expected = parameters.expectedSigner?.toLowerCase() as Address | undefined;
  const field: string | undefined = SIGNER_FIELD[primaryType];
  if (primaryType === "SessionGrant" && expected === undefined)
    throw new InvalidMessageError("SessionGrant", "-", "expectedSigner (the coordinator address) is required");
  const results: VerifyResult[] = new Array<VerifyResult>(items.length);
  for (let i = 0; i < items.length; i++) {
    const message = items[i]!.message;
    let digest: Hex;
    try {
      digest = hashTypedMessage(domain, primaryType, message);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err;
      results[i] = { valid: false, digest: null, signer: null, error: "MALFORMED_MESSAGE" };
      continue;
    }
    const signer =
      expected ??
      (field === undefined ? null : ((message as unknown as Record<string, string>)[field]!.toLowerCase() as Address));
    results[i] = { valid: true, digest, signer };
  }
  return results;
}
