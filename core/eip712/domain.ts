/**
 * The EIP-712 domain of every signed message of the ledger: takes a deployment's chain and
 * distributor address (`RewardsDomain`) and hands on the full domain viem and ethers take, plus
 * the `Signed<T>` envelope every family of messages uses.
 *
 * The signed messages of the ledger (EIP-712) are defined once, by family, in this folder:
 * receipts.ts (receipts, heartbeats), sessions.ts (session grants, registrations),
 * epoch-root.ts (epoch roots, claims), policy.ts (the policy messages); messages.ts gathers
 * the viem-compatible `types` objects (pass them to viem's `hashTypedData`/`signTypedData` or
 * ethers' `TypedDataEncoder`) and hash.ts computes fast fixed-layout digests.
 */
import type { Hex } from "../hex.ts";

export type Address = `0x${string}`;

export const DOMAIN_NAME = "StreamrP2P RewardsDistributor";
export const DOMAIN_VERSION = "1";

/** What varies between deployments: the chain and the distributor contract. */
export type RewardsDomain = {
  chainId: number;
  /** The `RewardsDistributor` address. */
  verifyingContract: Address;
};

/** The full EIP-712 domain, as viem and ethers take it. */
export type TypedDataDomain = {
  name: typeof DOMAIN_NAME;
  version: typeof DOMAIN_VERSION;
  chainId: number;
  verifyingContract: Address;
};

/** The full EIP-712 domain for `domain`, for viem/ethers calls. */
export function toTypedDataDomain(domain: RewardsDomain): TypedDataDomain {
  return {
    name: DOMAIN_NAME,
    version: DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** A message with its 65-byte signature (`r ‖ s ‖ v`, hex). */
export type Signed<T> = { message: T; signature: Hex };
