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
import { InvalidDatasetError } from "../../core/dataset/types.ts";
import { closeSync, openSync, readSync } from "node:fs";
import { createKeccakStream } from "../../core/keccak-wasm.ts";
import type { VerifyPool } from "../../core/verify-pool.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { firstLine, revertOf, rpc } from "../../chain/client.ts";
import { scanLogs } from "../../chain/log-scan.ts";
import { DatasetFetchError, downloadDir, fetchDataset } from "./verify/dataset-source.ts";
import { verifyEpoch } from "../commands/verify-epoch.ts";
import { type Check } from "./verify/checks.ts";

const STATUS = ["None", "Pending", "Finalized", "Vetoed"] as const;
const PENDING = 1;
/** The longest veto reason sent on-chain (it is stored in the `RootVetoed` event's data). */
const MAX_REASON_CHARS = 300;

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

type Proposal = { epoch: bigint; attempt: bigint; root: Hex; datasetHash: Hex; blockNumber: bigint };

/** A proposal that cannot be settled yet (its dataset is not published and the grace period runs). */
const WAIT = Symbol("wait");

/**
 * Creates a watchtower; nothing runs until `pass` or `run`.
 *
 * @example
 * const tower = createWatchtower({ publicClient, walletClient, distributor, api, log: console.log });
 * await tower.run({ signal: controller.signal });
 */
