import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";
import { advanceState, genesisState, type ChainState } from "../../core/chain-link.ts";
import type { StreamCheckpoint } from "../../core/verdict.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { graphql, type ApiDeployment } from "../lib/chain.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { downloadDir, fetchDataset, type DatasetSource } from "../lib/verify/dataset-source.ts";
import { parseFromBlock, rpcUnreachable, verifyEpoch } from "./verify-epoch.ts";
import { predecessorState } from "../lib/verify/offline.ts";
import { readAllProposals, type ScanOptions } from "../lib/verify/chain-epoch.ts";
import { describeCheck, type Check } from "../lib/verify/checks.ts";

const USAGE =
  "ledger verify-chain --rpc URL --api URL [--from A] [--to B] [--checkpoint FILE] [--distributor ADDRESS] [--from-block N] [--json]";

/** The resumable walk's state on disk: the last epoch verified and what it hands on. */
const CHECKPOINT_FORMAT = "streamr-verify-chain/2";

type CheckpointFile = {
  format: typeof CHECKPOINT_FORMAT;
  chainId: number;
  distributor: string;
  epoch: string;
  datasetHash: string;
  /** The epoch's root (its leaves' root, equal to the one on-chain when it was verified). */
  root: string;
  completeHistory: boolean;
  leaves: [string, string][];
  streams: {
    sessionId: string;
    supporter: string;
    cumulativeBytes: string;
    countedBytes: string;
    seq: string;
    timestamp: string;
  }[];
};

export type VerifyChainEpoch = { epoch: bigint; ok: boolean; receipts: number; leaves: number; failed: Check[] };

export type VerifyChainReport = {
  ok: boolean;
  from: bigint;
  to: bigint;
  epochs: VerifyChainEpoch[];
  /** One line naming the first broken link (epoch, check, account or receipt), when not ok. */
  firstFailure?: string;
  /** Set when the walk did not start from epoch 1 with its full history (a note for the report). */
  partialHistory?: string;
};

/**
 * Walks the ledger from its first epoch (or a checkpoint) to the latest proposal: each epoch's
 * dataset is downloaded once, fully verified (`verifyEpoch`: signatures, fraud rules, earnings,
 * trees, the chain), and checked to carry in exactly what the epochs before handed on
 * (core/chain-link.ts) — so an edit of any past epoch's figures in the coordinator's database
 * shows at the next epoch, naming the account or stream. Stops at the first broken link.
 * After each verified epoch the walk's state is written to `checkpointFile` (atomically), so a
 * later run resumes after it.
 */
