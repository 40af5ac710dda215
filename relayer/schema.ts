/**
 * The JSON schema of `POST /v1/claims`: the authorization `ledger claim --sign-only` prints, plus
 * the claim's `cumulativeMicroUsd` and Merkle `proof` (the read API's `supporter { proof }`) and an
 * optional `feeMicroUsd`. Bounded: no unknown fields, hex of fixed sizes, bigints as decimal strings.
 */
const address = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } as const;
const uint256 = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" } as const;
const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } as const;

export const claimBodySchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "account",
    "recipient",
    "relayer",
    "maxRelayerFee",
    "nonce",
    "deadline",
    "chainId",
    "distributor",
    "signature",
    "cumulativeMicroUsd",
    "proof",
  ],
  properties: {
    account: address,
    recipient: address,
    relayer: address,
    maxRelayerFee: uint256,
    nonce: uint256,
    deadline: uint256,
    chainId: { type: "integer", minimum: 1, maximum: 9007199254740991 },
    distributor: address,
    signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" },
    cumulativeMicroUsd: uint256,
    proof: { type: "array", maxItems: 64, items: bytes32 },
    feeMicroUsd: uint256,
  },
} as const;

/** The body, as the schema admits it. */
export type ClaimBody = {
  account: string;
  recipient: string;
  relayer: string;
  maxRelayerFee: string;
  nonce: string;
  deadline: string;
  chainId: number;
  distributor: string;
  signature: string;
  cumulativeMicroUsd: string;
  proof: string[];
  feeMicroUsd?: string;
};