export function createWatchtower(p: WatchtowerParameters): Watchtower {
  const abi = distributorAbi();
  const counters: WatchtowerCounters = { verified: 0, vetoed: 0, skipped: 0, missed: 0 };
  const queue = new Map<string, Proposal>();
  const settled = new Set<string>();
  const sentVetoes = new Map<string, Hex>();
  const waitingLogged = new Set<string>();
  let cursor = p.fromBlock ?? 0n;
  const keyOf = (x: { epoch: bigint; attempt: bigint }) => `${x.epoch}:${x.attempt}`;
  const wallNow = p.now ?? (() => Math.floor(Date.now() / 1000));

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

  async function chainNow(): Promise<number> {
    const block = await rpc("getBlock", () => p.publicClient.getBlock({ blockTag: "latest" }));
    return Math.max(wallNow(), Number(block.timestamp));
  }

  async function record(epoch: bigint) {
    return rpc("epochRecord", () =>
      p.publicClient.readContract({ address: p.distributor, abi, functionName: "epochRecord", args: [epoch] }),
    );
  }

  /** The proposal's state on-chain now: undefined while it is the epoch's pending root, else why it is not. */
  async function notPending(x: Proposal): Promise<{ verdict: WatchVerdict; reason: string; tx?: Hex } | undefined> {
    const r = await record(x.epoch);
    const sent = sentVetoes.get(keyOf(x));
    if (r.root.toLowerCase() !== x.root || BigInt(r.attempt) !== x.attempt)
      return { verdict: "skipped", reason: "no longer pending: a later proposal replaced it" };
    if (r.status === PENDING) return undefined;
    const status = STATUS[r.status] ?? `status ${r.status}`;
    if (sent && status === "Vetoed") return { verdict: "vetoed", reason: "vetoed by this watchtower", tx: sent };
    return { verdict: "skipped", reason: `no longer pending (${status})` };
  }

  /** The dataset of `epoch`, or WAIT while the API says it is not published and the grace period runs, or the reason to veto. */
  async function dataset(
    epoch: bigint,
    deadline: number,
    now: number,
    key: string,
    dir: string,
  ): Promise<string | typeof WAIT | { veto: string }> {
    try {
      return await fetchDataset(p.api, epoch, dir, { quiet: true, timeoutMs: 60_000 });
    } catch (err) {
      if (!(err instanceof DatasetFetchError) || (err.status !== 404 && err.status !== 503)) throw err;
      if (now < deadline) {
        if (!waitingLogged.has(`${key}:${epoch}`)) {
          waitingLogged.add(`${key}:${epoch}`);
          p.log(`watchtower: epoch ${key.split(":")[0]}: waiting for epoch ${epoch}'s dataset (${err.shortMessage})`);
        }
        return WAIT;
      }
      return {
        veto: `epoch ${epoch}'s dataset is not published (the API answered ${err.status}) past the grace period`,
      };
    }
  }

  async function examine(x: Proposal): Promise<{ verdict: WatchVerdict; reason: string; tx?: Hex } | typeof WAIT> {
    const gone = await notPending(x);
    if (gone) return gone;
    const r = await record(x.epoch);
    const now = await chainNow();
    if (now >= Number(r.validAt))
      return { verdict: "missed", reason: "the dispute window elapsed before a verdict (not finalized yet)" };
    const block = await rpc("getBlock", () => p.publicClient.getBlock({ blockNumber: x.blockNumber }));
    const proposedAt = Number(block.timestamp);
    const windowSeconds = Number(r.validAt) - proposedAt;
    const grace = Math.min(p.graceSeconds ?? Math.floor(windowSeconds / 2), Math.max(0, windowSeconds - 1));
    const key = keyOf(x);
    // the datasets are downloaded to files (never held whole) and removed after the verdict
    const downloads = downloadDir();
    try {
      return await judge(x, proposedAt + grace, now, key, downloads.dir);
    } finally {
      downloads.dispose();
    }
  }

  async function judge(
    x: Proposal,
    deadline: number,
    now: number,
    key: string,
    dir: string,
  ): Promise<{ verdict: WatchVerdict; reason: string; tx?: Hex } | typeof WAIT> {
    const file = await dataset(x.epoch, deadline, now, key, dir);
    if (file === WAIT) return WAIT;
    if (typeof file !== "string") return veto(x, file.veto);
    const hash = fileKeccak(file);
    if (hash.toLowerCase() !== x.datasetHash)
      return veto(x, `datasetHash: the proposal committed ${x.datasetHash}, the published dataset hashes to ${hash}`);
    let previous: string | undefined;
    if (x.epoch > 1n) {
      const prev = await dataset(x.epoch - 1n, deadline, now, key, dir);
      if (prev === WAIT) return WAIT;
      if (typeof prev !== "string") return veto(x, prev.veto);
      previous = prev;
    }
    let report: Awaited<ReturnType<typeof verifyEpoch>>;
    try {
      report = await verifyEpoch({
        epoch: x.epoch,
        client: p.publicClient,
        dataset: file,
        previousDataset: previous,
        distributor: p.distributor,
        scan: { fromBlock: p.fromBlock, logChunkBlocks: p.logChunkBlocks },
        pool: p.pool,
        quiet: true,
      });
    } catch (err) {
      // A dataset that does not parse can never be recomputed: the proposal commits to garbage.
      if (err instanceof InvalidDatasetError)
        return veto(x, `the published dataset cannot be recomputed: ${err.shortMessage}`);
      throw err;
    }
    if (report.ok) return { verdict: "verified", reason: "recomputes from its published dataset" };
    // The proposal may have been vetoed or finalized while it was being recomputed.
    const goneNow = await notPending(x);
    if (goneNow) return goneNow;
    return veto(x, firstDifference(report.checks));
  }

  async function veto(x: Proposal, why: string): Promise<{ verdict: WatchVerdict; reason: string; tx?: Hex }> {
    const reason = clipReason(why);
    const gone = await notPending(x);
    if (gone) return gone;
    let request;
    try {
      ({ request } = await p.publicClient.simulateContract({
        account: p.walletClient.account,
        address: p.distributor,
        abi,
        functionName: "veto",
        args: [x.epoch, reason],
      }));
    } catch (err) {
      const revert = revertOf(err);
      if (revert?.name === "EpochNotPending") return { verdict: "skipped", reason: "no longer pending" };
      if (revert?.name === "DisputeWindowElapsed")
        return { verdict: "missed", reason: `the dispute window elapsed before the veto: ${why}` };
      if (revert) return { verdict: "missed", reason: `the veto reverted with ${revert.name}: ${why}` };
      throw err;
    }
    const tx = await rpc("veto", () => p.walletClient.writeContract({ ...request, chain: null }));
    sentVetoes.set(keyOf(x), tx);
    const receipt = await rpc("waitForTransactionReceipt", () =>
      p.publicClient.waitForTransactionReceipt({ hash: tx }),
    );
    if (receipt.status !== "success") return { verdict: "missed", reason: `the veto reverted (tx ${tx}): ${why}` };
    return { verdict: "vetoed", reason, tx };
  }

  const totals = () =>
    `[${counters.verified} verified, ${counters.vetoed} vetoed, ${counters.skipped} skipped, ${counters.missed} missed]`;

  /** A verdict's line and webhook call; skipped proposals (a restart's history) are summed up in one line per pass instead. */
  async function report(v: ProposalVerdict): Promise<void> {
    counters[v.verdict]++;
    if (v.verdict === "skipped") return;
    p.log(
      `watchtower: epoch ${v.epoch} attempt ${v.attempt} root ${v.root} ${v.verdict}${v.tx ? ` (tx ${v.tx})` : ""}: ${v.reason} ${totals()}`,
    );
    if (!p.webhook) return;
    try {
      const res = await fetch(p.webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          epoch: Number(v.epoch),
          attempt: Number(v.attempt),
          root: v.root,
          verdict: v.verdict,
          reason: v.reason,
          ...(v.tx ? { tx: v.tx } : {}),
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) p.log(`watchtower: the webhook ${p.webhook} answered ${res.status} for epoch ${v.epoch}`);
    } catch (err) {
      p.log(`watchtower: the webhook ${p.webhook} failed for epoch ${v.epoch}: ${firstLine(err)}`);
    }
  }

  async function pass(): Promise<ProposalVerdict[]> {
    await scan();
    const out: ProposalVerdict[] = [];
    let failure: unknown;
    for (const [key, x] of [...queue].sort(([, a], [, b]) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0))) {
      let outcome: Awaited<ReturnType<typeof examine>>;
      try {
        outcome = await examine(x);
      } catch (err) {
        // transient (RPC, API): this proposal stays queued; the others are still looked at
        failure ??= err;
        continue;
      }
      if (outcome === WAIT) continue;
      queue.delete(key);
      settled.add(key);
      const v: ProposalVerdict = { epoch: x.epoch, attempt: x.attempt, root: x.root, ...outcome };
      await report(v);
      out.push(v);
    }
    const skipped = out.filter((v) => v.verdict === "skipped");
    if (skipped.length > 0)
      p.log(
        `watchtower: ${skipped.length} proposal(s) no longer pending, skipped: ${skipped
          .slice(0, 5)
          .map(
            (v) =>
              `epoch ${v.epoch} attempt ${v.attempt} (${v.reason.replace(/^no longer pending:? ?/, "").replace(/^\((.*)\)$/, "$1")})`,
          )
          .join(", ")}${skipped.length > 5 ? ", …" : ""} ${totals()}`,
      );
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

/** The first failed check of a report, as one line: the veto's reason. */
export function firstDifference(checks: readonly Check[]): string {
  const c = checks.find((x) => !x.ok);
  if (!c) return "the proposal does not verify";
  const detail = [
    c.expected !== undefined ? `expected ${c.expected}` : "",
    c.actual !== undefined ? `got ${c.actual}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `${c.name}${detail ? `: ${detail}` : ""}${c.note ? ` — ${c.note}` : ""}`;
}

function clipReason(reason: string): string {
  const line = reason.replace(/\s+/g, " ").trim();
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
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

/** keccak256 of a file's bytes, read in 4 MiB chunks (a dataset is never held whole). */
function fileKeccak(file: string): string {
  const hasher = createKeccakStream();
  hasher.init();
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hasher.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return `0x${hasher.digest("hex")}`;
}
