import type { Address } from "../core/eip712/domain.ts";
import type { Heartbeat, Receipt } from "../core/eip712/receipts.ts";
import type { Hex } from "../core/hex.ts";

/**
 * Item parsers for batch routes: each item is checked on its own, so a malformed item is
 * answered `rejected MALFORMED` without failing the rest of its batch.
 */

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
/** int8's ceiling: uint64 fields are stored as int8, so the API accepts 0 … 2^63 − 1. */
export const MAX_INT8 = 2n ** 63n - 1n;

/** Whether `s` is a plain decimal (no sign, no leading zero) of 0 … 2^63 − 1. */
export function isInt8Decimal(s: unknown): s is string {
  return typeof s === "string" && /^(0|[1-9][0-9]{0,18})$/.test(s) && BigInt(s) <= MAX_INT8;
}
const MAX_UINT256 = 2n ** 256n - 1n;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function uint(value: unknown, field: string, max: bigint): bigint | string {
  let v: bigint;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) return `${field}: expected a non-negative integer`;
    v = BigInt(value);
  } else if (typeof value === "string" && DECIMAL.test(value)) v = BigInt(value);
  else return `${field}: expected a non-negative integer or decimal string`;
  if (v > max) return `${field}: exceeds ${max}`;
  return v;
}

function hex(value: unknown, re: RegExp, field: string, what: string): string {
  return typeof value === "string" && re.test(value) ? value.toLowerCase() : `${field}: expected ${what}`;
}

export type ReceiptItem = {
  receipt: Receipt;
  signature: Hex;
  /** The domain the client says it signed for, when given. */
  claimedDomain: { chainId?: number; verifyingContract?: Address } | undefined;
};

const RECEIPT_FIELDS = new Set([
  "sessionId",
  "supporter",
  "viewer",
  "seq",
  "cumulativeBytes",
  "timestamp",
  "signature",
  "domain",
]);
const HEARTBEAT_FIELDS = new Set(["node", "timestamp", "signature"]);

export function parseReceiptItem(raw: unknown): Parsed<ReceiptItem> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { ok: false, message: "expected an object" };
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).find((k) => !RECEIPT_FIELDS.has(k));
  if (unknown !== undefined) return { ok: false, message: `unknown field ${JSON.stringify(unknown)}; remove it` };
  const sessionId = hex(r.sessionId, BYTES32, "sessionId", "0x + 64 hex digits");
  const supporter = hex(r.supporter, ADDRESS, "supporter", "0x + 40 hex digits");
  const viewer = hex(r.viewer, ADDRESS, "viewer", "0x + 40 hex digits");
  const signature = hex(r.signature, SIGNATURE, "signature", "0x + 130 hex digits");
  const seq = uint(r.seq, "seq", MAX_INT8);
  const cumulativeBytes = uint(r.cumulativeBytes, "cumulativeBytes", MAX_UINT256);
  const timestamp = uint(r.timestamp, "timestamp", MAX_INT8);
  for (const v of [sessionId, supporter, viewer, signature, seq, cumulativeBytes, timestamp])
    if (typeof v === "string" && !v.startsWith("0x")) return { ok: false, message: v };
  let claimedDomain: ReceiptItem["claimedDomain"];
  if (r.domain !== undefined) {
    const d = r.domain as Record<string, unknown>;
    if (typeof d !== "object" || d === null || Array.isArray(d))
      return { ok: false, message: "domain: expected an object" };
    const unknownInDomain = Object.keys(d).find((k) => k !== "chainId" && k !== "verifyingContract");
    if (unknownInDomain !== undefined)
      return { ok: false, message: `domain: unknown field ${JSON.stringify(unknownInDomain)}; remove it` };
    if (d.chainId !== undefined && !(typeof d.chainId === "number" && Number.isSafeInteger(d.chainId)))
      return { ok: false, message: "domain.chainId: expected an integer" };
    if (
      d.verifyingContract !== undefined &&
      !(typeof d.verifyingContract === "string" && ADDRESS.test(d.verifyingContract))
    )
      return { ok: false, message: "domain.verifyingContract: expected 0x + 40 hex digits" };
    claimedDomain = {
      ...(d.chainId === undefined ? {} : { chainId: d.chainId }),
      ...(d.verifyingContract === undefined ? {} : { verifyingContract: d.verifyingContract as Address }),
    };
  }
  return {
    ok: true,
    value: {
      receipt: {
        sessionId: sessionId as Hex,
        supporter: supporter as Address,
        viewer: viewer as Address,
        seq: seq as bigint,
        cumulativeBytes: cumulativeBytes as bigint,
        timestamp: timestamp as bigint,
      },
      signature: signature as Hex,
      claimedDomain,
    },
  };
}

export function parseHeartbeatItem(raw: unknown): Parsed<{ heartbeat: Heartbeat; signature: Hex }> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { ok: false, message: "expected an object" };
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).find((k) => !HEARTBEAT_FIELDS.has(k));
  if (unknown !== undefined) return { ok: false, message: `unknown field ${JSON.stringify(unknown)}; remove it` };
  const node = hex(r.node, ADDRESS, "node", "0x + 40 hex digits");
  const signature = hex(r.signature, SIGNATURE, "signature", "0x + 130 hex digits");
  const timestamp = uint(r.timestamp, "timestamp", MAX_INT8);
  for (const v of [node, signature, timestamp])
    if (typeof v === "string" && !v.startsWith("0x")) return { ok: false, message: v };
  return {
    ok: true,
    value: { heartbeat: { node: node as Address, timestamp: timestamp as bigint }, signature: signature as Hex },
  };
}

/** A uint64 wire value (already schema-validated) as bigint. */
export function toBigint(value: number | string): bigint {
  return BigInt(value);
}
