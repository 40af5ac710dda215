/**
 * 0x-hex strings and bytes: the `Hex` type and the conversions between hex (the wire form) and
 * bytes (keccak output, bytea in PostgreSQL). Pure; imported everywhere, never redefined.
 */

export type Hex = `0x${string}`;

/**
 * Lower-case 0x-hex of bytes — also of a bytea value from either driver (`Buffer` from pg,
 * `Uint8Array` from PGlite).
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Hex (`0x…`, already validated, e.g. by a JSON schema; the prefix optional) to bytes: a bytea parameter. */
export function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}

/** Lowercase form used as a map key and in responses. */
export function lowerHex(hex: string): Hex {
  return hex.toLowerCase() as Hex;
}