export async function verifyChain(o: {
  client: PublicClient;
  /**
   * The published dataset of a chain epoch, as bytes or a file read in chunks (the CLI:
   * `GET /v1/epochs/:n/dataset` of `--api`, spooled to a temporary file).
   */
  datasetOf: (epoch: bigint) => Promise<DatasetSource>;
  distributor: Address;
  from?: bigint | undefined;
  to?: bigint | undefined;
  checkpointFile?: string | undefined;
  scan?: ScanOptions | undefined;
  /** Recovers receipt signatures on all cores (see `verifyEpoch`). */
  pool?: VerifyPool | undefined;
  /** One line per verified epoch (stderr in the CLI). */
  onEpoch?: (e: VerifyChainEpoch) => void;
}): Promise<VerifyChainReport> {
  const { client, distributor } = o;
  const chainId = await client.getChainId();
  const latest = await client.readContract({
    address: distributor,
    abi: distributorAbi(),
    functionName: "latestEpoch",
  });
  const proposals = await readAllProposals(client, distributor, o.scan);

  let state: ChainState | undefined;
  let partialHistory: string | undefined;
  const resumed = o.checkpointFile && existsSync(o.checkpointFile) ? readCheckpoint(o.checkpointFile) : undefined;
  let from = o.from ?? 1n;
  const epochs: VerifyChainEpoch[] = [];
  const to = o.to === undefined || o.to > latest ? latest : o.to;
  const stop = (firstFailure: string): VerifyChainReport => ({
    ok: false,
    from,
    to,
    epochs,
    firstFailure,
    ...(partialHistory ? { partialHistory } : {}),
  });

  if (resumed) {
    if (resumed.chainId !== chainId || resumed.distributor.toLowerCase() !== distributor.toLowerCase())
      throw new UsageError(
        `the checkpoint file ${o.checkpointFile} is for another deployment (chain ${resumed.chainId}, ${resumed.distributor})`,
      );
    const epoch = BigInt(resumed.epoch);
    const committed = proposalHash(proposals, epoch, await recordRoot(client, distributor, epoch));
    if (committed?.toLowerCase() !== resumed.datasetHash.toLowerCase())
      throw new UsageError(
        `the checkpoint file says epoch ${epoch} had dataset ${resumed.datasetHash}, the chain now says ${committed ?? "none"}: delete the file and verify from epoch 1`,
      );
    if (o.from !== undefined && o.from !== epoch + 1n)
      throw new UsageError(
        `the checkpoint file resumes at epoch ${epoch + 1n}: leave out --from, or give another --checkpoint`,
      );
    state = checkpointState(resumed);
    from = epoch + 1n;
    if (!state.completeHistory) partialHistory = `the checkpoint's walk started after epoch 1`;
  } else if (from === 1n) {
    state = genesisState();
  } else {
    const checks: Check[] = [];
    state = await predecessorState(checks, {
      epoch: from,
      client,
      distributor,
      dataset: await o.datasetOf(from - 1n),
      scan: o.scan,
    });
    const bad = checks.find((c) => !c.ok);
    if (!state || bad) return stop(`epoch ${from - 1n}: ${describeCheck(bad ?? checks[0]!)}`);
    partialHistory = `started at epoch ${from} from epoch ${from - 1n}'s published outputs: checkpoints of streams last seen before epoch ${from - 1n} were not checked`;
  }
  if (from > to + 1n)
    throw new UsageError(`nothing to verify: epoch ${from} is after the latest proposed epoch ${latest}`);

  for (let epoch = from; epoch <= to; epoch++) {
    const report = await verifyEpoch({
      epoch,
      client,
      dataset: await o.datasetOf(epoch),
      distributor,
      state,
      proposals,
      scan: o.scan,
      pool: o.pool,
    });
    const failed = report.checks.filter((c) => !c.ok);
    const summary: VerifyChainEpoch = {
      epoch,
      ok: report.ok,
      receipts: report.dataset.inputs.receipts.length,
      leaves: report.dataset.outputs.leaves.length,
      failed,
    };
    epochs.push(summary);
    o.onEpoch?.(summary);
    if (!report.ok) return stop(`epoch ${epoch}: ${describeCheck(failed[0]!)}`);
    state = advanceState(state, epoch, report.dataset.outputs, {
      datasetHash: report.datasetHash,
      root: report.dataset.outputs.root,
    });
    if (o.checkpointFile)
      writeCheckpoint(o.checkpointFile, { chainId, distributor, epoch, datasetHash: report.datasetHash, state });
  }
  return { ok: true, from, to, epochs, ...(partialHistory ? { partialHistory } : {}) };
}

async function recordRoot(client: PublicClient, distributor: Address, epoch: bigint): Promise<Hex> {
  const record = await client.readContract({
    address: distributor,
    abi: distributorAbi(),
    functionName: "epochRecord",
    args: [epoch],
  });
  return record.root;
}

function proposalHash(
  proposals: Awaited<ReturnType<typeof readAllProposals>>,
  epoch: bigint,
  root: Hex,
): Hex | undefined {
  return (proposals.get(epoch) ?? []).filter((p) => p.root.toLowerCase() === root.toLowerCase()).at(-1)?.datasetHash;
}

function writeCheckpoint(
  file: string,
  c: { chainId: number; distributor: Address; epoch: bigint; datasetHash: Hex; state: ChainState },
): void {
  const body: CheckpointFile = {
    format: CHECKPOINT_FORMAT,
    chainId: c.chainId,
    distributor: c.distributor.toLowerCase(),
    epoch: c.epoch.toString(),
    datasetHash: c.datasetHash.toLowerCase(),
    root: c.state.commitment?.root.toLowerCase() ?? "",
    completeHistory: c.state.completeHistory,
    leaves: [...c.state.leaves].map(([a, v]) => [a, v.toString()]),
    streams: [...c.state.streams.values()].map((s) => ({
      sessionId: s.sessionId,
      supporter: s.supporter,
      cumulativeBytes: s.cumulativeBytes.toString(),
      countedBytes: s.countedBytes.toString(),
      seq: s.seq.toString(),
      timestamp: s.timestamp.toString(),
    })),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(body)}\n`);
  renameSync(tmp, file);
}

function readCheckpoint(file: string): CheckpointFile {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new UsageError(
      `the checkpoint file ${file} is not a verify-chain checkpoint (not JSON): delete it to start over`,
    );
  }
  const c = body as Partial<CheckpointFile>;
  const dec = (v: unknown) => typeof v === "string" && /^\d{1,78}$/.test(v);
  const hex = (v: unknown, bytes: number) => typeof v === "string" && new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`).test(v);
  const valid =
    c.format === CHECKPOINT_FORMAT &&
    Number.isSafeInteger(c.chainId) &&
    hex(c.distributor, 20) &&
    dec(c.epoch) &&
    hex(c.datasetHash, 32) &&
    hex(c.root, 32) &&
    typeof c.completeHistory === "boolean" &&
    Array.isArray(c.leaves) &&
    c.leaves.every((l) => Array.isArray(l) && hex(l[0], 20) && dec(l[1])) &&
    Array.isArray(c.streams) &&
    c.streams.every(
      (s) =>
        hex(s.sessionId, 32) &&
        hex(s.supporter, 20) &&
        dec(s.cumulativeBytes) &&
        dec(s.countedBytes) &&
        dec(s.seq) &&
        dec(s.timestamp),
    );
  if (!valid)
    throw new UsageError(
      `the checkpoint file ${file} is not a ${CHECKPOINT_FORMAT} checkpoint: delete it to start over`,
    );
  return c as CheckpointFile;
}

