import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { distinctSigners, POLICY_ROLE, type PolicySignature } from "../../core/policy.ts";
import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";
import {
  acceptedWithInvalidSignature,
  checkChainLink,
  describeChainLinkBreak,
  describeOutputDifference,
  firstOutputDifference,
  genesisState,
  stateFromOutputs,
  type ChainState,
} from "../../core/chain-link.ts";
import { datasetHash as hashDataset, parseDatasetChunks, type EpochDataset } from "../../core/dataset.ts";
import { describeDecreasedLeaf, findDecreasedLeaf } from "../../core/monotonic.ts";
import { auditEpochDataset, auditEpochDatasetWithPool, ZERO_ROOT } from "../../core/recompute-epoch.ts";
import type { EpochVerifiedSignatures, RecomputePhase } from "../../core/recompute-epoch.ts";
import { createLineVerifier, shareVerifiedStrings } from "../../core/verify-lines.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import { buildTree } from "../../core/tree.ts";
import { distributorAbi } from "../../oracle/chain.ts";
import { allLogs, newestLogs } from "../../oracle/log-scan.ts";
import { readDatasetChunks } from "../../db/dataset-store.ts";
import { CheckFailedError, UsageError, parseCommandArgs, progress, type Command } from "../lib/cli.ts";

const USAGE =
  "ledger verify-epoch N --rpc URL (--api URL | --dataset FILE [--previous-dataset FILE]) [--distributor ADDRESS] [--from-block N] [--json]";

const EPOCH_STATUS = ["None", "Pending", "Finalized", "Vetoed"] as const;

/** One comparison of the audit: what was expected, what was found. */
export type Check = { name: string; ok: boolean; expected?: string; actual?: string; note?: string };

export type VerifyEpochReport = { epoch: bigint; ok: boolean; checks: Check[] };

/** What the chain says about one epoch: its record, and the `RootProposed` of the record's root. */
export type ChainEpoch = {
  epoch: bigint;
  status: string;
  record: { root: Hex; cumulativeTotal: bigint; validAt: bigint; status: number };
  proposal: ProposalArgs | undefined;
};

type ProposalArgs = {
  root: Hex;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
  cumulativeTotal: bigint;
  signers: readonly Hex[];
};

/** Where log scans start and how wide their chunks are (oracle/log-scan.ts). */
export type ScanOptions = { fromBlock?: bigint | undefined; logChunkBlocks?: number | undefined };

/** The record of `epoch` and the `RootProposed` event of its root, scanned in bounded chunks. */
export async function readChainEpoch(
  client: PublicClient,
  distributor: Address,
  epoch: bigint,
  scan: ScanOptions = {},
): Promise<ChainEpoch> {
  const abi = distributorAbi();
  const record: ChainEpoch["record"] = await client.readContract({
    address: distributor,
    abi,
    functionName: "epochRecord",
    args: [epoch],
  });
  const latest = await client.getBlockNumber();
  const logs = await newestLogs(
    { floor: scan.fromBlock ?? 0n, latest, chunkBlocks: scan.logChunkBlocks },
    async (range) =>
      (
        await client.getContractEvents({
          address: distributor,
          abi,
          eventName: "RootProposed",
          args: { epoch },
          ...range,
        })
      ).filter((l) => l.args.root?.toLowerCase() === record.root.toLowerCase()),
  );
  const proposal = logs.at(-1)?.args as ProposalArgs | undefined;
  return { epoch, status: EPOCH_STATUS[record.status] ?? `status ${record.status}`, record, proposal };
}

/**
 * Every epoch's `RootProposed` from `fromBlock` to the latest block, in one forward scan of
 * bounded chunks (for `verify-chain`): by epoch, in the order proposed.
 */
export async function readAllProposals(
  client: PublicClient,
  distributor: Address,
  scan: ScanOptions = {},
  onChunk?: (scannedTo: bigint, latest: bigint) => void,
): Promise<Map<bigint, ProposalArgs[]>> {
  const abi = distributorAbi();
  const latest = await client.getBlockNumber();
  const logs = await allLogs(
    { floor: scan.fromBlock ?? 0n, latest, chunkBlocks: scan.logChunkBlocks },
    (range) => client.getContractEvents({ address: distributor, abi, eventName: "RootProposed", ...range }),
    (to) => onChunk?.(to, latest),
  );
  const byEpoch = new Map<bigint, ProposalArgs[]>();
  for (const l of logs) {
    const args = l.args as ProposalArgs & { epoch: bigint };
    const list = byEpoch.get(args.epoch) ?? [];
    list.push(args);
    byEpoch.set(args.epoch, list);
  }
  return byEpoch;
}

