import { BaseError } from "./errors.ts";
import { createKeccakStream } from "./keccak-wasm.ts";
import type { EpochEarningsSummary, Statement } from "./earnings.ts";
import type {
  Address,
  RewardsDomain,
  SignedEpochBudget,
  SignedFlagDecision,
  SignedFounderStatus,
  SignedHeartbeat,
  SignedRateCardApproval,
  SignedSessionGrant,
  SignedSupporterRegistration,
} from "./eip712.ts";
import type { Hex } from "./hex.ts";
import type { FraudRules, ReceiptSubmission } from "./fraud.ts";
import { canonicalRateCard, parseRateCard } from "./ratecard.ts";
import type { RateCard } from "./ratecard.ts";
import type { TreeEntry } from "./tree.ts";
import type { MicroUsd } from "./units.ts";
import { REASONS } from "./verdict.ts";
import type { ReceiptVerdict, StreamCheckpoint } from "./verdict.ts";
import {
  GRANT_SHAPE,
  HEARTBEAT_SHAPE,
  isPlainSigned,
  isPlainVerdict,
  plainReceiptLine,
  plainSignedLine,
  RECEIPT_SHAPE,
  REGISTRATION_SHAPE,
  sortPlainSigned,
} from "./canonical-signed.ts";
import type { Shape } from "./canonical-signed.ts";
import { fastReceiptLine, fastSignedLine } from "./parse-lines.ts";
import type { Interner } from "./parse-lines.ts";

const SIGNED_SHAPES: Record<string, Shape> = {
  registration: REGISTRATION_SHAPE,
  grant: GRANT_SHAPE,
  heartbeat: HEARTBEAT_SHAPE,
};

/**
 * The epoch dataset: everything an epoch's payout depends on, in one canonical, streaming-
 * friendly serialization, and its `datasetHash` (the `EpochRoot` field).
 *
 * Format `streamr-epoch-dataset/2`: NDJSON (UTF-8, `\n` after every line). Every line is a
 * JSON object whose key `t` names its section; keys sorted alphabetically at every
 * level; `bigint`s as decimal strings; hex (addresses, hashes, signatures) lower-case. Lines:
 *
 * 1. one `header` (epoch, window, domain, coordinator, the predecessor — chain epoch N−1's
 *    datasetHash and root —, the budget and its signed `EpochBudget`, heartbeat slot, fraud
 *    rules, the canonical rate card and its signed `RateCardApproval`, and the number of lines
 *    of each section that follows);
 * 2. input sections, each sorted by the line's bytes: `founder` (signed `FounderStatus` per
 *    node), `registration`, `grant`, `receipt` (with its verdict), `heartbeat`, `checkpointIn`,
 *    `flagDecision` (signed), `previousLeaf`;
 * 3. output sections, sorted by key: `uptime` (by node), `statement` (by account),
 *    `checkpointOut`, `leaf` (by account);
 * 4. one `result` (summary, root, receiptsRoot, rateCardHash, registry).
 *
 * `datasetHash` = keccak256 of those bytes. `recomputeEpoch` (recompute-epoch.ts) derives
 * every output from the inputs, so anyone holding the file can check the root.
 *
 * Version 2 (from version 1): the predecessor link; every discretionary input signed by a
 * `POLICY_ROLE` key (core/policy.ts) — the budget, the rate card, founder status (now per node,
 * not per payout address) and flag decisions (which replace the resolved per-receipt overrides:
 * recompute resolves them itself); statements carry `founderCountedBytes`.
 */

export const DATASET_FORMAT = "streamr-epoch-dataset/2";

/** Chain epoch N−1 as epoch N's dataset names it: its leaves are N's previous leaves. */
export type EpochPredecessor = {
  chainEpoch: bigint;
  /** The predecessor's datasetHash, as committed on-chain. */
  datasetHash: Hex;
  /** The predecessor's payout root, as finalized on-chain. */
  root: Hex;
};

