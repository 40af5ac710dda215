/** Conversions between 0x-hex strings (the API's wire form) and bytes (bytea in PostgreSQL). */

export type Hex = `0x${string}`;

/** `0x…` (already validated by a JSON schema) to bytes. */
export function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex.slice(2), "hex");
}

/** Bytes from either driver (`Buffer` from pg, `Uint8Array` from PGlite) to lowercase `0x…`. */
export function bufferToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Lowercase form used as a map key and in responses. */
export function lowerHex(hex: string): Hex {
  return hex.toLowerCase() as Hex;
}
