/**
 * The guardian's watchtower: follows the distributor's `RootProposed` events and checks every
 * pending proposal the way an auditor would — the epoch's published dataset from the API
 * (`GET /v1/epochs/:n/dataset`), hash-checked against the proposal's `datasetHash`, recomputed
 * by `verifyEpoch` (scripts/commands/verify-epoch.ts, the auditor's own code path, which calls
 * core's) — and vetoes it within the dispute window when anything differs, or when the dataset is
 * still unpublished a grace period after the proposal. Every proposal ends in one verdict line
 * (verified, vetoed with the reason, missed), with running totals, and an optional webhook POST
 * of `{ epoch, root, verdict, reason }` whose failures are logged, never fatal; proposals found no
 * longer pending (a restart's history) are counted as skipped and summed up in one line per pass.
 *
 * Invariants relied on:
 * - The chain is the only memory: a proposal is acted on only while `epochRecord(epoch)` is
 *   Pending with the proposal's root and attempt, re-read right before a veto and simulated first,
 *   so a restart (or a second watchtower) never vetoes twice and skips epochs no longer pending.
 * - Transient failures (RPC, API unreachable) leave the proposal queued for the next pass; the
 *   loop backs off exponentially and keeps going. An unreachable API is never a reason to veto;
 *   an API that answers "no dataset" (404/503) past the grace period is.
 * - Log scans go through chain/log-scan.ts only (bounded chunks).
 */
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { VerifyPool } from "../../core/verify-pool.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { firstLine, rpc } from "../../chain/client.ts";
import { scanLogs } from "../../chain/log-scan.ts";
import { createJudge, keyOf, WAIT, type Proposal } from "./watchtower-judge.ts";
import { createReporter } from "./watchtower-report.ts";

export { firstDifference } from "./watchtower-judge.ts";

export type WatchVerdict = "verified" | "vetoed" | "skipped" | "missed";

/** The outcome for one proposal: what the watchtower concluded, why, and the veto's transaction. */
export type ProposalVerdict = {
  epoch: bigint;
  attempt: bigint;
  root: Hex;
  verdict: WatchVerdict;
  reason: string;
  tx?: Hex | undefined;
};

export type WatchtowerParameters = {
  publicClient: PublicClient;
  /** The guardian's wallet (a GUARDIAN_ROLE holder): sends the vetoes. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  distributor: Address;
  /** The ledger API publishing the datasets. */
  api: string;
  /** Where the first scan starts (the distributor's deployment block); default 0. */
  fromBlock?: bigint | undefined;
  logChunkBlocks?: number | undefined;
  /** POSTs each verdict as JSON here when given. */
  webhook?: string | undefined;
  /**
   * How long after a proposal its dataset may still be unpublished before that alone is a reason to
   * veto; default half the proposal's dispute window.
   */
  graceSeconds?: number | undefined;
  /** Receipt signatures recovered on these worker threads; else on this thread. */
  pool?: VerifyPool | undefined;
  /** One line per verdict and per notable event. */
  log: (line: string) => void;
  /** Seconds since the epoch; default the wall clock (the chain's latest block time counts too). */
  now?: () => number;
};

export type WatchtowerCounters = Record<WatchVerdict, number>;

export type Watchtower = {
  /**
   * One pass: scans `RootProposed` up to the latest block and settles what it can of the queued
   * proposals. Returns this pass's verdicts; a proposal waiting for its dataset stays queued.
   * Throws transient failures (the queue is kept for the next pass).
   */
  pass(): Promise<ProposalVerdict[]>;
  /** Passes every `pollMs` until `signal` aborts, backing off (up to `maxBackoffMs`) after failures. */
  run(options: { signal: AbortSignal; pollMs?: number; maxBackoffMs?: number }): Promise<void>;
  readonly counters: WatchtowerCounters;
};

/**
 * Creates a watchtower; nothing runs until `pass` or `run`.
 *
 * @example
 * const tower = createWatchtower({ publicClient, walletClient, distributor, api, log: console.log });
 * await tower.run({ signal: controller.signal });
 */
export function createWatchtower(p: WatchtowerParameters): Watchtower {
  const counters: WatchtowerCounters = { verified: 0, vetoed: 0, skipped: 0, missed: 0 };
  const abi = distributorAbi();
  const judge = createJudge(p);
  const reporter = createReporter(p, counters);
  const queue = new Map<string, Proposal>();
  const settled = new Set<string>();
  let cursor = p.fromBlock ?? 0n;

  async function scan(): Promise<void> {
    const latest = await rpc("getBlockNumber", () => p.publicClient.getBlockNumber({ cacheTime: 0 }));
    if (latest < cursor) return;
    const logs = await scanLogs(
      {
        publicClient: p.publicClient,
        what: "getContractEvents RootProposed",
        floor: cursor,
        to: latest,
        chunkBlocks: p.logChunkBlocks,
        mode: "all",
      },
      (range) => p.publicClient.getContractEvents({ address: p.distributor, abi, eventName: "RootProposed", ...range }),
    );
    for (const l of logs) {
      const a = l.args;
      if (a.epoch === undefined || a.attempt === undefined || !a.root || !a.datasetHash) continue;
      const proposal = {
        epoch: a.epoch,
        attempt: a.attempt,
        root: a.root.toLowerCase() as Hex,
        datasetHash: a.datasetHash.toLowerCase() as Hex,
        blockNumber: l.blockNumber,
      };
      const key = keyOf(proposal);
      if (!settled.has(key)) queue.set(key, proposal);
    }
    cursor = latest + 1n;
  }

  async function pass(): Promise<ProposalVerdict[]> {
    await scan();
    const out: ProposalVerdict[] = [];
    let failure: unknown;
    for (const [key, x] of [...queue].sort(([, a], [, b]) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0))) {
      let outcome: Awaited<ReturnType<typeof judge.examine>>;
      try {
        outcome = await judge.examine(x);
      } catch (err) {
        // transient (RPC, API): this proposal stays queued; the others are still looked at
        failure ??= err;
        continue;
      }
      if (outcome === WAIT) continue;
      queue.delete(key);
      settled.add(key);
      const v: ProposalVerdict = { epoch: x.epoch, attempt: x.attempt, root: x.root, ...outcome };
      await reporter.report(v);
      out.push(v);
    }
    reporter.reportSkipped(out);
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(firstLine(failure));
    return out;
  }

  async function run({
    signal,
    pollMs = 1_000,
    maxBackoffMs = 30_000,
  }: {
    signal: AbortSignal;
    pollMs?: number;
    maxBackoffMs?: number;
  }): Promise<void> {
    let backoffMs = 0;
    while (!signal.aborted) {
      try {
        await pass();
        backoffMs = 0;
      } catch (err) {
        backoffMs = Math.min(maxBackoffMs, backoffMs === 0 ? pollMs : backoffMs * 2);
        p.log(`watchtower: ${firstLine(err)}; retrying in ${Math.round(backoffMs / 1000)} s`);
      }
      await sleep(backoffMs || pollMs, signal);
    }
  }

  return { pass, run, counters };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
