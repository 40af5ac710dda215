import { canonicalJson } from "./dataset/canonical-json.ts";
import type { EpochDataset, EpochInputs, EpochOutputs } from "./dataset/types.ts";
import type { Address } from "./eip712/domain.ts";
import type { Hex } from "./hex.ts";
import type { TreeEntry } from "./tree.ts";
import type { StreamCheckpoint } from "./verdict.ts";

/**
 * Epochs form a chain: what an epoch's dataset carries in from before — its previous leaves and
 * its stream checkpoints — must be exactly what earlier epochs handed on. An operator who edits
 * last epoch's figures in the database otherwise passes every check of the epoch alone: the
 * dataset would recompute, its hash would match what the quorum signed, and the root would pay.
 *
 * - previous leaves = the leaves of the chain epoch before (whose root is on-chain);
 * - every checkpoint carried in = the latest checkpoint that stream reached in an earlier epoch,
 *   and no stream of the epoch's sessions that has one may be left out (a dropped checkpoint
 *   would count its bytes again).
 *
 * `ChainState` is what an auditor walking the chain keeps between epochs. Pure: no I/O.
 */

/** The first thing that differs: a section, the item in it, and both values as text. */
export type ChainLinkBreak = {
  section: "predecessor" | "previousLeaf" | "checkpointIn";
  /** An account (previous leaves) or `session/supporter` (checkpoints). */
  key: string;
  expected: string;
  found: string;
};

/** What the epochs verified so far hand on to the next. */
export type ChainState = {
  /** The chain epoch whose outputs these are (0 before the first). */
  chainEpoch: bigint;
  /** What that epoch committed on-chain: the next dataset must name exactly this predecessor. */
  commitment: EpochCommitment | null;
  /** Its leaves, by lower-case account. */
  leaves: Map<string, bigint>;
  /** The latest checkpoint of every stream seen so far, by `session/supporter` (lower case). */
  streams: Map<string, StreamCheckpoint>;
  /**
   * False when the walk started after the first epoch from a predecessor's outputs only: streams
   * last seen before that predecessor are unknown, so a carried checkpoint with no entry is not a
   * break (the report says so).
   */
  completeHistory: boolean;
};

/** A chain epoch's datasetHash and root as the distributor holds them. */
export type EpochCommitment = { datasetHash: Hex; root: Hex };

/** The state before chain epoch 1: nothing owed, no stream seen. */
export function genesisState(): ChainState {
  return { chainEpoch: 0n, commitment: null, leaves: new Map(), streams: new Map(), completeHistory: true };
}

/** A state seeded from one epoch's published outputs (a walk that starts later than epoch 1). */
export function stateFromOutputs(
  chainEpoch: bigint,
  outputs: Pick<EpochOutputs, "leaves" | "checkpoints">,
  commitment: EpochCommitment,
): ChainState {
  const state: ChainState = {
    chainEpoch,
    commitment,
    leaves: new Map(),
    streams: new Map(),
    completeHistory: false,
  };
  return advanceState(state, chainEpoch, outputs, commitment);
}

const streamKey = (c: Pick<StreamCheckpoint, "sessionId" | "supporter">) =>
  `${c.sessionId.toLowerCase()}/${c.supporter.toLowerCase()}`;

const describeCheckpoint = (c: StreamCheckpoint | undefined) =>
  c === undefined
    ? "none"
    : `cumulative ${c.cumulativeBytes} B, counted ${c.countedBytes} B, seq ${c.seq}, at ${c.timestamp}`;

/**
 * The first place where `inputs` does not carry in exactly what `state` says earlier epochs
 * handed on, or `null` when the link holds.
 *
 * @example
 * const broken = checkChainLink(state, dataset.inputs);
 * if (broken) fail(describeChainLinkBreak(epoch, broken));
 */
export function checkChainLink(
  state: ChainState,
  inputs: Pick<EpochInputs, "predecessor" | "previousLeaves" | "checkpoints" | "receipts">,
): ChainLinkBreak | null {
  const want =
    state.commitment === null
      ? "none"
      : `chain epoch ${state.chainEpoch}, datasetHash ${state.commitment.datasetHash.toLowerCase()}, root ${state.commitment.root.toLowerCase()}`;
  const p = inputs.predecessor;
  const got =
    p === null
      ? "none"
      : `chain epoch ${p.chainEpoch}, datasetHash ${p.datasetHash.toLowerCase()}, root ${p.root.toLowerCase()}`;
  if (want !== got)
    return { section: "predecessor", key: `chain epoch ${state.chainEpoch}`, expected: want, found: got };
  const carried = new Map<string, bigint>();
  for (const l of inputs.previousLeaves) {
    const account = l.account.toLowerCase();
    const expected = state.leaves.get(account);
    if (expected !== l.amount)
      return {
        section: "previousLeaf",
        key: account,
        expected: expected === undefined ? "no leaf" : `${expected} µUSD`,
        found: `${l.amount} µUSD`,
      };
    carried.set(account, l.amount);
  }
  if (carried.size !== state.leaves.size)
    for (const [account, amount] of state.leaves)
      if (!carried.has(account))
        return { section: "previousLeaf", key: account, expected: `${amount} µUSD`, found: "no leaf" };

  const carriedStreams = new Set<string>();
  for (const c of inputs.checkpoints) {
    const key = streamKey(c);
    carriedStreams.add(key);
    const expected = state.streams.get(key);
    if (expected === undefined && !state.completeHistory) continue;
    if (expected === undefined || canonicalJson(expected) !== canonicalJson(normalized(c)))
      return { section: "checkpointIn", key, expected: describeCheckpoint(expected), found: describeCheckpoint(c) };
  }
  // every stream of this epoch's sessions that reached a checkpoint before must be carried in
  const sessions = new Set(inputs.receipts.map((r) => r.message.sessionId.toLowerCase()));
  for (const [key, c] of state.streams)
    if (sessions.has(c.sessionId.toLowerCase()) && !carriedStreams.has(key))
      return { section: "checkpointIn", key, expected: describeCheckpoint(c), found: "none (left out)" };
  return null;
}