function checkpointState(c: CheckpointFile): ChainState {
  const streams = new Map<string, StreamCheckpoint>();
  for (const s of c.streams)
    streams.set(`${s.sessionId}/${s.supporter}`, {
      sessionId: s.sessionId as Hex,
      supporter: s.supporter as Address,
      cumulativeBytes: BigInt(s.cumulativeBytes),
      countedBytes: BigInt(s.countedBytes),
      seq: BigInt(s.seq),
      timestamp: BigInt(s.timestamp),
    });
  return {
    chainEpoch: BigInt(c.epoch),
    commitment: { datasetHash: c.datasetHash as Hex, root: c.root as Hex },
    leaves: new Map(c.leaves.map(([a, v]) => [a, BigInt(v)])),
    streams,
    completeHistory: c.completeHistory,
  };
}

function parseEpochOption(value: string | undefined, name: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,19}$/.test(value) || BigInt(value) === 0n)
    throw new UsageError(`${name} must be a chain epoch (1, 2, …)`);
  return BigInt(value);
}

export const verifyChainCommand: Command = {
  name: "verify-chain",
  summary: "verify every epoch in order from the first, each linked to the one before (resumable)",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        api: { type: "string" },
        rpc: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        checkpoint: { type: "string" },
        distributor: { type: "string" },
        "from-block": { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}\nusage: ${USAGE}`);
    if (!values.rpc) throw new UsageError(`--rpc URL is required\nusage: ${USAGE}`);
    if (!values.api) throw new UsageError(`--api URL is required (where the datasets are published)\nusage: ${USAGE}`);
    if (values.distributor && !/^0x[0-9a-fA-F]{40}$/.test(values.distributor))
      throw new UsageError(`--distributor must be a 0x-prefixed 20-byte address`);
    const from = parseEpochOption(values.from, "--from");
    const to = parseEpochOption(values.to, "--to");
    if (from !== undefined && to !== undefined && to < from) throw new UsageError(`--to must not be before --from`);
    const scan = { fromBlock: parseFromBlock(values["from-block"]) };
    const client = createPublicClient({ transport: http(values.rpc, { retryCount: 2, timeout: 15_000 }) });
    let report: VerifyChainReport;
    const downloads = downloadDir();
    // one downloaded dataset on disk at a time: the one before is deleted as the next arrives
    let downloaded: string | undefined;
    const datasetOf = async (epoch: bigint) => {
      if (downloaded) rmSync(downloaded, { force: true });
      return (downloaded = await fetchDataset(values.api!, epoch, downloads.dir));
    };
    const pool = createVerifyPool();
    try {
      const distributor = (values.distributor as Address | undefined) ?? (await distributorFromApi(values.api));
      report = await verifyChain({
        client,
        datasetOf,
        distributor,
        from,
        to,
        checkpointFile: values.checkpoint,
        scan,
        pool,
        onEpoch: (e) =>
          process.stderr.write(
            `epoch ${e.epoch}: ${e.ok ? "VERIFIED" : "MISMATCH"} (${e.receipts} receipts, ${e.leaves} leaves)\n`,
          ),
      });
    } catch (err) {
      throw rpcUnreachable(err, values.rpc);
    } finally {
      await pool.close();
      downloads.dispose();
    }
    if (values.json)
      console.log(JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    else if (report.ok)
      console.log(
        `chain VERIFIED: epochs ${report.from}–${report.to}, each linked to the one before${report.partialHistory ? ` (${report.partialHistory})` : ""}`,
      );
    else console.log(`chain BROKEN at ${report.firstFailure}`);
    if (!report.ok) throw new CheckFailedError(`the chain does not verify: ${report.firstFailure}`);
  },
};

/** The distributor the API's deployment uses (its indexer's), for a walk without --distributor. */
async function distributorFromApi(api: string): Promise<Address> {
  const { indexer } = await graphql<{ indexer: ApiDeployment }>(
    api.replace(/\/$/, ""),
    "{ indexer { chainId contract } }",
  );
  if (!indexer)
    throw new UsageError(
      `the API does not know its distributor yet (its indexer has not run): give --distributor ADDRESS`,
    );
  return indexer.contract;
}