/** Everything the payout of an epoch is computed from. */
export type EpochInputs = {
  epoch: bigint;
  /** Unix seconds, inclusive. */
  epochStart: bigint;
  /** Unix seconds, exclusive. */
  epochEnd: bigint;
  domain: RewardsDomain;
  /** The coordinator key that signs session grants. */
  coordinator: Address;
  /** Chain epoch N−1 (null for the first chain epoch). */
  predecessor: EpochPredecessor | null;
  /** The epoch's funded budget, µUSD. */
  budgetMicroUsd: MicroUsd;
  /** The policy key's `EpochBudget` in force (core/policy.ts); null only in an unsigned draft. */
  budgetApproval: SignedEpochBudget | null;
  /** Uptime is measured in slots of this many seconds: a slot with a valid heartbeat is up. */
  heartbeatIntervalSeconds: bigint;
  rules: FraudRules;
  /** The rate card version in force at this epoch. */
  rateCard: RateCard;
  /** The policy key's approval of `rateCard` (null for core's built-in default card). */
  rateCardApproval: SignedRateCardApproval | null;
  /** The founder status in force of nodes of the epoch, signed (the multiplier follows the node). */
  founders: SignedFounderStatus[];
  registrations: SignedSupporterRegistration[];
  grants: SignedSessionGrant[];
  receipts: ReceiptSubmission[];
  heartbeats: SignedHeartbeat[];
  /** Stream checkpoints carried in from the previous epoch. */
  checkpoints: StreamCheckpoint[];
  /** The epoch's signed flag decisions; recompute resolves them to per-receipt overrides. */
  flagDecisions: SignedFlagDecision[];
  /** The previous epoch's leaves (cumulative entitlements). */
  previousLeaves: TreeEntry[];
};

/** A node's uptime over the epoch. */
export type NodeUptime = { node: Address; slotsUp: bigint; slots: bigint; uptimeBps: bigint };

/** What `recomputeEpoch` derives from the inputs. */
export type EpochOutputs = {
  /** One per receipt, aligned with the canonical `inputs.receipts`. */
  verdicts: ReceiptVerdict[];
  uptime: NodeUptime[];
  registry: { node: Address; payout: Address }[];
  statements: Statement[];
  summary: EpochEarningsSummary;
  checkpoints: StreamCheckpoint[];
  /** This epoch's leaves (cumulative, every account with a positive amount), sorted by account. */
  leaves: TreeEntry[];
  /** The payout tree's root (zero hash when there are no leaves). */
  root: Hex;
  /** The receipts tree's root (zero hash when no receipt counted). */
  receiptsRoot: Hex;
  rateCardHash: Hex;
};

export type EpochDataset = { inputs: EpochInputs; outputs: EpochOutputs };

