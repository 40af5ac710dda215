import { readFileSync } from "node:fs";
import { createPublicClient, http, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { bytesToHex } from "../../core/eip712.ts";
import { datasetHash as hashDataset, parseDataset, type EpochDataset } from "../../core/dataset.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { describeDecreasedLeaf, findDecreasedLeaf } from "../../core/monotonic.ts";
import { auditEpochDataset } from "../../core/recompute-epoch.ts";
import { distributorAbi } from "../../oracle/chain.ts";
import { CheckFailedError, UsageError, parseCommandArgs, progress, type Command } from "../lib/cli.ts";

const USAGE = "ledger verify-epoch N --rpc URL (--api URL | --dataset FILE) [--distributor ADDRESS] [--json]";

const EPOCH_STATUS = ["None", "Pending", "Finalized", "Vetoed"] as const;

/** One comparison of the audit: what was expected, what was found. */
export type Check = { name: string; ok: boolean; expected?: string; actual?: string; note?: string };

export type VerifyEpochReport = { epoch: bigint; ok: boolean; checks: Check[] };

/**
 * The auditor's tool: downloads an epoch's published dataset, re-verifies every signature and
 * re-runs the fraud rules and earnings with core (the oracle's own code), rebuilds both trees,
 * and compares root, receiptsRoot, datasetHash and rateCardHash with what the distributor
 * holds on-chain. Trusts neither the API nor the oracle: only the chain and the math.
 */
export async function verifyEpoch(options: {
  epoch: bigint;
  client: PublicClient;
  datasetBytes: Uint8Array;
  distributor?: Address | undefined;
}): Promise<VerifyEpochReport> {
  const checks: Check[] = [];
  const text = new TextDecoder().decode(options.datasetBytes);
  const lines = text.split("\n");

  const parsing = progress("parse dataset");
  const dataset: EpochDataset = parseDataset(
    (function* () {
      for (let i = 0; i < lines.length; i++) {
        if (i % 5000 === 0) parsing.update(i, lines.length);
        yield lines[i]!;
      }
    })(),
  );
  parsing.done(`${dataset.inputs.receipts.length} receipts, ${dataset.outputs.leaves.length} leaves`);
  // `epoch` is the contract's numbering (consecutive from 1); the dataset carries the
  // coordinator's clock epoch, which the signed datasetHash binds to this chain epoch.

  const recomputing = progress("recompute (signatures, fraud rules, earnings, trees)");
  const audit = auditEpochDataset(dataset);
  recomputing.done();
  const r = audit.recomputed;
  const invalidSignatures = r.verdicts.filter((v) => v.reasons.includes("INVALID_SIGNATURE")).length;
  checks.push({
    name: "published outputs recompute",
    ok: audit.ok,
    ...(audit.ok ? {} : { note: `differs in: ${audit.mismatches.join(", ")}` }),
  });
  const decreased = findDecreasedLeaf(dataset.inputs.previousLeaves, dataset.outputs.leaves);
  checks.push({
    name: "no cumulative amount decreased",
    ok: decreased === null,
    ...(decreased ? { note: describeDecreasedLeaf(decreased) } : {}),
  });
  if (invalidSignatures > 0)
    checks.push({
      name: "receipt signatures",
      ok: true,
      note: `${invalidSignatures} invalid, rejected by the fraud rules`,
    });

  const publishedHash = bytesToHex(keccak256Bytes(options.datasetBytes));
  const canonicalHash = hashDataset(dataset);
  checks.push(eq("dataset is in canonical form", canonicalHash, publishedHash));

  // The chain.
  const distributor: Address = options.distributor ?? dataset.inputs.domain.verifyingContract;
  const client = options.client;
  const chainId = await client.getChainId();
  checks.push(eq("chain id", dataset.inputs.domain.chainId.toString(), chainId.toString()));
  checks.push(eq("distributor", dataset.inputs.domain.verifyingContract.toLowerCase(), distributor.toLowerCase()));
  const abi = distributorAbi();
  const record: { root: Hex; cumulativeTotal: bigint; validAt: bigint; status: number } = await client.readContract({
    address: distributor,
    abi,
    functionName: "epochRecord",
    args: [options.epoch],
  });
  const status = EPOCH_STATUS[record.status] ?? `status ${record.status}`;
  checks.push({
    name: "epoch on-chain",
    ok: status === "Pending" || status === "Finalized",
    actual: status,
    ...(status === "Pending"
      ? { note: `disputable until ${new Date(Number(record.validAt) * 1000).toISOString()}` }
      : {}),
  });
  const logs = await client.getLogs({
    address: distributor,
    event: abi.find((e) => e.type === "event" && e.name === "RootProposed") as never,
    args: { epoch: options.epoch } as never,
    fromBlock: 0n,
    toBlock: "latest",
  });
  const proposals = parseEventLogs({ abi, logs, eventName: "RootProposed" });
  const proposal = proposals.filter((p) => p.args.root === record.root).at(-1);
  if (!proposal) {
    checks.push({ name: "RootProposed event", ok: false, note: `no proposal of root ${record.root} found` });
  } else {
    const a = proposal.args;
    checks.push(eq("root", a.root, r.root));
    checks.push(eq("receiptsRoot", a.receiptsRoot, r.receiptsRoot));
    checks.push(eq("datasetHash", a.datasetHash, publishedHash));
    checks.push(eq("rateCardHash", a.rateCardHash, r.rateCardHash));
    const total = r.leaves.reduce((s, l) => s + l.amount, 0n);
    checks.push(eq("cumulativeTotal", a.cumulativeTotal.toString(), total.toString()));
    checks.push({ name: "oracle signers", ok: true, note: a.signers.join(", ") });
  }
  return { epoch: options.epoch, ok: checks.every((c) => c.ok), checks };
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

async function fetchDataset(api: string, epoch: bigint): Promise<Uint8Array> {
  const url = `${api.replace(/\/$/, "")}/v1/epochs/${epoch}/dataset`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new UsageError(`cannot reach the API at ${api} (${err instanceof Error ? err.message : String(err)})`);
  }
  if (res.status === 404) throw new UsageError(`the API has no dataset for epoch ${epoch} (${url})`);
  if (!res.ok) throw new UsageError(`the API answered ${res.status} for ${url}`);
  const total = Number(res.headers.get("content-length") ?? 0);
  const bar = progress("download dataset");
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    received += chunk.length;
    bar.update(received, total);
  }
  bar.done(`${received} bytes`);
  return Buffer.concat(chunks);
}

