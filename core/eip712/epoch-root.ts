/**
 * The oracle's signed epoch roots and accounts' claim authorizations (EIP-712): their TypeScript
 * message types, signed forms and viem/ethers `types` objects, handed on to messages.ts and hash.ts.
 *
 * `EpochRoot` and `ClaimAuthorization` are checked by `RewardsDistributor` on-chain and must
 * match its Solidity type strings exactly.
 */
import type { Hex } from "../hex.ts";
import type { Address, Signed } from "./domain.ts";

/**
 * Signed by each oracle signer; `RewardsDistributor.proposeRoot` checks M of N. A signed root is
 * good for one proposal: `attempt` is 1 for an epoch's first proposal and one more after each
 * veto (`proposalAttempt(epoch)` on-chain), so a vetoed root's signatures never propose again.
 */
export type EpochRoot = {
  epoch: bigint;
  /** 1, then one more after each veto of this chain epoch. */
  attempt: bigint;
  root: Hex;
  /** Sum of all cumulative entitlements in the tree, µUSD. */
  cumulativeTotal: bigint;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
};

/** Signed by an account to let a relayer claim on its behalf (gasless claims). */
export type ClaimAuthorization = {
  account: Address;
  recipient: Address;
  /** The only address that may submit it; the zero address lets anyone. */
  relayer: Address;
  /** µUSD. */
  maxRelayerFee: bigint;
  nonce: bigint;
  /** Unix seconds. */
  deadline: bigint;
};

export type SignedEpochRoot = Signed<EpochRoot>;
export type SignedClaimAuthorization = Signed<ClaimAuthorization>;

export const epochRootTypes = {
  EpochRoot: [
    { name: "epoch", type: "uint64" },
    { name: "attempt", type: "uint64" },
    { name: "root", type: "bytes32" },
    { name: "cumulativeTotal", type: "uint256" },
    { name: "receiptsRoot", type: "bytes32" },
    { name: "datasetHash", type: "bytes32" },
    { name: "rateCardHash", type: "bytes32" },
  ],
} as const;

export const claimAuthorizationTypes = {
  ClaimAuthorization: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "relayer", type: "address" },
    { name: "maxRelayerFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