/**
 * A published dataset as the verifier reads it: its bytes (tests, small datasets) or the path of
 * a file read in 4 MiB chunks (db/dataset-store.ts `readDatasetChunks`) — the CLI's
 * `--dataset FILE`, and every dataset downloaded from an API (spooled to a temporary file).
 */
export type DatasetSource = Uint8Array | string;

/**
 * Parses a dataset in chunks, hashing them as it goes (`parseDatasetChunks`): the bytes are
 * never decoded into one string (V8 caps a string near 512 MiB; a 10⁶-receipt dataset is
 * ~0.8 GB), and a file is never read whole. Returns the dataset and keccak256 of the bytes.
 */
export function parseDatasetSource(
  source: DatasetSource,
  label = "parse dataset",
  /** Sees every chunk before it is parsed (core/verify-lines.ts recovers signatures meanwhile). */
  tap?: (chunk: Uint8Array) => void,
  quiet = false,
): { dataset: EpochDataset; datasetHash: Hex } {
  const parsing = progress(label, quiet);
  const total = typeof source === "string" ? fileSize(source) : source.length;
  const parsed = parseDatasetChunks(
    (function* () {
      let done = 0;
      for (const chunk of typeof source === "string" ? readDatasetChunks(source) : byteChunks(source)) {
        parsing.update(done, total);
        done += chunk.length;
        tap?.(chunk);
        yield chunk;
      }
    })(),
  );
  const { dataset } = parsed;
  parsing.done(`${dataset.inputs.receipts.length} receipts, ${dataset.outputs.leaves.length} leaves`);
  return parsed;
}

/** `parseDatasetSource` of bytes (kept for callers that hold them). */
export const parseDatasetBytes = (bytes: Uint8Array, label?: string) => parseDatasetSource(bytes, label);

function* byteChunks(bytes: Uint8Array): Generator<Uint8Array> {
  const CHUNK = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    yield bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    throw new UsageError(`cannot read the dataset file ${file}`);
  }
}

/**
 * The state epoch `epoch − 1` hands on, from its published dataset, checked against the chain:
 * the bytes are what that epoch's proposal committed (`datasetHash`) and its leaves are the
 * on-chain root. Pushes those two checks; `undefined` when either fails.
 */
export async function predecessorState(
  checks: Check[],
  o: {
    epoch: bigint;
    client: PublicClient;
    distributor: Address;
    dataset: DatasetSource;
    scan?: ScanOptions;
    quiet?: boolean | undefined;
  },
): Promise<ChainState | undefined> {
  const previous = o.epoch - 1n;
  const chain = await readChainEpoch(o.client, o.distributor, previous, o.scan);
  const { dataset, datasetHash: hash } = parseDatasetSource(
    o.dataset,
    `parse epoch ${previous}'s dataset`,
    undefined,
    o.quiet,
  );
  const hashCheck = eq(
    `epoch ${previous}'s dataset is the one it committed on-chain`,
    chain.proposal?.datasetHash ?? "no proposal",
    hash,
  );
  checks.push(hashCheck);
  const leaves = dataset.outputs.leaves;
  const root = leaves.length > 0 ? buildTree({ entries: leaves }).root : ZERO_ROOT;
  const rootCheck = eq(`epoch ${previous}'s leaves are its on-chain root`, chain.record.root, root);
  checks.push(rootCheck);
  return hashCheck.ok && rootCheck.ok
    ? stateFromOutputs(previous, dataset.outputs, { datasetHash: hash, root: chain.record.root })
    : undefined;
}

