/**
 * The watchtower's judgement of one proposal: takes a `RootProposed` proposal and hands on its
 * verdict (verified, vetoed with the veto's transaction, skipped, missed) or WAIT while its dataset
 * is unpublished within the grace period — re-reading `epochRecord`, fetching and hash-checking the
 * dataset, recomputing it with `verifyEpoch`, and sending the veto (simulated first).
 */
import type { Hex } from "viem";
import { closeSync, openSync, readSync } from "node:fs";
import { InvalidDatasetError } from "../../core/dataset/types.ts";
import { createKeccakStream } from "../../core/keccak-wasm.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { revertOf, rpc } from "../../chain/client.ts";
import { DatasetFetchError, downloadDir, fetchDataset } from "./verify/dataset-source.ts";
import { verifyEpoch } from "../commands/verify-epoch.ts";
import { describeCheck, type Check } from "./verify/checks.ts";
import type { WatchtowerParameters, WatchVerdict } from "./watchtower.ts";

const STATUS = ["None", "Pending", "Finalized", "Vetoed"] as const;
const PENDING = 1;
/** The longest veto reason sent on-chain (it is stored in the `RootVetoed` event's data). */
const MAX_REASON_CHARS = 300;

export type Proposal = { epoch: bigint; attempt: bigint; root: Hex; datasetHash: Hex; blockNumber: bigint };

/** A proposal that cannot be settled yet (its dataset is not published and the grace period runs). */
export const WAIT = Symbol("wait");

/** What the judge concluded about a proposal (its verdict, why, and the veto's transaction). */
export type Outcome = { verdict: WatchVerdict; reason: string; tx?: Hex };

export const keyOf = (x: { epoch: bigint; attempt: bigint }) => `${x.epoch}:${x.attempt}`;

/**
 * The judge of a watchtower's proposals; it remembers the vetoes it sent and the waits it logged.
 */
export function createJudge(p: WatchtowerParameters): { examine(x: Proposal): Promise<Outcome | typeof WAIT> } {
  const abi = distributorAbi();
  const sentVetoes = new Map<string, Hex>();
  const waitingLogged = new Set<string>();
  const wallNow = p.now ?? (() => Math.floor(Date.now() / 1000));

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
  async function notPending(x: Proposal): Promise<Outcome | undefined> {
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

  async function examine(x: Proposal): Promise<Outcome | typeof WAIT> {
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
  ): Promise<Outcome | typeof WAIT> {
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

  async function veto(x: Proposal, why: string): Promise<Outcome> {
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

  return { examine };
}

/** The first failed check of a report, as one line: the veto's reason. */
export function firstDifference(checks: readonly Check[]): string {
  const c = checks.find((x) => !x.ok);
  return c ? describeCheck(c) : "the proposal does not verify";
}

function clipReason(reason: string): string {
  const line = reason.replace(/\s+/g, " ").trim();
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
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
