/**
 * An offline runtime for the compiled subgraph mappings: matchstick cannot run here
 * (TOOLCHAIN.md), so this loads `build/<DataSource>/<DataSource>.wasm` with
 * `WebAssembly.Instance`, implements the host functions graph-node provides, lays out
 * graph-ts objects (events, blocks, store entities) in wasm memory exactly as graph-node does
 * (AssemblyScript 0.19, `--runtime stub`), and keeps the store in a `Map`.
 *
 * Invariant relied on throughout: every import the module declares gets a function; the ones
 * not implemented below throw `unimplemented host function …`, so a mapping that starts using
 * a new host API fails its test loudly instead of reading garbage.
 */
import { existsSync, readFileSync } from "node:fs";
import type { AbiEvent, AbiParameter } from "viem";

/** The command that produces the wasm this harness loads (named in every "missing build" error). */
export const BUILD_COMMAND = "npm ci --prefix subgraph && npm --prefix subgraph run build";

/** graph-ts `TypeId` discriminants (global/global.ts), resolved to class ids through `id_of_type`. */
const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  BigDecimal: 12,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
} as const;

/** graph-ts `ValueKind` (store values, common/value.ts). */
export const StoreKind = {
  STRING: 0,
  INT: 1,
  BIGDECIMAL: 2,
  BOOL: 3,
  ARRAY: 4,
  NULL: 5,
  BYTES: 6,
  BIGINT: 7,
  INT8: 8,
  TIMESTAMP: 9,
} as const;

/** graph-ts `ethereum.ValueKind` (chain/ethereum.ts). */
const EthKind = {
  ADDRESS: 0,
  FIXED_BYTES: 1,
  BYTES: 2,
  INT: 3,
  UINT: 4,
  BOOL: 5,
  STRING: 6,
  FIXED_ARRAY: 7,
  ARRAY: 8,
  TUPLE: 9,
} as const;

/** A store value as the harness keeps it: the graph-ts kind and a JS payload. */
export type StoreValue =
  | { kind: 0; value: string }
  | { kind: 1; value: number }
  | { kind: 2; value: string }
  | { kind: 3; value: boolean }
  | { kind: 4; value: StoreValue[] }
  | { kind: 5; value: null }
  | { kind: 6; value: Uint8Array }
  | { kind: 7; value: bigint }
  | { kind: 8 | 9; value: bigint };

/** An entity's fields as a test sees them: Bytes as lowercase 0x-hex, BigInt as bigint. */
export type PlainValue = string | number | boolean | bigint | null | PlainValue[];
export type PlainEntity = Record<string, PlainValue>;

/** One decoded log with the block and transaction it came from (what graph-node hands a handler). */
export type ChainEvent = {
  abiEvent: AbiEvent;
  args: Record<string, unknown> | readonly unknown[];
  address: `0x${string}`;
  logIndex: number;
  transactionLogIndex: number;
  block: {
    hash: `0x${string}`;
    parentHash: `0x${string}`;
    sha3Uncles: `0x${string}`;
    miner: `0x${string}`;
    stateRoot: `0x${string}`;
    transactionsRoot: `0x${string}`;
    receiptsRoot: `0x${string}`;
    number: bigint;
    gasUsed: bigint;
    gasLimit: bigint;
    timestamp: bigint;
    difficulty?: bigint | null;
    totalDifficulty?: bigint | null;
    size?: bigint | null;
    baseFeePerGas?: bigint | null;
  };
  transaction: {
    hash: `0x${string}`;
    transactionIndex: number;
    from: `0x${string}`;
    to: `0x${string}` | null;
    value: bigint;
    gas: bigint;
    gasPrice?: bigint | null;
    input: `0x${string}`;
    nonce: number;
  };
};

