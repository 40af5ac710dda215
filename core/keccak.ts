import { createKeccakStream } from "./keccak-wasm.ts";

/**
 * Synchronous keccak-256 on hash-wasm's WebAssembly build (≈ 10× viem's `keccak256`), vendored in
 * `keccak-wasm.ts` and instantiated synchronously at import: no top-level await (V8 has an open,
 * process-killing bug in async module evaluation, nodejs/node#53238, that hit this project's tests).
 *
 * IMPORTANT: the returned array is a fresh copy the caller owns.
 *
 * @example
 * import { keccak256Bytes } from "./keccak.ts";
 * keccak256Bytes(new Uint8Array(0)); // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
const hasher = createKeccakStream();

export function keccak256Bytes(data: Uint8Array): Uint8Array {
  return hasher.init().update(data).digest("binary");
}

/** keccak-256 of a UTF-8 string (type strings, names), as bytes. */
export function keccak256Utf8(text: string): Uint8Array {
  return keccak256Bytes(new TextEncoder().encode(text));
}
