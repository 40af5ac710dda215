import type { Hex } from "../../core/eip712.ts";

/** bytea (Buffer from pg, Uint8Array from PGlite) → lower-case 0x hex. */
export function hex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** 0x hex → bytea parameter. */
export function buf(value: string): Buffer {
  return Buffer.from(value.startsWith("0x") ? value.slice(2) : value, "hex");
}
