import { createKeccak } from "hash-wasm";

/**
 * Synchronous keccak-256 on `hash-wasm` (≈ 10× viem's `keccak256`). The WebAssembly module is
 * instantiated once at import (top-level await); after that every call is synchronous.
 *
 * IMPORTANT: the returned array is a fresh copy the caller owns.
 *
 * @example
 * import { keccak256Bytes } from "./keccak.ts";
 * keccak256Bytes(new Uint8Array(0)); // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
const hasher = await createKeccak(256);

export function keccak256Bytes(data: Uint8Array): Uint8Array {
  return hasher.init().update(data).digest("binary");
}

/** keccak-256 of a UTF-8 string (type strings, names), as bytes. */
export function keccak256Utf8(text: string): Uint8Array {
  return keccak256Bytes(new TextEncoder().encode(text));
}
