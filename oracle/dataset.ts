import type { Address, Hex } from "../core/eip712.ts";
import { bytesToHex } from "../core/eip712.ts";
import type { Statement } from "../core/earnings.ts";
import type { ReceiptVerdict } from "../core/fraud.ts";
import { keccak256Bytes } from "../core/keccak.ts";
import { canonicalRateCard, parseRateCard } from "../core/ratecard.ts";
import { BaseError } from "../core/errors.ts";
import type { EpochInputs } from "./types.ts";

/**
 * The epoch dataset: a canonical, line-oriented serialization of everything an epoch's payout
 * depends on (its inputs) and what the oracle computed from them (verdicts, statements,
 * leaves, roots). `datasetHash` = keccak256 of the exact bytes; the file is stored under that
 * hash, so anyone holding it can check it against the `EpochRoot` on-chain and recompute.
 *
 * INTERIM: issue 4 will provide `core/dataset.ts` (the canonical dataset and
 * `recomputeEpoch`); when it lands, this module becomes a thin re-export of it.
 *
 * Format (JSON Lines, UTF-8, `\n` after every line, every integer a decimal string, object
 * keys sorted, arrays in the canonical order documented in `EpochInputs`):
 *   line 1        {"t":"header", …scalar inputs, rateCard: canonical rate card}
 *   then          {"t":"registration"|"grant"|"receipt"|"heartbeat"|"founder"|"checkpoint"|
 *                   "override"|"previousLeaf", …}  — the inputs
 *   then          {"t":"verdict", …} one per receipt, {"t":"statement", …}, {"t":"leaf", …}
 *   last line     {"t":"result", root, receiptsRoot, cumulativeTotal, rateCardHash, …}
 */

export const DATASET_FORMAT = "streamr-epoch-dataset/1";

export type DatasetResult = {
  root: Hex;
  receiptsRoot: Hex;
  rateCardHash: Hex;
  cumulativeTotal: bigint;
  payoutMicroUsd: bigint;
};

export type DatasetOutputs = {
  verdicts: readonly ReceiptVerdict[];
  statements: readonly Statement[];
  leaves: readonly { account: Address; amount: bigint }[];
  result: DatasetResult;
};

export class InvalidDatasetError extends BaseError {
  override name = "InvalidDatasetError";
  constructor(reason: string) {
    super(`Invalid epoch dataset: ${reason}.`);
  }
}

/** JSON with sorted keys, bigints as decimal strings, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Serializes inputs and outputs; the bytes are what `datasetHash` commits to. */
export function encodeDataset(inputs: EpochInputs, outputs: DatasetOutputs): Uint8Array {
  const lines: string[] = [];
  const push = (t: string, body: object) => lines.push(canonicalJson({ t, ...body }));
  push("header", {
    format: DATASET_FORMAT,
    epoch: inputs.epoch,
    chainEpoch: inputs.chainEpoch,
    chainId: BigInt(inputs.domain.chainId),
    verifyingContract: inputs.domain.verifyingContract.toLowerCase(),
    coordinator: inputs.coordinator.toLowerCase(),
    epochStart: inputs.epochStart,
    epochEnd: inputs.epochEnd,
    heartbeatSlotSeconds: inputs.heartbeatSlotSeconds,
    budgetMicroUsd: inputs.budgetMicroUsd,
    rateCard: JSON.parse(canonicalRateCard(inputs.rateCard)) as object,
  });
  for (const r of inputs.registrations) push("registration", r);
  for (const g of inputs.grants) push("grant", g);
  for (const r of inputs.receipts) push("receipt", r);
  for (const h of inputs.heartbeats) push("heartbeat", h);
  for (const f of inputs.founders) push("founder", { node: f });
  for (const c of inputs.checkpoints) push("checkpoint", c);
  for (const o of inputs.overrides) push("override", o);
  for (const l of inputs.previousLeaves) push("previousLeaf", l);
  for (const v of outputs.verdicts) push("verdict", v);
  for (const s of outputs.statements) push("statement", s);
  for (const l of outputs.leaves) push("leaf", l);
  push("result", outputs.result);
  return new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
}

/** keccak256 of the dataset bytes. */
export function datasetHash(bytes: Uint8Array): Hex {
  return bytesToHex(keccak256Bytes(bytes));
}

export type DecodedDataset = {
  inputs: EpochInputs;
  /** The recorded outputs, each line as its canonical JSON (for line-by-line comparison). */
  recorded: { verdicts: string[]; statements: string[]; leaves: string[]; result: string };
};

