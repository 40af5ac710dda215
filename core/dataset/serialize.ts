/**
 * Takes an epoch dataset and hands on its canonical `streamr-epoch-dataset/2` serialization — as
 * lines, chunks or one string — and its `datasetHash`, streamed: a large epoch is never held whole.
 */
import { createKeccakStream } from "../keccak-wasm.ts";
import type { Hex } from "../hex.ts";
import type { ReceiptSubmission } from "../fraud.ts";
import { canonicalRateCard } from "../ratecard.ts";
import { REASONS } from "../verdict.ts";
import type { ReceiptVerdict } from "../verdict.ts";
import {
  GRANT_SHAPE,
  HEARTBEAT_SHAPE,
  isPlainVerdict,
  plainReceiptLine,
  plainSignedLine,
  REGISTRATION_SHAPE,
} from "../canonical-signed.ts";
import type { Shape } from "../canonical-signed.ts";
import { canonicalArrays } from "./canonicalize.ts";
import { canonicalJson } from "./canonical-json.ts";
import { DATASET_FORMAT, INPUT_SECTIONS, InvalidDatasetError, OUTPUT_SECTIONS } from "./types.ts";
import type { EpochDataset, EpochInputs, Section } from "./types.ts";

const line = (t: Section | "header" | "result", body: object): string => canonicalJson({ ...body, t });

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
