/**
 * Every signed message by primary type name: takes the families' message types and `types`
 * objects and hands on the `Messages` map, `eip712Types`, each type's fields and its
 * precomputed type hash (for hash.ts).
 */
import { bytesToHex, type Hex } from "../hex.ts";
import { keccak256Utf8 } from "../keccak.ts";
import { claimAuthorizationTypes, epochRootTypes, type ClaimAuthorization, type EpochRoot } from "./epoch-root.ts";
import {
  epochBudgetTypes,
  flagDecisionTypes,
  founderStatusTypes,
  rateCardApprovalTypes,
  type EpochBudget,
  type FlagDecision,
  type FounderStatus,
  type RateCardApproval,
} from "./policy.ts";
import { heartbeatTypes, receiptTypes, type Heartbeat, type Receipt } from "./receipts.ts";
import {
  sessionGrantTypes,
  supporterRegistrationTypes,
  type SessionGrant,
  type SupporterRegistration,
} from "./sessions.ts";

/** Every message, by primary type name. */
export type Messages = {
  SessionGrant: SessionGrant;
  Receipt: Receipt;
  Heartbeat: Heartbeat;
  SupporterRegistration: SupporterRegistration;
  EpochRoot: EpochRoot;
  ClaimAuthorization: ClaimAuthorization;
  RateCardApproval: RateCardApproval;
  FounderStatus: FounderStatus;
  FlagDecision: FlagDecision;
  EpochBudget: EpochBudget;
};
export type PrimaryType = keyof Messages;

/**
 * The `types` object for one primary type, as viem (`types`, `primaryType`) and ethers
 * (`TypedDataEncoder.hash(domain, types, message)`) take it.
 *
 * @example
 * import { hashTypedData } from "viem";
 * hashTypedData({ domain: toTypedDataDomain(d), types: eip712Types.Receipt, primaryType: "Receipt", message });
 */
export const eip712Types = {
  SessionGrant: sessionGrantTypes,
  Receipt: receiptTypes,
  Heartbeat: heartbeatTypes,
  SupporterRegistration: supporterRegistrationTypes,
  EpochRoot: epochRootTypes,
  ClaimAuthorization: claimAuthorizationTypes,
  RateCardApproval: rateCardApprovalTypes,
  FounderStatus: founderStatusTypes,
  FlagDecision: flagDecisionTypes,
  EpochBudget: epochBudgetTypes,
} as const;

type FieldType = "bytes32" | "address" | "uint64" | "uint256" | "bool" | "string";
/** One field of a message: its name and its (fixed-size or string) EIP-712 type. */
export type Field = { readonly name: string; readonly type: FieldType };

function fieldsOf(primaryType: PrimaryType): readonly Field[] {
  return (eip712Types[primaryType] as unknown as Record<string, readonly Field[]>)[primaryType]!;
}

/** `Name(type name,…)` — the EIP-712 `encodeType` of a message without nested structs. */
export function encodeType(primaryType: PrimaryType): string {
  return `${primaryType}(${fieldsOf(primaryType)
    .map((f) => `${f.type} ${f.name}`)
    .join(",")})`;
}

/** Precomputed `keccak256(encodeType(T))` per primary type, hex. */
export const TYPE_HASHES: Readonly<Record<PrimaryType, Hex>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(eip712Types) as PrimaryType[]).map((t) => [t, bytesToHex(keccak256Utf8(encodeType(t)))]),
  ) as Record<PrimaryType, Hex>,
);

/** `TYPE_HASHES` as bytes, for laying out a struct (hash.ts). */
export const TYPE_HASH_BYTES = Object.fromEntries(
  (Object.keys(eip712Types) as PrimaryType[]).map((t) => [t, keccak256Utf8(encodeType(t))]),
) as Record<PrimaryType, Uint8Array>;

/** Each primary type's fields, in order (hash.ts). */
export const FIELDS = Object.fromEntries(
  (Object.keys(eip712Types) as PrimaryType[]).map((t) => [t, fieldsOf(t)]),
) as Record<PrimaryType, readonly Field[]>;
