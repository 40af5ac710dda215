/**
 * Takes a dataset's bytes (in chunks, hashing them as it goes) or its lines and hands on the
 * `EpochDataset` they hold, checked against the header's format and section counts.
 */
import { createKeccakStream } from "../keccak-wasm.ts";
import type { EpochEarningsSummary } from "../earnings.ts";
import type { Address, RewardsDomain } from "../eip712/domain.ts";
import type { SignedEpochBudget, SignedRateCardApproval } from "../eip712/policy.ts";
import type { Hex } from "../hex.ts";
import type { FraudRules, ReceiptSubmission } from "../fraud.ts";
import { parseRateCard } from "../ratecard.ts";
import type { ReceiptVerdict } from "../verdict.ts";
import { GRANT_SHAPE, HEARTBEAT_SHAPE, REGISTRATION_SHAPE } from "../canonical-signed.ts";
import type { Shape } from "../canonical-signed.ts";
import { fastReceiptLine, fastSignedLine } from "../parse-lines.ts";
import type { Interner } from "../parse-lines.ts";
import { revive } from "./canonical-json.ts";
import { DATASET_FORMAT, INPUT_SECTIONS, InvalidDatasetError, OUTPUT_SECTIONS } from "./types.ts";
import type { EpochDataset, EpochInputs, EpochOutputs, EpochPredecessor, Section } from "./types.ts";

const SIGNED_SHAPES: Record<string, Shape> = {
  registration: REGISTRATION_SHAPE,
  grant: GRANT_SHAPE,
  heartbeat: HEARTBEAT_SHAPE,
};

// One streaming keccak for hashing the bytes parsed (synchronous; see keccak-wasm.ts).
const hasher = createKeccakStream();

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
