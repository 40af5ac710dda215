/**
 * The OpenAPI pieces every admin route file shares (security, policy-signature fields, path
 * parameters, an epoch's response object); each resource's own response fields live in its route file.
 */
import { signature } from "../../../http/schemas.ts";

export const security = [{ apiKey: [] }];
/** A policy signature made elsewhere (the API's own policy key signs when it is absent), and what it signed. */
export const policyFields = {
  policySignature: {
    ...signature,
    description: "the policy key's EIP-712 signature, made elsewhere; absent: the API's policy key signs",
  },
  issuedAt: { type: "integer", minimum: 0, maximum: 2 ** 40, description: "unix seconds the signature covers" },
} as const;
/** A feature flag's key (as `PUT` creates it), in a path. */
export const flagKey = { type: "string", pattern: "^[a-z0-9][a-z0-9_.-]{0,63}$" } as const;
/** An API key's public id, in a path. */
export const apiKeyId = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$" } as const;
/** A path or query-string schema: exactly these properties. */
export const textParams = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: "object",
  required,
  additionalProperties: false,
  properties,
});
/** A response object about one epoch: `epoch` (an integer), then these properties. */
export const epochResponse = (properties: Record<string, unknown>) => ({
  type: "object",
  properties: { epoch: { type: "integer" }, ...properties },
});