/** Parses a dataset back into inputs (typed) and the recorded outputs (canonical lines). */
export function decodeDataset(bytes: Uint8Array): DecodedDataset {
  const text = new TextDecoder().decode(bytes);
  if (!text.endsWith("\n")) throw new InvalidDatasetError("does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== "string" || !/^(0|-?[1-9]\d*)$/.test(v))
      throw new InvalidDatasetError(`${what} is not an integer string`);
    return BigInt(v);
  };
  const header = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
  if (header.t !== "header" || header.format !== DATASET_FORMAT) throw new InvalidDatasetError("unknown format");
  const inputs: EpochInputs = {
    epoch: big(header.epoch, "epoch"),
    chainEpoch: big(header.chainEpoch, "chainEpoch"),
    domain: { chainId: Number(big(header.chainId, "chainId")), verifyingContract: header.verifyingContract as Address },
    coordinator: header.coordinator as Address,
    epochStart: big(header.epochStart, "epochStart"),
    epochEnd: big(header.epochEnd, "epochEnd"),
    heartbeatSlotSeconds: big(header.heartbeatSlotSeconds, "heartbeatSlotSeconds"),
    budgetMicroUsd: big(header.budgetMicroUsd, "budgetMicroUsd"),
    rateCard: parseRateCard(canonicalJson(header.rateCard)),
    receipts: [],
    grants: [],
    registrations: [],
    heartbeats: [],
    founders: [],
    checkpoints: [],
    overrides: [],
    previousLeaves: [],
  };
  const recorded: DecodedDataset["recorded"] = { verdicts: [], statements: [], leaves: [], result: "" };
  type Rec = Record<string, unknown>;
  const msg = (o: Rec) => o.message as Rec;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const o = JSON.parse(line) as Rec;
    switch (o.t) {
      case "registration": {
        const m = msg(o);
        inputs.registrations.push({
          message: {
            node: m.node as Address,
            payout: m.payout as Address,
            effectiveEpoch: big(m.effectiveEpoch, "effectiveEpoch"),
            nonce: big(m.nonce, "nonce"),
          },
          signature: o.signature as Hex,
        });
        break;
      }
      case "grant": {
        const m = msg(o);
        inputs.grants.push({
          message: {
            sessionId: m.sessionId as Hex,
            viewer: m.viewer as Address,
            streamId: m.streamId as Hex,
            maxBitsPerSecond: big(m.maxBitsPerSecond, "maxBitsPerSecond"),
            notBefore: big(m.notBefore, "notBefore"),
            notAfter: big(m.notAfter, "notAfter"),
          },
          signature: o.signature as Hex,
        });
        break;
      }
      case "receipt": {
        const m = msg(o);
        inputs.receipts.push({
          message: {
            sessionId: m.sessionId as Hex,
            supporter: m.supporter as Address,
            viewer: m.viewer as Address,
            seq: big(m.seq, "seq"),
            cumulativeBytes: big(m.cumulativeBytes, "cumulativeBytes"),
            timestamp: big(m.timestamp, "timestamp"),
          },
          signature: o.signature as Hex,
        });
        break;
      }
      case "heartbeat": {
        const m = msg(o);
        inputs.heartbeats.push({
          message: { node: m.node as Address, timestamp: big(m.timestamp, "timestamp") },
          signature: o.signature as Hex,
        });
        break;
      }
      case "founder":
        inputs.founders.push(o.node as Address);
        break;
      case "checkpoint":
        inputs.checkpoints.push({
          sessionId: o.sessionId as Hex,
          supporter: o.supporter as Address,
          cumulativeBytes: big(o.cumulativeBytes, "cumulativeBytes"),
          countedBytes: big(o.countedBytes, "countedBytes"),
          seq: big(o.seq, "seq"),
          timestamp: big(o.timestamp, "timestamp"),
        });
        break;
      case "override":
        inputs.overrides.push({
          node: o.node as Address,
          sessionId: (o.sessionId ?? null) as Hex | null,
          reasonCode: o.reasonCode as string,
          decision: o.decision as "include" | "exclude",
          by: o.by as string,
          note: o.note as string,
        });
        break;
      case "previousLeaf":
        inputs.previousLeaves.push({ account: o.account as Address, amount: big(o.amount, "amount") });
        break;
      case "verdict":
        recorded.verdicts.push(line);
        break;
      case "statement":
        recorded.statements.push(line);
        break;
      case "leaf":
        recorded.leaves.push(line);
        break;
      case "result":
        recorded.result = line;
        break;
      default:
        throw new InvalidDatasetError(`line ${i + 1} has unknown type ${String(o.t)}`);
    }
  }
  if (recorded.result === "") throw new InvalidDatasetError("no result line");
  return { inputs, recorded };
}

/** The canonical dataset line of a statement (what the signer compares). */
export const statementLine = (s: Statement): string => canonicalJson({ t: "statement", ...s });
