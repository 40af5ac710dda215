/**
 * Fast revival of the dataset's large sections when parsing (core/dataset.ts `parseDataset`):
 * a line of a signed section (receipt with its verdict, grant, registration, heartbeat) that
 * has exactly its fixed keys is revived field by field, building the section's objects
 * directly. The result equals the generic reviver's (decimal strings of bigint fields become
 * `bigint`s; nothing else changes); a line with any other key set returns `undefined` and
 * takes the generic path.
 */
import type { Shape } from "./canonical-signed.ts";
import type { ReceiptSubmission } from "./fraud.ts";
import { RECEIPT_SHAPE } from "./canonical-signed.ts";
import type { Address, Hex } from "./eip712.ts";
import type { ReceiptVerdict } from "./verdict.ts";

/** What the generic reviver turns into a `bigint` (dataset.ts `revive`). */
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

/** Anything a JSON string would escape (or could not hold raw): such a line takes JSON.parse. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const ESCAPED = /[\u0000-\u001f\\]/;

/**
 * A receipt line in exactly the form core writes it (core/canonical-signed.ts
 * `plainReceiptLine`: fixed keys in canonical order, no whitespace, no escapes, no override),
 * read by matching that template — no JSON.parse and none of its intermediate objects. The
 * values are what JSON.parse and the reviver would give; any other line returns `undefined`
 * (and goes through JSON.parse).
 */
export function templateReceiptLine(
  raw: string,
  index: number,
  strings?: Interner,
): { receipt: ReceiptSubmission; verdict: ReceiptVerdict } | undefined {
  if (!raw.startsWith('{"message":{"cumulativeBytes":"') || ESCAPED.test(raw)) return undefined;
  let pos = 31;
  const value = (next: string): string | undefined => {
    const end = raw.indexOf('"', pos);
    if (end < 0 || !raw.startsWith(next, end)) return undefined;
    const v = raw.slice(pos, end);
    pos = end + next.length;
    return v;
  };
  const cumulativeBytes = value('","seq":"');
  const seq = cumulativeBytes === undefined ? undefined : value('","sessionId":"');
  const sessionId = seq === undefined ? undefined : value('","supporter":"');
  const supporter = sessionId === undefined ? undefined : value('","timestamp":"');
  const timestamp = supporter === undefined ? undefined : value('","viewer":"');
  const viewer = timestamp === undefined ? undefined : value('"},"signature":"');
  const signature = viewer === undefined ? undefined : value('","t":"receipt","verdict":{"claimedBytes":"');
  const claimedBytes = signature === undefined ? undefined : value('","countedBytes":"');
  const countedBytes = claimedBytes === undefined ? undefined : value('","id":');
  if (countedBytes === undefined) return undefined;
  let id: string | null;
  if (raw.startsWith("null", pos)) {
    id = null;
    pos += 4;
  } else if (raw[pos] === '"') {
    pos++;
    const v = value('"');
    if (v === undefined) return undefined;
    id = v;
  } else return undefined;
  if (!raw.startsWith(',"reasons":[', pos)) return undefined;
  pos += 12;
  const reasons: string[] = [];
  if (raw[pos] === "]") pos++;
  else
    for (;;) {
      if (raw[pos] !== '"') return undefined;
      pos++;
      const end = raw.indexOf('"', pos);
      if (end < 0) return undefined;
      reasons.push(raw.slice(pos, end));
      pos = end + 1;
      if (raw[pos] === "]") {
        pos++;
        break;
      }
      if (raw[pos] !== ",") return undefined;
      pos++;
    }
  if (!raw.startsWith(',"status":"', pos)) return undefined;
  pos += 11;
  const status = value('"}}');
  if (status === undefined || pos !== raw.length) return undefined;
  for (const d of [cumulativeBytes!, seq!, timestamp!, claimedBytes!, countedBytes])
    if (!DECIMAL.test(d)) return undefined;
  return {
    receipt: {
      message: {
        cumulativeBytes: BigInt(cumulativeBytes!),
        seq: BigInt(seq!),
        sessionId: intern(strings, sessionId!) as Hex,
        supporter: intern(strings, supporter!) as Address,
        timestamp: BigInt(timestamp!),
        viewer: intern(strings, viewer!) as Address,
      },
      signature: signature! as Hex,
    },
    verdict: {
      index,
      id: id as ReceiptVerdict["id"],
      status: status as ReceiptVerdict["status"],
      reasons: reasons as ReceiptVerdict["reasons"],
      claimedBytes: BigInt(claimedBytes!),
      countedBytes: BigInt(countedBytes),
    },
  };
}