/** What `verifyDatasetOffline` found: its checks, the parsed dataset and what recomputes from it. */
export type OfflineVerification = {
  checks: Check[];
  dataset: EpochDataset;
  /** keccak256 of the bytes read. */
  datasetHash: Hex;
  recomputed: {
    root: Hex;
    receiptsRoot: Hex;
    rateCardHash: Hex;
    cumulativeTotal: bigint;
    /** Every policy input's recovered signer: `verifyEpoch` checks each holds POLICY_ROLE on-chain. */
    policySignatures: PolicySignature[];
  };
};

/** The steps of `verifyDatasetOffline`, as each ends (a bench times them). */
export type OfflinePhase = "parse" | RecomputePhase | "compare";

/**
 * The part of `verify-epoch` that needs no chain: parses the dataset in chunks (hashing the
 * bytes), recovers every signature (on `pool`: all cores; else this thread), re-runs the fraud
 * rules, earnings and both trees, and compares every published output with the recomputation,
 * checks that no cumulative amount decreased, that no receipt with an invalid signature was
 * counted, and that the bytes are the canonical serialization. `npm run bench -- audit` runs
 * exactly this.
 */
export async function verifyDatasetOffline(o: {
  dataset: DatasetSource;
  pool?: VerifyPool | undefined;
  onPhase?: ((phase: OfflinePhase) => void) | undefined;
  /** No progress lines on stderr (the watchtower, a daemon). */
  quiet?: boolean | undefined;
}): Promise<OfflineVerification> {
  const checks: Check[] = [];
  // with a pool, signatures are recovered on every core while this thread parses
  const lines = o.pool ? createLineVerifier({ size: o.pool.size }) : undefined;
  let parsed: ReturnType<typeof parseDatasetSource>;
  let verified: EpochVerifiedSignatures | undefined;
  try {
    parsed = parseDatasetSource(
      o.dataset,
      "parse dataset (and recover signatures)",
      lines && ((c) => lines.push(c)),
      o.quiet,
    );
    verified = await lines?.finish();
  } finally {
    await lines?.close();
  }
  const { dataset, datasetHash: publishedHash } = parsed;
  if (verified) shareVerifiedStrings(dataset.inputs, dataset.outputs, verified);
  o.onPhase?.("parse");

  const recomputing = progress("recompute (fraud rules, earnings, trees)", o.quiet);
  const audit = o.pool
    ? await auditEpochDatasetWithPool(dataset, o.pool, { onPhase: o.onPhase, verified })
    : auditEpochDataset(dataset);
  recomputing.done();
  const r = audit.recomputed;
  const difference = audit.ok ? null : firstOutputDifference(r, dataset.outputs);
  checks.push({
    name: "published outputs recompute",
    ok: audit.ok,
    ...(audit.ok
      ? {}
      : {
          note: `differs in: ${audit.mismatches.join(", ")}${difference ? `; first: ${describeOutputDifference(difference)}` : ""}`,
        }),
  });
  const decreased = findDecreasedLeaf(dataset.inputs.previousLeaves, dataset.outputs.leaves);
  checks.push({
    name: "no cumulative amount decreased",
    ok: decreased === null,
    ...(decreased ? { note: describeDecreasedLeaf(decreased) } : {}),
  });
  const invalid = r.verdicts.filter((v) => v.reasons.includes("INVALID_SIGNATURE")).length;
  const accepted = acceptedWithInvalidSignature(r, dataset.outputs);
  if (accepted.length > 0)
    checks.push({
      name: "receipt signatures",
      ok: false,
      note: `${accepted.length} receipt(s) with an invalid signature published as counted, first ${accepted[0]!.id ?? `#${accepted[0]!.index}`}`,
    });
  else if (invalid > 0)
    checks.push({ name: "receipt signatures", ok: true, note: `${invalid} invalid, rejected by the fraud rules` });

  // When every output recomputes, the recomputed dataset (canonical inputs, equal outputs) is
  // what the canonical serializer makes of these bytes, and its hash is already known: the
  // bytes are canonical exactly when the two hashes agree. Otherwise serialize the parsed one.
  const canonicalHash = audit.ok ? r.datasetHash : hashDataset(dataset);
  checks.push(eq("dataset is in canonical form", canonicalHash, publishedHash));
  o.onPhase?.("compare");
  return {
    checks,
    dataset,
    datasetHash: publishedHash,
    recomputed: {
      root: r.root,
      receiptsRoot: r.receiptsRoot,
      rateCardHash: r.rateCardHash,
      cumulativeTotal: r.leaves.reduce((s, l) => s + l.amount, 0n),
      policySignatures: r.policySignatures,
    },
  };
}

