/**
 * `ledger verify-epoch N`: an auditor's recomputation of one epoch. Takes the chain (RPC) and the
 * published dataset (an API or a file); hands on a report of checks — the dataset committed
 * on-chain, its link to the epoch before, every output recomputed (scripts/lib/verify/), every
 * policy input signed by a POLICY_ROLE holder — and exits non-zero on any mismatch.
 */
import { distinctSigners, POLICY_ROLE, type PolicySignature } from "../../core/policy.ts";
import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";
import { checkChainLink, describeChainLinkBreak, genesisState, type ChainState } from "../../core/chain-link.ts";
import type { EpochDataset } from "../../core/dataset/types.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { eq, type Check, type VerifyEpochReport } from "../lib/verify/checks.ts";
import {
  EPOCH_STATUS,
  readChainEpoch,
  type ChainEpoch,
  type ProposalArgs,
  type ScanOptions,
} from "../lib/verify/chain-epoch.ts";
import { datasetFile, downloadDir, fetchDataset, type DatasetSource } from "../lib/verify/dataset-source.ts";
import { predecessorState, verifyDatasetOffline } from "../lib/verify/offline.ts";

const USAGE =
  "ledger verify-epoch N --rpc URL (--api URL | --dataset FILE [--previous-dataset FILE]) [--distributor ADDRESS] [--from-block N] [--json]";

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
