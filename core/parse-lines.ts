/**
 * Fast revival of the dataset's large sections when parsing (core/dataset/parse.ts `parseDataset`):
 * a line of a signed section (receipt with its verdict, grant, registration, heartbeat) that
 * has exactly its fixed keys is revived field by field, building the section's objects
 * directly. The result equals the generic reviver's (decimal strings of bigint fields become
 * `bigint`s; nothing else changes); a line with any other key set returns `undefined` and
 * takes the generic path.
 */
import type { Shape } from "./canonical-signed.ts";
import type { ReceiptSubmission } from "./fraud.ts";
import { RECEIPT_SHAPE } from "./canonical-signed.ts";
import type { ReceiptVerdict } from "./verdict.ts";

/** What the generic reviver turns into a `bigint` (core/dataset/canonical-json.ts `revive`). */
const DECIMAL = /^-?(0|[1-9]\d*)$/;

type Json = Record<string, unknown>;

function keyCount(o: Json): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Shares equal strings: a session id, supporter and viewer repeat along a stream (ten
 * receipts a stream is typical), and a million parsed copies cost ~200 MB.
 */
export type Interner = Map<string, string>;

const intern = (strings: Interner | undefined, v: string): string => {
  if (strings === undefined) return v;
  const seen = strings.get(v);
  if (seen !== undefined) return seen;
  strings.set(v, v);
  return v;
};

/** The message of a signed line, revived, or undefined when its keys are not exactly `shape`'s. */
function message(m: unknown, shape: Shape, strings?: Interner): Json | undefined {
  if (!isObject(m) || keyCount(m) !== shape.length) return undefined;
  const out: Json = {};
  for (const [name, kind] of shape) {
    const v = m[name];
    if (typeof v !== "string") return undefined;
    if (kind === "big") {
      if (!DECIMAL.test(v)) return undefined;
      out[name] = BigInt(v);
    } else out[name] = intern(strings, v);
  }
  return out;
}

/** `{ message, signature }` of a grant, registration or heartbeat line (keys message, signature, t). */
export function fastSignedLine(obj: Json, shape: Shape): Json | undefined {
  if (typeof obj.signature !== "string" || keyCount(obj) !== 3) return undefined;
  const m = message(obj.message, shape);
  return m && { message: m, signature: obj.signature };
}

/** A receipt line (keys message, signature, t, verdict without override) as receipt and verdict. */
export function fastReceiptLine(
  obj: Json,
  index: number,
  strings?: Interner,
): { receipt: ReceiptSubmission; verdict: ReceiptVerdict } | undefined {
  if (typeof obj.signature !== "string" || keyCount(obj) !== 4) return undefined;
  const v = obj.verdict;
  if (!isObject(v) || keyCount(v) !== 5) return undefined;
  const { claimedBytes, countedBytes, id, reasons, status } = v;
  if (typeof claimedBytes !== "string" || !DECIMAL.test(claimedBytes)) return undefined;
  if (typeof countedBytes !== "string" || !DECIMAL.test(countedBytes)) return undefined;
  if ((id !== null && typeof id !== "string") || typeof status !== "string" || !Array.isArray(reasons))
    return undefined;
  for (const r of reasons) if (typeof r !== "string") return undefined;
  const m = message(obj.message, RECEIPT_SHAPE, strings);
  if (!m) return undefined;
  return {
    receipt: { message: m, signature: obj.signature } as unknown as ReceiptSubmission,
    verdict: {
      index,
      id: id as ReceiptVerdict["id"],
      status: status as ReceiptVerdict["status"],
      reasons: reasons as ReceiptVerdict["reasons"],
      claimedBytes: BigInt(claimedBytes),
      countedBytes: BigInt(countedBytes),
    },
  };
}
