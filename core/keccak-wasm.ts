/**
 * Synchronous, allocation-free keccak-256 for hot loops (Merkle trees: 3 hashes per leaf).
 *
 * The WebAssembly below is hash-wasm 4.13.0's own sha3/keccak build (MIT, (c) Dani Biró,
 * https://github.com/Daninet/hash-wasm, module "sha3", build hash "961accfe"), copied byte for byte
 * because the package does not expose its raw instance; `keccak-wasm.test.ts` checks the copy
 * against the installed package. Calling the module directly (one WebAssembly call per hash,
 * input and output in its own memory) saves the per-call wrapping of `createKeccak`.
 *
 * IMPORTANT: one module instance, one scratch buffer: a hash overwrites the scratch, so callers
 * copy the 32-byte result out before the next hash. Not re-entrant (JavaScript is
 * single-threaded, so only re-entrant use within one loop would clash).
 *
 * @example
 * import { keccakScratch, keccakInPlace } from "./keccak-wasm.ts";
 * keccakScratch.set(new Uint8Array(64)); // input at offset 0
 * keccakInPlace(64); // keccakScratch[0..32) now holds keccak256 of the 64 bytes
 */
const WASM_BASE64 =
  "AGFzbQEAAAABFARgAAF/YAF/AGACf38AYAN/f38AAwgHAAEBAgEAAwUEAQECAgYPAn8BQYCABAt/AEGAgAQLB4IBCQZtZW1vcnkCAA9fX3N0YW" +
  "NrX3BvaW50ZXIDAA5IYXNoX0dldEJ1ZmZlcgAACUhhc2hfSW5pdAABC0hhc2hfVXBkYXRlAAIKSGFzaF9GaW5hbAAEDUhhc2hfR2V0U3RhdGUA" +
  "BQ5IYXNoX0NhbGN1bGF0ZQAGClNUQVRFX1NJWkUDAQqmHAcGAEGAggQL1wMAQQBCADcDgIUFQQBCADcD+IQFQQBCADcD8IQFQQBCADcD6IQFQQ" +
  "BCADcD4IQFQQBCADcD2IQFQQBCADcD0IQFQQBCADcDyIQFQQBCADcDwIQFQQBCADcDuIQFQQBCADcDsIQFQQBCADcDqIQFQQBCADcDoIQFQQBC" +
  "ADcDmIQFQQBCADcDkIQFQQBCADcDiIQFQQBCADcDgIQFQQBCADcD+IMFQQBCADcD8IMFQQBCADcD6IMFQQBCADcD4IMFQQBCADcD2IMFQQBCAD" +
  "cD0IMFQQBCADcDyIMFQQBCADcDwIMFQQBCADcDuIMFQQBCADcDsIMFQQBCADcDqIMFQQBCADcDoIMFQQBCADcDmIMFQQBCADcDkIMFQQBCADcD" +
  "iIMFQQBCADcDgIMFQQBCADcD+IIFQQBCADcD8IIFQQBCADcD6IIFQQBCADcD4IIFQQBCADcD2IIFQQBCADcD0IIFQQBCADcDyIIFQQBCADcDwI" +
  "IFQQBCADcDuIIFQQBCADcDsIIFQQBCADcDqIIFQQBCADcDoIIFQQBCADcDmIIFQQBCADcDkIIFQQBCADcDiIIFQQBCADcDgIIFQQBBwAwgAEEB" +
  "dGtBA3Y2AoyFBUEAQQA2AoiFBQuSAwEJfwJAQQAoAoiFBSIBQQBIDQBBACABIABqQQAoAoyFBSICcDYCiIUFAkACQCABDQBBgIIEIQMMAQsCQC" +
  "AAIAIgAWsiBCAAIARJIgUbIgNFDQAgA0EDcSEGQQAhBwJAIANBBEkNACABQYCCBWohCCADQXxxIQlBACEHA0AgCCAHaiIDQcgBaiAHQYCCBGot" +
  "AAA6AAAgA0HJAWogB0GBggRqLQAAOgAAIANBygFqIAdBgoIEai0AADoAACADQcsBaiAHQYOCBGotAAA6AAAgCSAHQQRqIgdHDQALIAZFDQELIA" +
  "FByIMFaiEDA0AgAyAHaiAHQYCCBGotAAA6AAAgB0EBaiEHIAZBf2oiBg0ACwsgBQ0BQciDBSACEAMgACAEayEAIARBgIIEaiEDCwJAIAAgAkkN" +
  "AANAIAMgAhADIAMgAmohAyAAIAJrIgAgAk8NAAsLIABFDQBBACECQcgBIQcDQCAHQYCCBWogAyAHakG4fmotAAA6AAAgB0EBaiEHIAAgAkEBai" +
  "ICQf8BcUsNAAsLC+ELAS1+IAApA0AhAkEAKQPAggUhAyAAKQM4IQRBACkDuIIFIQUgACkDMCEGQQApA7CCBSEHIAApAyghCEEAKQOoggUhCSAA" +
  "KQMgIQpBACkDoIIFIQsgACkDGCEMQQApA5iCBSENIAApAxAhDkEAKQOQggUhDyAAKQMIIRBBACkDiIIFIREgACkDACESQQApA4CCBSETQQApA8" +
  "iCBSEUAkACQCABQcgASw0AQQApA+iCBSEVQQApA/iCBSEWQQApA/CCBSEXQQApA4CDBSEYQQApA9CCBSEZQQApA+CCBSEaQQApA9iCBSEbDAEL" +
  "QQApA+CCBSAAKQNghSEaQQApA9iCBSAAKQNYhSEbQQApA9CCBSAAKQNQhSEZIBQgACkDSIUhFEEAKQPoggUhFUEAKQP4ggUhFkEAKQPwggUhF0" +
  "EAKQOAgwUhGCABQekASQ0AIBggACkDgAGFIRggFiAAKQN4hSEWIBcgACkDcIUhFyAVIAApA2iFIRUgAUGJAUkNAEEAQQApA4iDBSAAKQOIAYU3" +
  "A4iDBQsgAyAChSEcIAUgBIUhHSAHIAaFIQcgCSAIhSEIIAsgCoUhHiANIAyFIQkgDyAOhSEKIBEgEIUhCyATIBKFIQxBACkDuIMFIRBBACkDkI" +
  "MFIRFBACkDoIMFIRJBACkDsIMFIRNBACkDiIMFIQ1BACkDwIMFIQ5BACkDmIMFIR9BACkDqIMFIQ9BwH4hAANAIB4gByALhSAbhSAYhSAPhUIB" +
  "iYUgFIUgF4UgH4UgDoUhAiAMIB0gCoUgGoUgDYUgE4VCAYmFIAiFIBmFIBaFIBKFIgMgB4UhICAJIAggDIUgGYUgFoUgEoVCAYmFIByFIBWFIB" +
  "GFIBCFIgQgDoUhISAcIAogFCAehSAXhSAfhSAOhUIBiYUgHYUgGoUgDYUgE4UiBYVCN4kiIiALIBwgCYUgFYUgEYUgEIVCAYmFIAeFIBuFIBiF" +
  "IA+FIgYgCoVCPokiI0J/hYMgAyAPhUICiSIkhSEOIBYgAoVCKYkiJSAEIBeFQieJIiZCf4WDICKFIQ8gECAFhUI4iSIQIAYgDYVCD4kiJ0J/hY" +
  "MgAyAbhUIKiSIohSENIAQgHoVCG4kiKSAoIAggAoVCJIkiKkJ/hYOFIRYgBiAdhUIGiSIrIAMgC4VCAYkiLEJ/hYMgEiAChUISiSIthSEXICsg" +
  "BCAfhUIIiSIuIBUgBYVCGYkiFUJ/hYOFIRsgBiAThUI9iSIdIAQgFIVCFIkiBCAJIAWFQhyJIghCf4WDhSEUIAggHUJ/hYMgAyAYhUItiSIDhS" +
  "EcIB0gA0J/hYMgGSAChUIDiSIJhSEdIAQgAyAJQn+Fg4UhByAJIARCf4WDIAiFIQggDCAChSICICFCDokiA0J/hYMgESAFhUIViSIEhSEJIAYg" +
  "GoVCK4kiBSADIARCf4WDhSEKIAQgBUJ/hYMgIEIsiSIEhSELIABB0IEEaikDACAFIARCf4WDhSAChSEMICcgKEJ/hYMgKoUiBSEYIAMgBCACQn" +
  "+Fg4UiAiEeICogKUJ/hYMgEIUiAyEfIC0gLkJ/hYMgFYUiBCEaICYgJCAlQn+Fg4UiBiETIBUgK0J/hYMgLIUiKCEZICMgJiAiQn+Fg4UiIiES" +
  "IC4gLCAtQn+Fg4UiJiEVICcgKSAQQn+Fg4UiJyERICMgJEJ/hYMgJYUiIyEQIABBCGoiAA0AC0EAIA83A6iDBUEAIAU3A4CDBUEAIBs3A9iCBU" +
  "EAIAc3A7CCBUEAIAs3A4iCBUEAIA43A8CDBUEAIAM3A5iDBUEAIBc3A/CCBUEAIBQ3A8iCBUEAIAI3A6CCBUEAIAY3A7CDBUEAIA03A4iDBUEA" +
  "IAQ3A+CCBUEAIB03A7iCBUEAIAo3A5CCBUEAICI3A6CDBUEAIBY3A/iCBUEAICg3A9CCBUEAIAg3A6iCBUEAIAw3A4CCBUEAICM3A7iDBUEAIC" +
  "c3A5CDBUEAICY3A+iCBUEAIBw3A8CCBUEAIAk3A5iCBQv1AgEFf0HkAEEAKAKMhQUiAUEBdmshAgJAQQAoAoiFBSIDQQBIDQAgASEEAkAgASAD" +
  "Rg0AIANByIMFaiEFQQAhAwNAIAUgA2pBADoAACADQQFqIgMgAUEAKAKIhQUiBGtJDQALCyAEIAQtAMiDBSAAcjoAyIMFIAFBx4MFaiIDIAMtAA" +
  "BBgAFyOgAAQciDBSABEANBAEGAgICAeDYCiIUFCwJAIAJBAnYiA0UNACADQQNxIQVBACEEAkAgAkEQSQ0AIANB/P///wNxIQFBACEDQQAhBANA" +
  "IANBgIIEaiADQYCCBWooAgA2AgAgA0GEggRqIANBhIIFaigCADYCACADQYiCBGogA0GIggVqKAIANgIAIANBjIIEaiADQYyCBWooAgA2AgAgA0" +
  "EQaiEDIAEgBEEEaiIERw0ACyAFRQ0BCyAFQQJ0IQEgBEECdCEDA0AgA0GAggRqIANBgIIFaigCADYCACADQQRqIQMgAUF8aiIBDQALCwsGAEGA" +
  "ggULzgYBA39BAEIANwOAhQVBAEIANwP4hAVBAEIANwPwhAVBAEIANwPohAVBAEIANwPghAVBAEIANwPYhAVBAEIANwPQhAVBAEIANwPIhAVBAE" +
  "IANwPAhAVBAEIANwO4hAVBAEIANwOwhAVBAEIANwOohAVBAEIANwOghAVBAEIANwOYhAVBAEIANwOQhAVBAEIANwOIhAVBAEIANwOAhAVBAEIA" +
  "NwP4gwVBAEIANwPwgwVBAEIANwPogwVBAEIANwPggwVBAEIANwPYgwVBAEIANwPQgwVBAEIANwPIgwVBAEIANwPAgwVBAEIANwO4gwVBAEIANw" +
  "OwgwVBAEIANwOogwVBAEIANwOggwVBAEIANwOYgwVBAEIANwOQgwVBAEIANwOIgwVBAEIANwOAgwVBAEIANwP4ggVBAEIANwPwggVBAEIANwPo" +
  "ggVBAEIANwPgggVBAEIANwPYggVBAEIANwPQggVBAEIANwPIggVBAEIANwPAggVBAEIANwO4ggVBAEIANwOwggVBAEIANwOoggVBAEIANwOggg" +
  "VBAEIANwOYggVBAEIANwOQggVBAEIANwOIggVBAEIANwOAggVBAEHADCABQQF0a0EDdjYCjIUFQQBBADYCiIUFIAAQAkHkAEEAKAKMhQUiAEEB" +
  "dmshAwJAQQAoAoiFBSIBQQBIDQAgACEEAkAgACABRg0AIAFByIMFaiEFQQAhAQNAIAUgAWpBADoAACABQQFqIgEgAEEAKAKIhQUiBGtJDQALCy" +
  "AEIAQtAMiDBSACcjoAyIMFIABBx4MFaiIBIAEtAABBgAFyOgAAQciDBSAAEANBAEGAgICAeDYCiIUFCwJAIANBAnYiAUUNACABQQNxIQVBACEE" +
  "AkAgA0EQSQ0AIAFB/P///wNxIQBBACEBQQAhBANAIAFBgIIEaiABQYCCBWooAgA2AgAgAUGEggRqIAFBhIIFaigCADYCACABQYiCBGogAUGIgg" +
  "VqKAIANgIAIAFBjIIEaiABQYyCBWooAgA2AgAgAUEQaiEBIAAgBEEEaiIERw0ACyAFRQ0BCyAFQQJ0IQAgBEECdCEBA0AgAUGAggRqIAFBgIIF" +
  "aigCADYCACABQQRqIQEgAEF8aiIADQALCwsL2QEBAEGAgAQL0AGQAQAAAAAAAAAAAAAAAAAAAQAAAAAAAACCgAAAAAAAAIqAAAAAAACAAIAAgA" +
  "AAAICLgAAAAAAAAAEAAIAAAAAAgYAAgAAAAIAJgAAAAAAAgIoAAAAAAAAAiAAAAAAAAAAJgACAAAAAAAoAAIAAAAAAi4AAgAAAAACLAAAAAAAA" +
  "gImAAAAAAACAA4AAAAAAAIACgAAAAAAAgIAAAAAAAACACoAAAAAAAAAKAACAAAAAgIGAAIAAAACAgIAAAAAAAIABAACAAAAAAAiAAIAAAACA";

