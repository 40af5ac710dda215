/**
 * 32-byte words in flat buffers, for the trees (standard-tree.ts, tree.ts, receipts-tree.ts) and
 * the rate card's hash: hex strings and uint256 values written in place, and read back as hex —
 * no intermediate strings or arrays per leaf.
 */
import { Buffer } from "node:buffer";
import type { Hex } from "./hex.ts";
import { keccakScratch } from "./keccak-wasm.ts";
import { MAX_UINT256 } from "./units.ts";

const HASH = 32;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[65 + c] = 10 + c;
  HEX_VALUE[97 + c] = 10 + c;
}

/**
 * Writes the hex string `hex` ("0x" + `2 × byteLength` hex digits, either case) into
 * `out[offset..offset + byteLength)`. Returns false when it is not such a string.
 */
export function writeHex(hex: unknown, byteLength: number, out: Uint8Array, offset: number): boolean {
  if (
    typeof hex !== "string" ||
    hex.length !== 2 + 2 * byteLength ||
    hex[0] !== "0" ||
    (hex[1] !== "x" && hex[1] !== "X")
  )
    return false;
  for (let j = 0; j < byteLength; j++) {
    const hi = HEX_VALUE[hex.charCodeAt(2 + 2 * j)] ?? -1;
    const lo = HEX_VALUE[hex.charCodeAt(3 + 2 * j)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    out[offset + j] = (hi << 4) | lo;
  }
  return true;
}

const U64 = 0xffff_ffff_ffff_ffffn;
const scratchView = new DataView(keccakScratch.buffer, keccakScratch.byteOffset, keccakScratch.byteLength);

/** Writes `value` as a big-endian uint256 at `out[offset..offset + 32)`; false when out of range. */
export function writeUint256(value: unknown, out: Uint8Array, offset: number): boolean {
  if (typeof value !== "bigint" || value < 0n || value > MAX_UINT256) return false;
  const view = out === keccakScratch ? scratchView : new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (value <= U64) {
    view.setBigUint64(offset, 0n);
    view.setBigUint64(offset + 8, 0n);
    view.setBigUint64(offset + 16, 0n);
    view.setBigUint64(offset + 24, value);
  } else {
    for (let j = 0; j < 4; j++) view.setBigUint64(offset + 24 - 8 * j, (value >> BigInt(64 * j)) & U64);
  }
  return true;
}

/** 0x-prefixed lowercase hex of the 32 bytes at `bytes[offset..offset + 32)`. */
export function hexAt(bytes: Uint8Array, offset: number): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset + offset, HASH).toString("hex")}`;
}