export const verifyEpochCommand: Command = {
  name: "verify-epoch",
  summary: "recompute an epoch from its published dataset and compare it with the chain",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        api: { type: "string" },
        rpc: { type: "string" },
        dataset: { type: "string" },
        distributor: { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    const [n] = positionals;
    if (!n || !/^\d{1,19}$/.test(n)) throw new UsageError(`expected an epoch number\nusage: ${USAGE}`);
    if (!values.rpc) throw new UsageError(`--rpc URL is required\nusage: ${USAGE}`);
    if (!values.api && !values.dataset) throw new UsageError(`give --api URL or --dataset FILE\nusage: ${USAGE}`);
    if (values.distributor && !/^0x[0-9a-fA-F]{40}$/.test(values.distributor))
      throw new UsageError(`--distributor must be a 0x-prefixed 20-byte address`);
    const epoch = BigInt(n);
    let datasetBytes: Uint8Array;
    if (values.dataset) {
      try {
        datasetBytes = readFileSync(values.dataset);
      } catch {
        throw new UsageError(`cannot read dataset file ${values.dataset}`);
      }
    } else {
      datasetBytes = await fetchDataset(values.api!, epoch);
    }
    let report: VerifyEpochReport;
    try {
      report = await verifyEpoch({
        epoch,
        client: createPublicClient({ transport: http(values.rpc, { retryCount: 2, timeout: 15_000 }) }),
        datasetBytes,
        distributor: values.distributor as Address | undefined,
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
      if (/fetch failed|ECONNREFUSED|HTTP request failed/i.test(String(msg)))
        throw new UsageError(`cannot reach the RPC at ${values.rpc}`);
      throw err;
    }
    console.log(
      values.json
        ? JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))
        : formatReport(report),
    );
    if (!report.ok) throw new CheckFailedError(`epoch ${epoch} does not verify`);
  },
};