/**
 * Every discretionary input (budget, rate card, founder status, flag decisions) signed by a
 * POLICY_ROLE holder on the distributor (core/policy.ts recovered the signers): one check.
 */
async function policyRoleCheck(
  client: PublicClient,
  distributor: Address,
  signatures: readonly PolicySignature[],
): Promise<Check> {
  const signers = distinctSigners(signatures);
  const unauthorized: string[] = [];
  for (const signer of signers) {
    const has = await client.readContract({
      address: distributor,
      abi: distributorAbi(),
      functionName: "hasRole",
      args: [POLICY_ROLE, signer],
    });
    if (!has) unauthorized.push(signer);
  }
  const first = signatures.find((p) => unauthorized.includes(p.signer.toLowerCase()));
  return {
    name: "policy inputs signed by POLICY_ROLE",
    ok: unauthorized.length === 0,
    note: first
      ? `the ${first.section} (${first.key}) is signed by ${first.signer}, which does not hold POLICY_ROLE`
      : `${signatures.length} input(s) signed by ${signers.join(", ") || "nobody"}`,
  };
}

/**
 * The auditor's tool: downloads an epoch's published dataset, re-verifies every signature and
 * re-runs the fraud rules and earnings with core (the oracle's own code), rebuilds both trees,
 * and compares root, receiptsRoot, datasetHash and rateCardHash with what the distributor
 * holds on-chain. It also checks the link to the epoch before (core/chain-link.ts): the previous
 * leaves and stream checkpoints carried in are what earlier epochs handed on — from `state`
 * (what `verify-chain` verified so far), else from the predecessor's dataset
 * (`previousDatasetBytes`, itself checked against the chain); epoch 1 carries nothing in.
 * Trusts neither the API nor the oracle: only the chain and the math.
 */
