/** JSON schema fragments shared by the v1 routes (wire formats: 0x-hex, decimal strings for bigints). */

export const address = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "0x + 20 bytes hex" } as const;
export const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$", description: "0x + 32 bytes hex" } as const;
export const signature = {
  type: "string",
  pattern: "^0x[0-9a-fA-F]{130}$",
  description: "65-byte r ‖ s ‖ v, low s",
} as const;
/**
 * A decimal string of 0 … 2^63 − 1 (int8's range, what PostgreSQL stores): plain digits, no
 * sign, no leading zero, no hex. `format: "int8"` (registered in app.ts) checks the range.
 */
export const int8String = {
  type: "string",
  pattern: "^(0|[1-9][0-9]{0,18})$",
  format: "int8",
  description: "decimal integer string, 0 … 9223372036854775807",
} as const;
/**
 * A uint64 as a JSON integer (≤ 2^53 − 1, so no double rounds it) or a decimal string
 * (≤ 2^63 − 1, the int8 range stored). Booleans, hex and leading zeros are neither.
 */
export const uint64 = {
  anyOf: [{ type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, int8String],
} as const;

/** The largest epoch number the admin routes take (2^40). */
export const MAX_EPOCH = 2 ** 40;
/** An epoch in a path or query string (always text there): decimal digits, 0 … 2^40. */
export const epochText = {
  type: "string",
  pattern: "^(0|[1-9][0-9]{0,12})$",
  format: "epoch",
  description: "decimal epoch number, 0 … 2^40",
} as const;

/** Ajv formats the schemas above name; app.ts registers them once for every route. */
export const WIRE_FORMATS = {
  int8: { type: "string", validate: (s: string) => /^(0|[1-9][0-9]{0,18})$/.test(s) && BigInt(s) < 2n ** 63n },
  epoch: { type: "string", validate: (s: string) => /^(0|[1-9][0-9]{0,12})$/.test(s) && Number(s) <= MAX_EPOCH },
} as const;
export const uint256String = {
  type: "string",
  pattern: "^(0|[1-9][0-9]{0,77})$",
  description: "decimal integer string (≤ 2^256 − 1)",
} as const;
export const epochNumber = { type: "integer", minimum: 0, maximum: MAX_EPOCH } as const;

export const errorResponse = {
  type: "object",
  required: ["code", "message"],
  properties: { code: { type: "string" }, message: { type: "string" }, requestId: { type: "string" } },
} as const;

/** Standard 4xx answers for a route (and 401/403 when it needs an API key). */
export function errorResponses(authenticated: boolean) {
  const base: Record<number, typeof errorResponse> = {
    400: errorResponse,
    404: errorResponse,
    409: errorResponse,
    413: errorResponse,
    429: errorResponse,
  };
  if (authenticated) {
    base[401] = errorResponse;
    base[403] = errorResponse;
  }
  return base;
}

/** Per-item answer of a batch route. */
export const itemResult = {
  type: "object",
  required: ["index", "status"],
  properties: {
    index: { type: "integer" },
    status: { enum: ["accepted", "duplicate", "rejected"] },
    code: { type: "string", description: "reason code (duplicate and rejected items)" },
    message: { type: "string" },
    id: { type: "string", description: "the item's EIP-712 digest" },
    countedBytes: { type: "string", description: "bytes this receipt added (accepted receipts)" },
  },
} as const;

export const batchResponse = {
  type: "object",
  required: ["accepted", "duplicate", "rejected", "results"],
  properties: {
    accepted: { type: "integer" },
    duplicate: { type: "integer" },
    rejected: { type: "integer" },
    results: { type: "array", items: itemResult },
  },
} as const;

/** The receipt item, documented (items are validated one by one so that one bad item rejects only itself). */
export const receiptItem = {
  type: "object",
  required: ["sessionId", "supporter", "viewer", "seq", "cumulativeBytes", "timestamp", "signature"],
  properties: {
    sessionId: bytes32,
    supporter: address,
    viewer: address,
    seq: uint64,
    cumulativeBytes: uint256String,
    timestamp: uint64,
    signature,
    domain: {
      type: "object",
      description: "optional: the domain the client signed for; a mismatch is rejected as WRONG_DOMAIN",
      properties: { chainId: { type: "integer" }, verifyingContract: address },
    },
  },
} as const;

export const heartbeatItem = {
  type: "object",
  required: ["node", "timestamp", "signature"],
  properties: { node: address, timestamp: uint64, signature },
} as const;