/** The state after chain epoch `chainEpoch`, whose outputs were verified. */
export function advanceState(
  state: ChainState,
  chainEpoch: bigint,
  outputs: Pick<EpochOutputs, "leaves" | "checkpoints">,
  commitment: EpochCommitment,
): ChainState {
  const leaves = new Map<string, bigint>();
  for (const l of outputs.leaves) leaves.set(l.account.toLowerCase(), l.amount);
  const streams = new Map(state.streams);
  for (const c of outputs.checkpoints) streams.set(streamKey(c), normalized(c));
  return { chainEpoch, commitment, leaves, streams, completeHistory: state.completeHistory };
}

function normalized(c: StreamCheckpoint): StreamCheckpoint {
  return {
    sessionId: c.sessionId.toLowerCase() as Hex,
    supporter: c.supporter.toLowerCase() as Address,
    cumulativeBytes: c.cumulativeBytes,
    countedBytes: c.countedBytes,
    seq: c.seq,
    timestamp: c.timestamp,
  };
}

/** One line naming the epoch, the section and the account or stream, expected vs found. */
export function describeChainLinkBreak(chainEpoch: bigint, b: ChainLinkBreak): string {
  if (b.section === "predecessor")
    return `epoch ${chainEpoch}: the dataset names its predecessor as ${b.found}, but ${b.key} committed ${b.expected}`;
  const what = b.section === "previousLeaf" ? `previous leaf of account ${b.key}` : `checkpoint of stream ${b.key}`;
  return `epoch ${chainEpoch}: the ${what} is not what epoch ${chainEpoch - 1n} handed on: expected ${b.expected}, found ${b.found}`;
}

/** The first output item that differs from its recomputation, for a failing audit's report. */
export type OutputDifference = { section: keyof EpochOutputs; key: string; expected: string; found: string };

/**
 * Names the first differing item of the first differing output section: the receipt (by id or
 * index), account, node or stream, with the recomputed (expected) and published (found) values.
 */
export function firstOutputDifference(recomputed: EpochOutputs, published: EpochOutputs): OutputDifference | null {
  for (const section of Object.keys(recomputed) as (keyof EpochOutputs)[]) {
    const want = recomputed[section] as unknown;
    const got = published[section] as unknown;
    if (canonicalJson(want) === canonicalJson(got)) continue;
    if (!Array.isArray(want) || !Array.isArray(got))
      return { section, key: section, expected: canonicalJson(want), found: canonicalJson(got) };
    const n = Math.max(want.length, got.length);
    for (let i = 0; i < n; i++) {
      const a = want[i] as unknown;
      const b = got[i] as unknown;
      if (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b)) continue;
      return {
        section,
        key: itemKey(a ?? b, i),
        expected: a === undefined ? "nothing" : canonicalJson(a),
        found: b === undefined ? "nothing" : canonicalJson(b),
      };
    }
  }
  return null;
}

function itemKey(item: unknown, index: number): string {
  if (item === null || typeof item !== "object") return `#${index}`;
  const o = item as Record<string, unknown>;
  if (typeof o.id === "string") return `receipt ${o.id}`;
  if (typeof o.index === "number") return `receipt #${o.index}`;
  if (typeof o.account === "string") return `account ${o.account}`;
  if (typeof o.node === "string") return `node ${o.node}`;
  if (typeof o.sessionId === "string" && typeof o.supporter === "string") return `stream ${o.sessionId}/${o.supporter}`;
  return `#${index}`;
}

/** One line for a report. */
export function describeOutputDifference(d: OutputDifference): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  return `${d.section}: ${d.key}: recomputed ${clip(d.expected)}, published ${clip(d.found)}`;
}

/**
 * Receipts whose published verdict does not carry INVALID_SIGNATURE although their signature
 * does not verify (the recomputation says so): a published dataset that counts such a receipt
 * fails, naming it.
 */
export function acceptedWithInvalidSignature(
  recomputed: Pick<EpochOutputs, "verdicts">,
  published: Pick<EpochOutputs, "verdicts">,
): { index: number; id: Hex | null }[] {
  const out: { index: number; id: Hex | null }[] = [];
  for (let i = 0; i < recomputed.verdicts.length; i++) {
    const r = recomputed.verdicts[i]!;
    if (!r.reasons.includes("INVALID_SIGNATURE")) continue;
    const p = published.verdicts[i];
    if (p === undefined || !p.reasons.includes("INVALID_SIGNATURE")) out.push({ index: i, id: r.id });
  }
  return out;
}

export type { EpochDataset, TreeEntry };