type KeccakExports = {
  memory: { buffer: ArrayBuffer };
  Hash_GetBuffer: () => number;
  Hash_Calculate: (length: number, bits: number, padding: number) => void;
  Hash_Init: (bits: number) => void;
  Hash_Update: (length: number) => void;
  Hash_Final: (padding: number) => void;
};

/** The slice of the WebAssembly global this file uses (not in the ES lib this project compiles against). */
type WebAssemblyApi = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
// Compiled and instantiated synchronously (the module is 7 KB): importing this file never
// awaits, so no module of the project needs a top-level await for hashing.
const compiled = new wasm.Module(decodeBase64(WASM_BASE64));
const instance = new wasm.Instance(compiled, {});
const exports = instance.exports as KeccakExports;
const offset = exports.Hash_GetBuffer();

/** The largest input `keccakInPlace` takes in one call (the module's buffer). */
export const KECCAK_SCRATCH_BYTES = 16 * 1024;

/** The module's input/output buffer: write the input at 0, read the 32-byte hash at 0. */
export const keccakScratch: Uint8Array = new Uint8Array(exports.memory.buffer, offset, KECCAK_SCRATCH_BYTES);
/** The same buffer as 32-bit words (little-endian), for word-wise copies. */
export const keccakScratchWords: Uint32Array = new Uint32Array(exports.memory.buffer, offset, KECCAK_SCRATCH_BYTES / 4);