export class InvalidDatasetError extends BaseError {
  override name = "InvalidDatasetError";
  readonly line: number | undefined;
  constructor(reason: string, line?: number) {
    super(`Invalid epoch dataset${line === undefined ? "" : ` (line ${line})`}: ${reason}.`);
    this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON
// ---------------------------------------------------------------------------------------------

/** Canonical JSON of a value: sorted keys, bigints as decimal strings, hex lower-cased, no `undefined`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(toCanonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = toCanonical(v);
    }
    return out;
  }
  return value;
}

/**
 * Whether `canonicalJson(a) === canonicalJson(b)`, compared directly (no strings built): for
 * comparing recomputed outputs with published ones at a million receipts.
 */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "bigint" || ta === "string" || tb === "bigint" || tb === "string") {
    if ((ta !== "bigint" && ta !== "string") || (tb !== "bigint" && tb !== "string")) return false;
    return toCanonical(a) === toCanonical(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!canonicalEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (a !== null && b !== null && ta === "object" && tb === "object") {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    let na = 0;
    for (const key in ra) {
      if (!Object.hasOwn(ra, key) || ra[key] === undefined) continue;
      na++;
      if (!Object.hasOwn(rb, key) || !canonicalEqual(ra[key], rb[key])) return false;
    }
    let nb = 0;
    for (const key in rb) if (Object.hasOwn(rb, key) && rb[key] !== undefined) nb++;
    return na === nb;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fields whose decimal strings are bigints when read back (every other string stays a string). */
const BIGINT_FIELDS = new Set([
  "epoch",
  "epochStart",
  "epochEnd",
  "budgetMicroUsd",
  "heartbeatIntervalSeconds",
  "bitrateToleranceBps",
  "bitrateBurstSeconds",
  "offlineToleranceSeconds",
  "outlierMedianMultiple",
  "outlierMinBytes",
  "maxBitsPerSecond",
  "notBefore",
  "notAfter",
  "seq",
  "cumulativeBytes",
  "countedBytes",
  "claimedBytes",
  "timestamp",
  "effectiveEpoch",
  "issuedAt",
  "fromEpoch",
  "version",
  "chainEpoch",
  "founderCountedBytes",
  "nonce",
  "amount",
  "slotsUp",
  "slots",
  "uptimeBps",
  "rateCardVersion",
  "ratePerGbMicroUsd",
  "multiplierBps",
  "uptimeBonusBps",
  "earnedMicroUsd",
  "scaledFloorMicroUsd",
  "remainderMicroUsd",
  "payoutMicroUsd",
  "previousCumulativeMicroUsd",
  "cumulativeMicroUsd",
  "unallocatedMicroUsd",
  "numerator",
  "denominator",
  "bytes",
  "medianBytes",
  "thresholdBytes",
]);

function revive(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === "string" && BIGINT_FIELDS.has(key) && /^-?(0|[1-9]\d*)$/.test(value)) return BigInt(value);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

const INPUT_SECTIONS = [
  "founder",
  "registration",
  "grant",
  "receipt",
  "heartbeat",
  "checkpointIn",
  "flagDecision",
  "previousLeaf",
] as const;
const OUTPUT_SECTIONS = ["uptime", "statement", "checkpointOut", "leaf"] as const;
type Section = (typeof INPUT_SECTIONS)[number] | (typeof OUTPUT_SECTIONS)[number];

const line = (t: Section | "header" | "result", body: object): string => canonicalJson({ ...body, t });

/**
 * Arrays `canonicalizeInputs` returned in canonical order with every item plain (see
 * core/canonical-signed.ts): serialized without sorting, by the fast line templates. Such an
 * array must not be modified afterwards (core never does).
 */
const canonicalArrays = new WeakSet<readonly unknown[]>();

const VERDICT_STATUSES: ReadonlySet<string> = new Set(["accepted", "clipped", "flagged", "rejected", "duplicate"]);
const REASON_CODES: ReadonlySet<string> = new Set(Object.keys(REASONS));

/** A section's lines: lazily in the items' order when canonical, else built and sorted. */
function signedLines<T>(items: readonly T[], shape: Shape, t: Section): Iterable<string> {
  if (canonicalArrays.has(items)) return mapLazy(items, (item) => plainSignedLine(item, shape, t));
  return items.map((item) => line(t, item as object)).sort();
}

function* mapLazy<T>(items: readonly T[], fn: (item: T, i: number) => string): Generator<string> {
  for (let i = 0; i < items.length; i++) yield fn(items[i]!, i);
}

/** The receipt lines, each with its verdict (`index` dropped). */
function receiptLines(inputs: EpochInputs, verdicts: readonly ReceiptVerdict[]): Iterable<string> {
  const generic = (r: ReceiptSubmission, i: number) => {
    const { index: _index, ...verdict } = verdicts[i]!;
    return line("receipt", { ...r, verdict });
  };
  if (canonicalArrays.has(inputs.receipts))
    return mapLazy(inputs.receipts, (r, i) =>
      isPlainVerdict(verdicts[i]!, VERDICT_STATUSES, REASON_CODES) ? plainReceiptLine(r, verdicts[i]!) : generic(r, i),
    );
  // stable sort by the receipt alone: identical receipts keep their verdicts' order
  return inputs.receipts
    .map((r, i) => ({ key: canonicalJson(r), r, i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ r, i }) => generic(r, i));
}

/** The lines of each input section, in canonical order, receipts paired with verdicts. */
function inputLines(dataset: EpochDataset): Record<(typeof INPUT_SECTIONS)[number], Iterable<string>> {
  const { inputs, outputs } = dataset;
  if (outputs.verdicts.length !== inputs.receipts.length)
    throw new InvalidDatasetError("one verdict per receipt is required");
  const sorted = (lines: string[]) => lines.sort();
  return {
    founder: sorted(inputs.founders.map((f) => line("founder", f))),
    registration: signedLines(inputs.registrations, REGISTRATION_SHAPE, "registration"),
    grant: signedLines(inputs.grants, GRANT_SHAPE, "grant"),
    receipt: receiptLines(inputs, outputs.verdicts),
    heartbeat: signedLines(inputs.heartbeats, HEARTBEAT_SHAPE, "heartbeat"),
    checkpointIn: sorted(inputs.checkpoints.map((c) => line("checkpointIn", c))),
    flagDecision: sorted(inputs.flagDecisions.map((d) => line("flagDecision", d))),
    previousLeaf: sorted(inputs.previousLeaves.map((l) => line("previousLeaf", l))),
  };
}

/**
 * The dataset's canonical lines (without newlines), in order. A generator: a large epoch can
 * be written or hashed line by line.
 *
 * @example
 * for (const l of serializeDataset(dataset)) stream.write(`${l}\n`);
 */
export function* serializeDataset(dataset: EpochDataset): Generator<string> {
  const { inputs, outputs } = dataset;
  const sections = inputLines(dataset);
  const out = {
    uptime: [...outputs.uptime].sort(by((u) => u.node)).map((u) => line("uptime", u)),
    statement: [...outputs.statements].sort(by((s) => s.account)).map((s) => line("statement", s)),
    checkpointOut: outputs.checkpoints.map((c) => line("checkpointOut", c)).sort(),
    leaf: [...outputs.leaves].sort(by((l) => l.account.toLowerCase())).map((l) => line("leaf", l)),
  };
  const counts: Record<string, number> = {
    founder: inputs.founders.length,
    registration: inputs.registrations.length,
    grant: inputs.grants.length,
    receipt: inputs.receipts.length,
    heartbeat: inputs.heartbeats.length,
    checkpointIn: inputs.checkpoints.length,
    flagDecision: inputs.flagDecisions.length,
    previousLeaf: inputs.previousLeaves.length,
  };
  for (const s of OUTPUT_SECTIONS) counts[s] = out[s].length;
  yield line("header", {
    format: DATASET_FORMAT,
    epoch: inputs.epoch,
    epochStart: inputs.epochStart,
    epochEnd: inputs.epochEnd,
    domain: inputs.domain,
    coordinator: inputs.coordinator,
    predecessor: inputs.predecessor,
    budgetMicroUsd: inputs.budgetMicroUsd,
    budgetApproval: inputs.budgetApproval,
    heartbeatIntervalSeconds: inputs.heartbeatIntervalSeconds,
    rules: inputs.rules,
    rateCard: canonicalRateCard(inputs.rateCard),
    rateCardApproval: inputs.rateCardApproval,
    counts,
  });
  for (const s of INPUT_SECTIONS) yield* sections[s];
  for (const s of OUTPUT_SECTIONS) yield* out[s];
  yield line("result", {
    summary: outputs.summary,
    root: outputs.root,
    receiptsRoot: outputs.receiptsRoot,
    rateCardHash: outputs.rateCardHash,
    registry: [...outputs.registry].sort(by((r) => r.node)),
  });
}

const by =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

/** The whole canonical serialization as one string (every line ends with `\n`). */
export function serializeDatasetToString(dataset: EpochDataset): string {
  let s = "";
  for (const chunk of serializeDatasetChunks(dataset)) s += chunk;
  return s;
}

/** Default size of a serialization chunk, in UTF-16 code units (~1 MiB of mostly ASCII). */
export const DATASET_CHUNK_CHARS = 1 << 20;

/**
 * The canonical serialization in chunks of whole lines (each line ending with `\n`), about
 * `chunkChars` long: the bytes of a large epoch can be hashed and written chunk by chunk,
 * never held whole (at a million receipts the file is ~0.6 GB).
 *
 * @example
 * for (const chunk of serializeDatasetChunks(dataset)) { const b = Buffer.from(chunk); hasher.update(b); write(b); }
 */
export function* serializeDatasetChunks(dataset: EpochDataset, chunkChars = DATASET_CHUNK_CHARS): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const l of serializeDataset(dataset)) {
    parts.push(l);
    size += l.length + 1;
    if (size >= chunkChars) {
      parts.push("");
      yield parts.join("\n");
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) {
    parts.push("");
    yield parts.join("\n");
  }
}

// One streaming keccak for the dataset hash (synchronous; see keccak-wasm.ts).
const hasher = createKeccakStream();

/**
 * `datasetHash` (the `EpochRoot` field): keccak256 of the canonical serialization's UTF-8
 * bytes, streamed chunk by chunk. Equals `keccak256(toBytes(serializeDatasetToString(d)))` in viem.
 *
 * @example
 * const hash = datasetHash(dataset); // "0x…"
 */
export function datasetHash(dataset: EpochDataset): Hex {
  hasher.init();
  for (const chunk of serializeDatasetChunks(dataset)) hasher.update(Buffer.from(chunk, "utf8"));
  return `0x${hasher.digest("hex")}`;
}

/**
 * Parses a dataset from its bytes in chunks (any split, even inside a UTF-8 character) and
 * hashes them as it goes: the file is never held whole. `datasetHash` is keccak256 of all the
 * bytes read — compare it with the hash signed before trusting the dataset.
 *
 * @throws {InvalidDatasetError}
 * @example
 * const { dataset, datasetHash } = parseDatasetChunks(readChunks(file));
 */
export function parseDatasetChunks(chunks: Iterable<Uint8Array>): { dataset: EpochDataset; datasetHash: Hex } {
  hasher.init();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  function* lines(): Generator<string> {
    let rest = "";
    for (const chunk of chunks) {
      hasher.update(chunk);
      let text: string;
      try {
        text = rest + decoder.decode(chunk, { stream: true });
      } catch (cause) {
        throw new InvalidDatasetError(`not UTF-8 (${String(cause)})`);
      }
      const parts = text.split("\n");
      rest = parts.pop()!;
      yield* parts;
    }
    rest += decoder.decode();
    if (rest !== "") yield rest;
  }
  const dataset = parseDataset(lines());
  return { dataset, datasetHash: `0x${hasher.digest("hex")}` };
}

/**
 * Reads a dataset back from its lines (the inverse of `serializeDataset`). Sections come back
 * in canonical order, so `verdicts[i]` is the verdict of `receipts[i]`.
 *
 * @example
 * const dataset = parseDataset(text.split("\n"));
 */
export function parseDataset(lines: Iterable<string>): EpochDataset {
  let header: Record<string, unknown> | undefined;
  let result: Record<string, unknown> | undefined;
  const rows: Record<string, Record<string, unknown>[]> = {};
  const receipts: ReceiptSubmission[] = [];
  const verdicts: ReceiptVerdict[] = [];
  const strings: Interner = new Map();
  let n = 0;
  for (const raw of lines) {
    n++;
    if (raw === "") continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(raw) as Record<string, unknown>;
    } catch (cause) {
      throw new InvalidDatasetError(`not JSON (${String(cause)})`, n);
    }
    // The large sections in plain form are revived field by field (core/parse-lines.ts);
    // anything else through the generic reviver: the same values either way.
    const t = obj.t;
    if (t === "receipt") {
      const fast = fastReceiptLine(obj, verdicts.length, strings);
      if (fast) {
        receipts.push(fast.receipt);
        verdicts.push(fast.verdict);
        continue;
      }
    } else if (typeof t === "string" && t in SIGNED_SHAPES) {
      const fast = fastSignedLine(obj, SIGNED_SHAPES[t]!);
      if (fast) {
        (rows[t] ??= []).push(fast);
        continue;
      }
    }
    const { t: _t, ...body } = JSON.parse(raw, revive) as Record<string, unknown>;
    if (t === "header") header = body;
    else if (t === "result") result = body;
    else if (t === "receipt") {
      const { verdict, ...r } = body as ReceiptSubmission & { verdict: Omit<ReceiptVerdict, "index"> };
      receipts.push(r);
      verdicts.push({ index: verdicts.length, ...verdict });
    } else if (typeof t === "string" && ([...INPUT_SECTIONS, ...OUTPUT_SECTIONS] as string[]).includes(t))
      (rows[t] ??= []).push(body);
    else throw new InvalidDatasetError(`unknown line type ${String(t)}`, n);
  }
  rows.receipt = receipts;
  if (!header || header.format !== DATASET_FORMAT) throw new InvalidDatasetError(`missing ${DATASET_FORMAT} header`);
  if (!result) throw new InvalidDatasetError("missing result line");
  const counts = header.counts as Record<string, number>;
  for (const s of [...INPUT_SECTIONS, ...OUTPUT_SECTIONS])
    if ((rows[s]?.length ?? 0) !== counts[s])
      throw new InvalidDatasetError(`section ${s} has ${rows[s]?.length ?? 0} lines, header says ${counts[s]}`);
  for (const key of ["predecessor", "budgetApproval", "rateCardApproval"])
    if (header[key] === undefined) throw new InvalidDatasetError(`header has no ${key} (null when there is none)`);
  const get = <T>(s: Section) => (rows[s] ?? []) as T[];
  const domain = header.domain as RewardsDomain;
  const inputs: EpochInputs = {
    epoch: header.epoch as bigint,
    epochStart: header.epochStart as bigint,
    epochEnd: header.epochEnd as bigint,
    domain,
    coordinator: header.coordinator as Address,
    predecessor: header.predecessor as EpochPredecessor | null,
    budgetMicroUsd: header.budgetMicroUsd as bigint,
    budgetApproval: header.budgetApproval as SignedEpochBudget | null,
    heartbeatIntervalSeconds: header.heartbeatIntervalSeconds as bigint,
    rules: header.rules as FraudRules,
    rateCard: parseRateCard(header.rateCard as string),
    rateCardApproval: header.rateCardApproval as SignedRateCardApproval | null,
    founders: get("founder"),
    registrations: get("registration"),
    grants: get("grant"),
    receipts,
    heartbeats: get("heartbeat"),
    checkpoints: get("checkpointIn"),
    flagDecisions: get("flagDecision"),
    previousLeaves: get("previousLeaf"),
  };
  const outputs: EpochOutputs = {
    verdicts,
    uptime: get("uptime"),
    registry: result.registry as EpochOutputs["registry"],
    statements: get("statement"),
    summary: result.summary as EpochEarningsSummary,
    checkpoints: get("checkpointOut"),
    leaves: get("leaf"),
    root: result.root as Hex,
    receiptsRoot: result.receiptsRoot as Hex,
    rateCardHash: result.rateCardHash as Hex,
  };
  return { inputs, outputs };
}

/**
 * The inputs in canonical form: hex lower-cased and every section in the order the dataset
 * lists it (so verdict indices match the serialized receipts). `recomputeEpoch` runs on this.
 *
 * Signed sections whose items are all plain (core/canonical-signed.ts) keep their items as
 * they are (already canonical) and are only sorted — linear when already in order; any other
 * section goes through the generic canonical-JSON round trip. `form: "trusted"`: the caller
 * guarantees its hex strings are lower-case and its items have exactly their fields (the
 * oracle's repositories build them from bytea so), and only the types are checked.
 */
export function canonicalizeInputs(inputs: EpochInputs, options: { form?: "check" | "trusted" } = {}): EpochInputs {
  const trusted = options.form === "trusted";
  const sortCanon = <T>(items: readonly T[]): T[] =>
    items
      .map((item) => [canonicalJson(item), item] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([json]) => JSON.parse(json, revive) as T);
  const sortSigned = <T>(items: readonly T[], shape: Shape): T[] => {
    if (canonicalArrays.has(items)) return items as T[];
    if (!items.every((item) => isPlainSigned(item, shape, trusted))) return sortCanon(items);
    const out = sortPlainSigned(items, shape);
    canonicalArrays.add(out);
    return out;
  };
  const canon = <T>(value: T): T => (value === null ? value : (JSON.parse(canonicalJson(value), revive) as T));
  return {
    ...inputs,
    domain: { ...inputs.domain, verifyingContract: inputs.domain.verifyingContract.toLowerCase() as Address },
    coordinator: inputs.coordinator.toLowerCase() as Address,
    predecessor: canon(inputs.predecessor),
    budgetApproval: canon(inputs.budgetApproval),
    rateCardApproval: canon(inputs.rateCardApproval),
    founders: sortCanon(inputs.founders),
    registrations: sortSigned(inputs.registrations, REGISTRATION_SHAPE),
    grants: sortSigned(inputs.grants, GRANT_SHAPE),
    receipts: sortSigned(inputs.receipts, RECEIPT_SHAPE),
    heartbeats: sortSigned(inputs.heartbeats, HEARTBEAT_SHAPE),
    checkpoints: sortCanon(inputs.checkpoints),
    flagDecisions: sortCanon(inputs.flagDecisions),
    previousLeaves: sortCanon(inputs.previousLeaves),
  };
}
