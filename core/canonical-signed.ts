/**
 * Fast paths of the dataset's canonical form (core/dataset/) for its large sections — the
 * signed messages (receipts with their verdicts, grants, registrations, heartbeats) — which
 * at a million receipts dominate the cost of canonicalizing, sorting and serializing.
 *
 * Each applies only to a message in *plain* form: exactly its fixed fields, bigints as
 * `bigint`, every hex string already canonical (`0x` + lower-case hex digits), no extra keys
 * (a receipt without `domain`). For such an item the generic canonical JSON is a fixed
 * template, so:
 * - `canonicalJson(item)` can be written without sorting keys or inspecting strings,
 * - the round trip `JSON.parse(canonicalJson(item), revive)` returns an equal item (so the
 *   item itself is its canonical form), and
 * - the order of two items' canonical JSON is the order of their field values compared one
 *   by one in key order (decimal strings for bigints), then the signature: every field's text
 *   consists of characters above `"`, so where two JSON texts first differ is where their
 *   first differing field values differ, and a value that is a prefix of the other sorts
 *   first in both.
 * Anything not plain takes the generic path; the results are byte-identical (tested against
 * it in core/canonical-signed.test.ts and by the golden dataset fixtures).
 */
import type { ReceiptVerdict } from "./verdict.ts";

type FieldKind = "big" | "hex";
/** The message fields of a signed type, in canonical (alphabetical) key order. */
export type Shape = readonly (readonly [name: string, kind: FieldKind])[];

export const RECEIPT_SHAPE: Shape = [
  ["cumulativeBytes", "big"],
  ["seq", "big"],
  ["sessionId", "hex"],
  ["supporter", "hex"],
  ["timestamp", "big"],
  ["viewer", "hex"],
];
export const GRANT_SHAPE: Shape = [
  ["maxBitsPerSecond", "big"],
  ["notAfter", "big"],
  ["notBefore", "big"],
  ["sessionId", "hex"],
  ["streamId", "hex"],
  ["viewer", "hex"],
];
export const REGISTRATION_SHAPE: Shape = [
  ["effectiveEpoch", "big"],
  ["node", "hex"],
  ["nonce", "big"],
  ["payout", "hex"],
];
export const HEARTBEAT_SHAPE: Shape = [
  ["node", "hex"],
  ["timestamp", "big"],
];

const CANONICAL_HEX = /^0x[0-9a-f]*$/;

type SignedLike = { message: Record<string, unknown>; signature: unknown; domain?: unknown };

/** Own keys with a defined value (what canonical JSON keeps). */
function definedKeys(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k) && (o as Record<string, unknown>)[k] !== undefined) n++;
  return n;
}

/**
 * Whether a signed item is in plain form for `shape`. `trusted`: the caller guarantees the
 * form of its strings (hex from bytea, lower-case) and keys (built by a repository), so only
 * the types are checked; otherwise every hex string and the key sets are checked too.
 */
export function isPlainSigned(item: unknown, shape: Shape, trusted: boolean): boolean {
  if (item === null || typeof item !== "object") return false;
  const s = item as SignedLike;
  const m = s.message;
  if (m === null || typeof m !== "object" || typeof s.signature !== "string" || s.domain !== undefined) return false;
  for (const [name, kind] of shape) if (typeof m[name] !== (kind === "big" ? "bigint" : "string")) return false;
  if (trusted) return true;
  if (definedKeys(s) !== 2 || definedKeys(m) !== shape.length || !CANONICAL_HEX.test(s.signature)) return false;
  for (const [name, kind] of shape) if (kind === "hex" && !CANONICAL_HEX.test(m[name] as string)) return false;
  return true;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const text = (v: unknown) => (typeof v === "bigint" ? v.toString() : (v as string));

/** The order of two plain items' canonical JSON, without building it. */
export function comparePlainSigned(a: SignedLike, b: SignedLike, shape: Shape): number {
  for (const [name] of shape) {
    const x = a.message[name];
    const y = b.message[name];
    if (x === y) continue;
    const c = cmp(text(x), text(y));
    if (c !== 0) return c;
  }
  return cmp(a.signature as string, b.signature as string);
}

/**
 * Sorts plain items into canonical order (stable). Already sorted input — what the oracle's
 * repository returns — costs one comparison per item.
 */
export function sortPlainSigned<T>(items: readonly T[], shape: Shape): T[] {
  const list = items as unknown as SignedLike[];
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++)
    if (comparePlainSigned(list[i - 1]!, list[i]!, shape) > 0) sorted = false;
  if (sorted) return items.slice();
  // the first field's text once per item (most comparisons end there)
  const first = shape[0]![0];
  const keys = list.map((s) => text(s.message[first]));
  const order = list.map((_, i) => i);
  order.sort((i, j) => cmp(keys[i]!, keys[j]!) || comparePlainSigned(list[i]!, list[j]!, shape) || i - j);
  return order.map((i) => items[i]!);
}

/** `{"message":{…},"signature":"…"` — a plain item's canonical JSON without its closing brace. */
function signedBody(s: SignedLike, shape: Shape): string {
  let out = '{"message":{';
  for (let i = 0; i < shape.length; i++) {
    const [name] = shape[i]!;
    out += `${i === 0 ? "" : ","}"${name}":"${text(s.message[name])}"`;
  }
  return `${out}},"signature":"${s.signature as string}"`;
}

/** A plain item's dataset line: `canonicalJson({ ...item, t })`. */
export function plainSignedLine(item: unknown, shape: Shape, t: string): string {
  return `${signedBody(item as SignedLike, shape)},"t":"${t}"}`;
}

/**
 * Whether a verdict has the form core's fraud rules produce: a canonical id (or null), known
 * status and reason codes, bigints, and no override (an override carries free text: generic).
 */
export function isPlainVerdict(
  v: ReceiptVerdict,
  statuses: ReadonlySet<string>,
  reasons: ReadonlySet<string>,
): boolean {
  if (v.override !== undefined || typeof v.claimedBytes !== "bigint" || typeof v.countedBytes !== "bigint")
    return false;
  if (v.id !== null && (typeof v.id !== "string" || !CANONICAL_HEX.test(v.id))) return false;
  if (!statuses.has(v.status) || !Array.isArray(v.reasons)) return false;
  for (const r of v.reasons) if (!reasons.has(r)) return false;
  return true;
}

/** A plain receipt's line with its plain verdict (`index` dropped): `canonicalJson({ ...r, t: "receipt", verdict })`. */
export function plainReceiptLine(receipt: unknown, verdict: ReceiptVerdict): string {
  const id = verdict.id === null ? "null" : `"${verdict.id}"`;
  const reasons = verdict.reasons.length === 0 ? "[]" : `["${verdict.reasons.join('","')}"]`;
  return `${signedBody(receipt as SignedLike, RECEIPT_SHAPE)},"t":"receipt","verdict":{"claimedBytes":"${verdict.claimedBytes}","countedBytes":"${verdict.countedBytes}","id":${id},"reasons":${reasons},"status":"${verdict.status}"}}`;
}