const calculate = exports.Hash_Calculate;

/** Hashes `keccakScratch[0..length)` with keccak-256; the digest replaces `keccakScratch[0..32)`. */
export function keccakInPlace(length: number): void {
  calculate(length, 256, 0x01);
}

/**
 * keccak-256 of `data` (at most `KECCAK_SCRATCH_BYTES`), as a fresh 32-byte array.
 *
 * @example
 * keccak256Fast(new Uint8Array(0)); // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
export function keccak256Fast(data: Uint8Array): Uint8Array {
  if (data.length > KECCAK_SCRATCH_BYTES)
    throw new RangeError(`keccak256Fast takes at most ${KECCAK_SCRATCH_BYTES} bytes`);
  keccakScratch.set(data, 0);
  calculate(data.length, 256, 0x01);
  return keccakScratch.slice(0, 32);
}

/** An incremental keccak-256 (`createKeccakStream`): `init`, any number of `update`s, one `digest`. */
export type KeccakStream = {
  init(): KeccakStream;
  update(data: Uint8Array): KeccakStream;
  /** The digest of everything since `init` (a fresh copy, or lower-case hex without 0x). */
  digest(format: "binary"): Uint8Array;
  digest(format: "hex"): string;
};

/**
 * A streaming keccak-256 on its own instance of the module (so it never clashes with
 * `keccakInPlace`'s scratch), synchronous from the start: the same calls hash-wasm's
 * `createKeccak(256)` makes (Hash_Init(256), Hash_Update per 16 KiB, Hash_Final(0x01)).
 *
 * @example
 * createKeccakStream().update(new Uint8Array(0)).digest("hex"); // "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
 */
export function createKeccakStream(): KeccakStream {
  const ex = new wasm.Instance(compiled, {}).exports as KeccakExports;
  const view = new Uint8Array(ex.memory.buffer, ex.Hash_GetBuffer(), KECCAK_SCRATCH_BYTES);
  const stream = {
    init() {
      ex.Hash_Init(256);
      return stream;
    },
    update(data: Uint8Array) {
      for (let read = 0; read < data.length; read += KECCAK_SCRATCH_BYTES) {
        const chunk = data.subarray(read, read + KECCAK_SCRATCH_BYTES);
        view.set(chunk);
        ex.Hash_Update(chunk.length);
      }
      return stream;
    },
    digest(format: "binary" | "hex") {
      ex.Hash_Final(0x01);
      const out = view.slice(0, 32);
      return format === "hex" ? Buffer.from(out.buffer, out.byteOffset, 32).toString("hex") : out;
    },
  } as KeccakStream;
  return stream.init();
}

function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