export async function verifyEpoch(options: {
  epoch: bigint;
  client: PublicClient;
  /** The epoch's published dataset: bytes, or a file read in chunks. */
  dataset: DatasetSource;
  distributor?: Address | undefined;
  /** Epoch `epoch − 1`'s published dataset, to check the link to it (when no `state`). */
  previousDataset?: DatasetSource | undefined;
  state?: ChainState | undefined;
  /** Pre-scanned proposals (verify-chain); otherwise this epoch's are scanned for. */
  proposals?: Map<bigint, ProposalArgs[]> | undefined;
  scan?: ScanOptions | undefined;
  /** Recovers every receipt signature on these worker threads (all cores); else on this thread. */
  pool?: VerifyPool | undefined;
  /** No progress lines on stderr (the watchtower, a daemon). */
  quiet?: boolean | undefined;
}): Promise<VerifyEpochReport & { dataset: EpochDataset; datasetHash: Hex }> {
  const offline = await verifyDatasetOffline({ dataset: options.dataset, pool: options.pool, quiet: options.quiet });
  const { checks, dataset, datasetHash: publishedHash, recomputed: r } = offline;
  // `epoch` is the contract's numbering (consecutive from 1); the dataset carries the
  // coordinator's clock epoch, which the signed datasetHash binds to this chain epoch.

  // The chain.
  const distributor: Address = options.distributor ?? dataset.inputs.domain.verifyingContract;
  const client = options.client;
  const chainId = await client.getChainId();
  checks.push(eq("chain id", dataset.inputs.domain.chainId.toString(), chainId.toString()));
  checks.push(eq("distributor", dataset.inputs.domain.verifyingContract.toLowerCase(), distributor.toLowerCase()));
  checks.push(await policyRoleCheck(client, distributor, r.policySignatures));

  // The link to the epoch before.
  let state = options.state;
  if (state === undefined && options.epoch === 1n) state = genesisState();
  if (state === undefined && options.previousDataset !== undefined)
    state = await predecessorState(checks, {
      epoch: options.epoch,
      client,
      distributor,
      dataset: options.previousDataset,
      scan: options.scan,
      quiet: options.quiet,
    });
  if (state === undefined) {
    if (options.previousDataset === undefined)
      checks.push({
        name: `carried over from epoch ${options.epoch - 1n}`,
        ok: false,
        note: `not checked: give epoch ${options.epoch - 1n}'s dataset (--previous-dataset FILE, or --api URL)`,
      });
  } else {
    const broken = checkChainLink(state, dataset.inputs);
    checks.push({
      name: `carried over from epoch ${options.epoch - 1n}`,
      ok: broken === null,
      ...(broken
        ? { note: describeChainLinkBreak(options.epoch, broken) }
        : state.completeHistory
          ? {}
          : {
              note: "checkpoints of streams last seen before that epoch are not checked here (verify-chain checks them)",
            }),
    });
  }

  let chain: ChainEpoch;
  if (options.proposals) {
    const record: ChainEpoch["record"] = await client.readContract({
      address: distributor,
      abi: distributorAbi(),
      functionName: "epochRecord",
      args: [options.epoch],
    });
    const proposal = (options.proposals.get(options.epoch) ?? [])
      .filter((p) => p.root.toLowerCase() === record.root.toLowerCase())
      .at(-1);
    chain = {
      epoch: options.epoch,
      status: EPOCH_STATUS[record.status] ?? `status ${record.status}`,
      record,
      proposal,
    };
  } else chain = await readChainEpoch(client, distributor, options.epoch, options.scan);
  const { status, record } = chain;
  checks.push({
    name: "epoch on-chain",
    ok: status === "Pending" || status === "Finalized",
    actual: status,
    ...(status === "Pending"
      ? { note: `disputable until ${new Date(Number(record.validAt) * 1000).toISOString()}` }
      : {}),
  });
  const proposal = chain.proposal;
  if (!proposal) {
    checks.push({ name: "RootProposed event", ok: false, note: `no proposal of root ${record.root} found` });
  } else {
    const a = proposal;
    checks.push(eq("root", a.root, r.root));
    checks.push(eq("receiptsRoot", a.receiptsRoot, r.receiptsRoot));
    checks.push(eq("datasetHash", a.datasetHash, publishedHash));
    checks.push(eq("rateCardHash", a.rateCardHash, r.rateCardHash));
    checks.push(eq("cumulativeTotal", a.cumulativeTotal.toString(), r.cumulativeTotal.toString()));
    checks.push({ name: "oracle signers", ok: true, note: a.signers.join(", ") });
  }
  return { epoch: options.epoch, ok: checks.every((c) => c.ok), checks, dataset, datasetHash: publishedHash };
}

function eq(name: string, expected: string, actual: string): Check {
  return { name, ok: expected.toLowerCase() === actual.toLowerCase(), expected, actual };
}

/** A readable report: one line per check. */
export function formatReport(report: VerifyEpochReport): string {
  const out = [`epoch ${report.epoch}: ${report.ok ? "VERIFIED" : "MISMATCH"}`];
  for (const c of report.checks) {
    const detail = c.ok
      ? (c.actual ?? "")
      : [c.expected !== undefined ? `expected ${c.expected}` : "", c.actual !== undefined ? `got ${c.actual}` : ""]
          .filter(Boolean)
          .join(", ");
    out.push(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}${detail ? `: ${detail}` : ""}${c.note ? ` — ${c.note}` : ""}`);
  }
  return out.join("\n");
}

/**
 * The API could not hand over an epoch's dataset: `status` is the HTTP status it answered (404 when
 * the epoch is unknown or not computed, 503 when computed but not published yet), or undefined when
 * the API could not be reached at all. A usage error for the CLI (exit code 2).
 */
export class DatasetFetchError extends UsageError {
  override name = "DatasetFetchError";
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message, { retryable: status === undefined || status >= 500 });
    this.status = status;
  }
}

/**
 * Downloads the published dataset of chain epoch `epoch` from an API (`GET /v1/epochs/:n/dataset`)
 * into a file in `dir`, streamed (never held whole), with a progress bar; returns its path. The
 * bytes are checked where they are used: parsing hashes them, and that hash must be the one
 * committed on-chain.
 */
export async function fetchDataset(
  api: string,
  epoch: bigint,
  dir: string,
  options: { quiet?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const url = `${api.replace(/\/$/, "")}/v1/epochs/${epoch}/dataset`;
  let res: Response;
  try {
    res = await fetch(url, options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : undefined);
  } catch (err) {
    throw new DatasetFetchError(
      `cannot reach the API at ${api} (${err instanceof Error ? err.message : String(err)})`,
      undefined,
    );
  }
  if (res.status === 404) throw new DatasetFetchError(`the API has no dataset for epoch ${epoch} (${url})`, 404);
  if (!res.ok) throw new DatasetFetchError(`the API answered ${res.status} for ${url}`, res.status);
  const total = Number(res.headers.get("content-length") ?? 0);
  const bar = progress(`download epoch ${epoch}'s dataset`, options.quiet);
  const file = path.join(dir, `epoch-${epoch}.jsonl`);
  const fd = openSync(file, "w");
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      received += chunk.length;
      bar.update(received, total);
    }
  } finally {
    closeSync(fd);
  }
  bar.done(`${received} bytes`);
  return file;
}

