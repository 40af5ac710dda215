/**
 * The epoch dataset's types: what `recomputeEpoch` takes in (`EpochInputs`) and hands on
 * (`EpochOutputs`), the format name and section names, and the error a bad dataset raises.
 *
 * serialize.ts writes a dataset, parse.ts reads one back, canonicalize.ts puts inputs in
 * canonical form and canonical-json.ts holds the canonical JSON both sides share.
 */
import { BaseError } from "../errors.ts";
import type { EpochEarningsSummary, Statement } from "../earnings.ts";
import type { Address, RewardsDomain } from "../eip712/domain.ts";
import type {
  SignedEpochBudget,
  SignedFlagDecision,
  SignedFounderStatus,
  SignedRateCardApproval,
} from "../eip712/policy.ts";
import type { SignedHeartbeat } from "../eip712/receipts.ts";
import type { SignedSessionGrant, SignedSupporterRegistration } from "../eip712/sessions.ts";
import type { Hex } from "../hex.ts";
import type { FraudRules, ReceiptSubmission } from "../fraud.ts";
import type { RateCard } from "../ratecard.ts";
import type { TreeEntry } from "../tree.ts";
import type { MicroUsd } from "../units.ts";
import type { ReceiptVerdict, StreamCheckpoint } from "../verdict.ts";

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

/** The input sections, in the order the dataset lists them. */
export const INPUT_SECTIONS = [
  "founder",
  "registration",
  "grant",
  "receipt",
  "heartbeat",
  "checkpointIn",
  "flagDecision",
  "previousLeaf",
] as const;
/** The output sections, in the order the dataset lists them. */
export const OUTPUT_SECTIONS = ["uptime", "statement", "checkpointOut", "leaf"] as const;
export type Section = (typeof INPUT_SECTIONS)[number] | (typeof OUTPUT_SECTIONS)[number];