export const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString("hex")}`;
export const fromHex = (s: string): Uint8Array => {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) throw new Error(`not an even-length 0x-hex string: ${s}`);
  return Uint8Array.from(Buffer.from(s.slice(2), "hex"));
};

/** BigInt ↔ graph-ts BigInt bytes: little-endian two's complement, as graph-node encodes them. */
export function bigIntToLe(n: bigint): Uint8Array {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    out.push(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}
export function leToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return BigInt.asIntN(bytes.length * 8, v);
}

export class MappingHarness {
  /** entity type → id → fields. */
  readonly store = new Map<string, Map<string, Map<string, StoreValue>>>();
  /** entity type → id → how many times the mapping saved it (immutable entities: exactly once). */
  readonly setCounts = new Map<string, Map<string, number>>();
  readonly logs: { level: number; message: string }[] = [];
  private readonly exports: WebAssembly.Exports;
  private readonly memory: WebAssembly.Memory;
  private readonly classIds = new Map<number, number>();

  private constructor(module: WebAssembly.Module) {
    const implemented = this.hostFunctions();
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== "function") throw new Error(`unsupported wasm import ${imp.module}.${imp.name} (${imp.kind})`);
      const fn =
        implemented[imp.name] ??
        (() => {
          throw new Error(`unimplemented host function ${imp.module}.${imp.name} (add it to subgraph/test/harness.ts)`);
        });
      (imports[imp.module] ??= {})[imp.name] = fn;
    }
    const instance = new WebAssembly.Instance(module, imports);
    this.exports = instance.exports;
    this.memory = instance.exports.memory as WebAssembly.Memory;
    (this.exports._start as () => void)();
  }

  /** Loads a built data source; fails loudly, naming the build command, when it is missing. */
  static load(wasmPath: string): MappingHarness {
    if (!existsSync(wasmPath)) {
      throw new Error(`subgraph build output ${wasmPath} is missing: run \`${BUILD_COMMAND}\` first`);
    }
    return new MappingHarness(new WebAssembly.Module(readFileSync(wasmPath)));
  }

  /** Calls a handler exported by the mapping with one event. */
  handle(handler: string, event: ChainEvent): void {
    const fn = this.exports[handler];
    if (typeof fn !== "function") throw new Error(`the mapping exports no handler named ${handler}`);
    (fn as (ptr: number) => void)(this.writeEvent(event));
  }

  /** All entities of a type, as plain objects keyed by id. */
  entities(type: string): Map<string, PlainEntity> {
    const out = new Map<string, PlainEntity>();
    for (const [id, fields] of this.store.get(type) ?? []) out.set(id, plain(fields));
    return out;
  }

  /** One entity as a plain object, or undefined. */
  entity(type: string, id: string): PlainEntity | undefined {
    const fields = this.store.get(type)?.get(id);
    return fields ? plain(fields) : undefined;
  }

  // ---------------------------------------------------------------- memory primitives

  private classId(typeId: number): number {
    let id = this.classIds.get(typeId);
    if (id === undefined) {
      id = (this.exports.id_of_type as (t: number) => number)(typeId);
      this.classIds.set(typeId, id);
    }
    return id;
  }
  private alloc(size: number, typeId: number): number {
    return (this.exports.__new as (size: number, id: number) => number)(size, this.classId(typeId));
  }
  private view(): DataView {
    return new DataView(this.memory.buffer);
  }
  private u32(ptr: number): number {
    return this.view().getUint32(ptr, true);
  }
  private setU32(ptr: number, v: number): void {
    this.view().setUint32(ptr, v, true);
  }

  private readString(ptr: number): string {
    if (ptr === 0) throw new Error("null string pointer");
    const byteLength = this.u32(ptr - 4);
    return Buffer.from(this.memory.buffer, ptr, byteLength).toString("utf16le");
  }
  private writeString(s: string): number {
    const bytes = Buffer.from(s, "utf16le");
    const ptr = this.alloc(bytes.length, TypeId.String);
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }
  /** Uint8Array / Bytes / Address / BigInt: { buffer, dataStart, byteLength }. */
  private readBytes(ptr: number): Uint8Array {
    if (ptr === 0) throw new Error("null bytes pointer");
    const dataStart = this.u32(ptr + 4);
    const byteLength = this.u32(ptr + 8);
    return Uint8Array.from(new Uint8Array(this.memory.buffer, dataStart, byteLength));
  }
  private writeBytes(bytes: Uint8Array): number {
    const buffer = this.alloc(bytes.length, TypeId.ArrayBuffer);
    new Uint8Array(this.memory.buffer, buffer, bytes.length).set(bytes);
    const ptr = this.alloc(12, TypeId.Uint8Array);
    this.setU32(ptr, buffer);
    this.setU32(ptr + 4, buffer);
    this.setU32(ptr + 8, bytes.length);
    return ptr;
  }
  private readBigInt(ptr: number): bigint {
    return leToBigInt(this.readBytes(ptr));
  }
  private writeBigInt(n: bigint): number {
    return this.writeBytes(bigIntToLe(n));
  }
  /** Array<pointer>: { buffer, dataStart, byteLength, length }. */
  private readPtrArray(ptr: number): number[] {
    const dataStart = this.u32(ptr + 4);
    const length = this.u32(ptr + 12);
    return Array.from({ length }, (_, i) => this.u32(dataStart + 4 * i));
  }
  private writePtrArray(ptrs: number[], typeId: number): number {
    const buffer = this.alloc(ptrs.length * 4, TypeId.ArrayBuffer);
    ptrs.forEach((p, i) => this.setU32(buffer + 4 * i, p));
    const ptr = this.alloc(16, typeId);
    this.setU32(ptr, buffer);
    this.setU32(ptr + 4, buffer);
    this.setU32(ptr + 8, ptrs.length * 4);
    this.setU32(ptr + 12, ptrs.length);
    return ptr;
  }
  /** A class of pointer fields, in declaration order. */
  private writeStruct(fields: number[], typeId: number): number {
    const ptr = this.alloc(fields.length * 4, typeId);
    fields.forEach((f, i) => this.setU32(ptr + 4 * i, f));
    return ptr;
  }
  /** `Value { kind: i32; data: u64 }` (store and ethereum values share the layout). */
  private writeValue(kind: number, data: bigint, typeId: number): number {
    const ptr = this.alloc(16, typeId);
    const view = this.view();
    view.setInt32(ptr, kind, true);
    view.setBigUint64(ptr + 8, BigInt.asUintN(64, data), true);
    return ptr;
  }

  // ---------------------------------------------------------------- store values and entities

  private readStoreValue(ptr: number): StoreValue {
    const view = this.view();
    const kind = view.getInt32(ptr, true);
    const data = view.getBigUint64(ptr + 8, true);
    const p = Number(data & 0xffffffffn);
    switch (kind) {
      case StoreKind.STRING:
        return { kind, value: this.readString(p) };
      case StoreKind.INT:
        return { kind, value: Number(BigInt.asIntN(32, data)) };
      case StoreKind.BIGDECIMAL:
        throw new Error("BigDecimal store values are not supported by the harness");
      case StoreKind.BOOL:
        return { kind, value: data !== 0n };
      case StoreKind.ARRAY:
        return { kind, value: this.readPtrArray(p).map((v) => this.readStoreValue(v)) };
      case StoreKind.NULL:
        return { kind, value: null };
      case StoreKind.BYTES:
        return { kind, value: this.readBytes(p) };
      case StoreKind.BIGINT:
        return { kind, value: this.readBigInt(p) };
      case StoreKind.INT8:
      case StoreKind.TIMESTAMP:
        return { kind, value: BigInt.asIntN(64, data) };
      default:
        throw new Error(`unknown store value kind ${kind}`);
    }
  }
  private writeStoreValue(v: StoreValue): number {
    switch (v.kind) {
      case StoreKind.STRING:
        return this.writeValue(v.kind, BigInt(this.writeString(v.value)), TypeId.StoreValue);
      case StoreKind.INT:
        return this.writeValue(v.kind, BigInt(v.value), TypeId.StoreValue);
      case StoreKind.BOOL:
        return this.writeValue(v.kind, v.value ? 1n : 0n, TypeId.StoreValue);
      case StoreKind.ARRAY: {
        const items = v.value.map((item) => this.writeStoreValue(item));
        return this.writeValue(v.kind, BigInt(this.writePtrArray(items, TypeId.ArrayStoreValue)), TypeId.StoreValue);
      }
      case StoreKind.NULL:
        return this.writeValue(v.kind, 0n, TypeId.StoreValue);
      case StoreKind.BYTES:
        return this.writeValue(v.kind, BigInt(this.writeBytes(v.value)), TypeId.StoreValue);
      case StoreKind.BIGINT:
        return this.writeValue(v.kind, BigInt(this.writeBigInt(v.value)), TypeId.StoreValue);
      case StoreKind.INT8:
      case StoreKind.TIMESTAMP:
        return this.writeValue(v.kind, v.value, TypeId.StoreValue);
      default:
        throw new Error(`cannot write store value kind ${v.kind}`);
    }
  }
  /** `Entity extends TypedMap<string, Value> { entries: Array<TypedMapEntry<string, Value>> }`. */
  private readEntity(ptr: number): Map<string, StoreValue> {
    const fields = new Map<string, StoreValue>();
    for (const entry of this.readPtrArray(this.u32(ptr))) {
      fields.set(this.readString(this.u32(entry)), this.readStoreValue(this.u32(entry + 4)));
    }
    return fields;
  }
  private writeEntity(fields: Map<string, StoreValue>): number {
    const entries = [...fields].map(([key, value]) =>
      this.writeStruct([this.writeString(key), this.writeStoreValue(value)], TypeId.TypedMapEntryStringStoreValue),
    );
    return this.writeStruct(
      [this.writePtrArray(entries, TypeId.ArrayTypedMapEntryStringStoreValue)],
      TypeId.TypedMapStringStoreValue,
    );
  }

  // ---------------------------------------------------------------- ethereum values and events

  private writeEthValue(type: AbiParameter, value: unknown): number {
    const t = type.type;
    const array = /^(.*)\[(\d*)\]$/.exec(t);
    if (array) {
      const inner = { ...type, type: array[1]! } as AbiParameter;
      const items = (value as unknown[]).map((item) => this.writeEthValue(inner, item));
      const kind = array[2] === "" ? EthKind.ARRAY : EthKind.FIXED_ARRAY;
      return this.writeValue(kind, BigInt(this.writePtrArray(items, TypeId.ArrayEthereumValue)), TypeId.EthereumValue);
    }
    if (t === "tuple") {
      const components = (type as { components: readonly AbiParameter[] }).components;
      const items = components.map((c, i) =>
        this.writeEthValue(c, Array.isArray(value) ? value[i] : (value as Record<string, unknown>)[c.name ?? ""]),
      );
      return this.writeValue(
        EthKind.TUPLE,
        BigInt(this.writePtrArray(items, TypeId.ArrayEthereumValue)),
        TypeId.EthereumValue,
      );
    }
    const ptrValue = (kind: number, ptr: number) => this.writeValue(kind, BigInt(ptr), TypeId.EthereumValue);
    if (t === "address") return ptrValue(EthKind.ADDRESS, this.writeBytes(fromHex(value as string)));
    if (t === "bool") return this.writeValue(EthKind.BOOL, value ? 1n : 0n, TypeId.EthereumValue);
    if (t === "string") return ptrValue(EthKind.STRING, this.writeString(value as string));
    if (t === "bytes") return ptrValue(EthKind.BYTES, this.writeBytes(fromHex(value as string)));
    if (/^bytes\d+$/.test(t)) return ptrValue(EthKind.FIXED_BYTES, this.writeBytes(fromHex(value as string)));
    if (/^uint\d*$/.test(t)) return ptrValue(EthKind.UINT, this.writeBigInt(BigInt(value as bigint | number)));
    if (/^int\d*$/.test(t)) return ptrValue(EthKind.INT, this.writeBigInt(BigInt(value as bigint | number)));
    throw new Error(`unsupported ABI type ${t}`);
  }

  private writeEvent(e: ChainEvent): number {
    const bytes = (h: string) => this.writeBytes(fromHex(h));
    const big = (n: bigint | number) => this.writeBigInt(BigInt(n));
    const optBig = (n: bigint | null | undefined) => (n === null || n === undefined ? 0 : big(n));
    const b = e.block;
    const block = this.writeStruct(
      [
        bytes(b.hash),
        bytes(b.parentHash),
        bytes(b.sha3Uncles),
        bytes(b.miner),
        bytes(b.stateRoot),
        bytes(b.transactionsRoot),
        bytes(b.receiptsRoot),
        big(b.number),
        big(b.gasUsed),
        big(b.gasLimit),
        big(b.timestamp),
        big(b.difficulty ?? 0n),
        big(b.totalDifficulty ?? 0n),
        optBig(b.size),
        optBig(b.baseFeePerGas),
      ],
      TypeId.EthereumBlock,
    );
    const t = e.transaction;
    const transaction = this.writeStruct(
      [
        bytes(t.hash),
        big(t.transactionIndex),
        bytes(t.from),
        t.to === null ? 0 : bytes(t.to),
        big(t.value),
        big(t.gas),
        big(t.gasPrice ?? 0n),
        bytes(t.input),
        big(t.nonce),
      ],
      TypeId.EthereumTransaction,
    );
    const params = e.abiEvent.inputs.map((input, i) => {
      const value = Array.isArray(e.args) ? e.args[i] : (e.args as Record<string, unknown>)[input.name ?? ""];
      if (value === undefined) throw new Error(`event ${e.abiEvent.name}: no value for parameter ${input.name ?? i}`);
      return this.writeStruct(
        [this.writeString(input.name ?? ""), this.writeEthValue(input, value)],
        TypeId.EventParam,
      );
    });
    return this.writeStruct(
      [
        bytes(e.address),
        big(e.logIndex),
        big(e.transactionLogIndex),
        0, // logType: null
        block,
        transaction,
        this.writePtrArray(params, TypeId.ArrayEventParam),
        0, // receipt: null (the manifest does not ask for receipts)
      ],
      TypeId.EthereumEvent,
    );
  }

  // ---------------------------------------------------------------- host functions

  private hostFunctions(): Record<string, (...args: never[]) => unknown> {
    const bigOp = (op: (x: bigint, y: bigint) => bigint) => (x: number, y: number) =>
      this.writeBigInt(op(this.readBigInt(x), this.readBigInt(y)));
    const table: Record<string, (...args: number[]) => unknown> = {
      abort: (msg: number, file: number, line: number, col: number) => {
        const text = msg ? this.readString(msg) : "(no message)";
        const where = file ? this.readString(file) : "?";
        throw new Error(`mapping aborted: ${text} at ${where}:${line}:${col}`);
      },
      "log.log": (level: number, msg: number) => {
        const message = this.readString(msg);
        this.logs.push({ level, message });
        // graph-node: level 0 (critical) aborts the handler.
        if (level === 0) throw new Error(`mapping logged a critical error: ${message}`);
      },
      "store.get": (entity: number, id: number) => {
        const fields = this.store.get(this.readString(entity))?.get(this.readString(id));
        return fields ? this.writeEntity(fields) : 0;
      },
      "store.get_in_block": (entity: number, id: number) => {
        // Every entity a test writes is written in "this block" for the purpose of the harness.
        const fields = this.store.get(this.readString(entity))?.get(this.readString(id));
        return fields ? this.writeEntity(fields) : 0;
      },
      "store.set": (entity: number, id: number, data: number) => {
        const type = this.readString(entity);
        const key = this.readString(id);
        const fields = this.readEntity(data);
        let table = this.store.get(type);
        if (!table) this.store.set(type, (table = new Map()));
        table.set(key, fields);
        let counts = this.setCounts.get(type);
        if (!counts) this.setCounts.set(type, (counts = new Map()));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      },
      "store.remove": (entity: number, id: number) => {
        this.store.get(this.readString(entity))?.delete(this.readString(id));
      },
      "typeConversion.bytesToHex": (ptr: number) => this.writeString(hex(this.readBytes(ptr))),
      "typeConversion.bytesToString": (ptr: number) =>
        this.writeString(Buffer.from(this.readBytes(ptr)).toString("utf8").replace(/\0/g, "")),
      "typeConversion.bigIntToString": (ptr: number) => this.writeString(this.readBigInt(ptr).toString()),
      "typeConversion.bigIntToHex": (ptr: number) => {
        const n = this.readBigInt(ptr);
        return this.writeString(n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);
      },
      "typeConversion.stringToH160": (ptr: number) => {
        const s = this.readString(ptr);
        const bytes = fromHex(s.startsWith("0x") ? s : `0x${s}`);
        if (bytes.length !== 20) throw new Error(`stringToH160: not a 20-byte address: ${s}`);
        return this.writeBytes(bytes);
      },
      "bigInt.plus": bigOp((x, y) => x + y),
      "bigInt.minus": bigOp((x, y) => x - y),
      "bigInt.times": bigOp((x, y) => x * y),
      "bigInt.dividedBy": bigOp((x, y) => {
        if (y === 0n) throw new Error("bigInt.dividedBy: division by zero");
        return x / y;
      }),
      "bigInt.mod": bigOp((x, y) => {
        if (y === 0n) throw new Error("bigInt.mod: division by zero");
        return x % y;
      }),
      "bigInt.bitOr": bigOp((x, y) => x | y),
      "bigInt.bitAnd": bigOp((x, y) => x & y),
      "bigInt.pow": (x: number, exp: number) => this.writeBigInt(this.readBigInt(x) ** BigInt(exp)),
      "bigInt.leftShift": (x: number, bits: number) => this.writeBigInt(this.readBigInt(x) << BigInt(bits)),
      "bigInt.rightShift": (x: number, bits: number) => this.writeBigInt(this.readBigInt(x) >> BigInt(bits)),
      "bigInt.fromString": (ptr: number) => this.writeBigInt(BigInt(this.readString(ptr))),
    };
    return table as Record<string, (...args: never[]) => unknown>;
  }
}

function plainValue(v: StoreValue): PlainValue {
  switch (v.kind) {
    case StoreKind.BYTES:
      return hex(v.value);
    case StoreKind.ARRAY:
      return v.value.map(plainValue);
    default:
      return v.value;
  }
}
function plain(fields: Map<string, StoreValue>): PlainEntity {
  return Object.fromEntries([...fields].map(([k, v]) => [k, plainValue(v)]));
}