/** A temporary directory for downloaded datasets, removed by `dispose`. */
export function downloadDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "ledger-verify-"));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function datasetFile(file: string, option: string): string {
  try {
    if (statSync(file).isFile()) return file;
  } catch {
    // reported below
  }
  throw new UsageError(`cannot read the ${option} file ${file}`);
}

/** A failure to reach the RPC as one usage line; anything else unchanged. */
export function rpcUnreachable(err: unknown, rpc: string): unknown {
  const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return /fetch failed|ECONNREFUSED|HTTP request failed|took too long/i.test(String(msg))
    ? new UsageError(`cannot reach the RPC at ${rpc}`)
    : err;
}

/** `--from-block N`: where log scans start (the distributor's deployment block; 0 when unknown). */
export function parseFromBlock(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,19}$/.test(value)) throw new UsageError(`--from-block must be a block number`);
  return BigInt(value);
}

export const verifyEpochCommand: Command = {
  name: "verify-epoch",
  summary: "recompute an epoch from its published dataset, check its link to the epoch before, compare with the chain",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        api: { type: "string" },
        rpc: { type: "string" },
        dataset: { type: "string" },
        "previous-dataset": { type: "string" },
        distributor: { type: "string" },
        "from-block": { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    const [n, ...rest] = positionals;
    if (!n || !/^\d{1,19}$/.test(n)) throw new UsageError(`expected an epoch number\nusage: ${USAGE}`);
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}\nusage: ${USAGE}`);
    if (!values.rpc) throw new UsageError(`--rpc URL is required\nusage: ${USAGE}`);
    if (!values.api && !values.dataset) throw new UsageError(`give --api URL or --dataset FILE\nusage: ${USAGE}`);
    if (values.distributor && !/^0x[0-9a-fA-F]{40}$/.test(values.distributor))
      throw new UsageError(`--distributor must be a 0x-prefixed 20-byte address`);
    const fromBlock = parseFromBlock(values["from-block"]);
    const epoch = BigInt(n);
    if (epoch === 0n) throw new UsageError(`chain epochs start at 1`);
    let report: VerifyEpochReport;
    const downloads = downloadDir();
    const pool = createVerifyPool();
    try {
      const dataset = values.dataset
        ? datasetFile(values.dataset, "--dataset")
        : await fetchDataset(values.api!, epoch, downloads.dir);
      let previousDataset: string | undefined;
      if (epoch > 1n) {
        if (values["previous-dataset"]) previousDataset = datasetFile(values["previous-dataset"], "--previous-dataset");
        else if (values.api) previousDataset = await fetchDataset(values.api, epoch - 1n, downloads.dir);
      }
      const {
        dataset: _dataset,
        datasetHash: _hash,
        ...verified
      } = await verifyEpoch({
        epoch,
        client: createPublicClient({ transport: http(values.rpc, { retryCount: 2, timeout: 15_000 }) }),
        dataset,
        previousDataset,
        distributor: values.distributor as Address | undefined,
        scan: { fromBlock },
        pool,
      });
      report = verified;
    } catch (err) {
      throw rpcUnreachable(err, values.rpc);
    } finally {
      await pool.close();
      downloads.dispose();
    }
    console.log(
      values.json
        ? JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))
        : formatReport(report),
    );
    if (!report.ok) throw new CheckFailedError(`epoch ${epoch} does not verify`);
  },
};
