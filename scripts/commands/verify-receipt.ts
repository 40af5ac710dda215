import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";
import { receiptLeafHash, verifyReceiptProof } from "../../core/receipts-tree.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { graphql, type ApiDeployment } from "../lib/chain.ts";
import { parseFromBlock, rpcUnreachable } from "./verify-epoch.ts";
import { readChainEpoch, type ScanOptions } from "../lib/verify/chain-epoch.ts";

const USAGE =
  "ledger verify-receipt --epoch N --receipt ID --api URL --rpc URL [--distributor ADDRESS] [--from-block N] [--json]   (N: the chain epoch; ID: the receipt's EIP-712 digest)";

const QUERY = `query Receipt($id: ID!) {
  epoch(id: $id) { oracle { epoch } }
  indexer { chainId contract }
}`;
const INCLUSION = `query Inclusion($epoch: BigInt!, $receiptId: Bytes!) {
  receiptInclusion(epoch: $epoch, receiptId: $receiptId) { chainEpoch receiptId countedBytes leaf proof }
}`;

type Inclusion = { chainEpoch: string | null; receiptId: Hex; countedBytes: string; leaf: Hex; proof: Hex[] };

export type VerifyReceiptReport = {
  ok: boolean;
  epoch: bigint;
  receiptId: Hex;
  /** What the API says was counted for the receipt (checked against the chain's receiptsRoot). */
  countedBytes: bigint | null;
  /** The receiptsRoot of the epoch's proposal on-chain. */
  receiptsRoot: Hex | null;
  reason?: string;
};

/**
 * A supporter's proof that one receipt was counted: the API hands out the receipt's leaf
 * (receiptId, countedBytes) and its Merkle proof; this checks the leaf hash itself and the proof
 * against the `receiptsRoot` the oracle quorum signed into the epoch's on-chain proposal. The API
 * is trusted for nothing: a wrong count, a wrong proof or a receipt that was not counted fails.
 */
export async function verifyReceipt(o: {
  api: string;
  client: PublicClient;
  epoch: bigint;
  receiptId: Hex;
  distributor?: Address | undefined;
  scan?: ScanOptions | undefined;
}): Promise<VerifyReceiptReport> {
  const base = { epoch: o.epoch, receiptId: o.receiptId };
  const meta = await graphql<{ epoch: { oracle: { epoch: string } | null } | null; indexer: ApiDeployment }>(
    o.api,
    QUERY,
    { id: o.epoch.toString() },
  );
  const distributor = o.distributor ?? meta.indexer?.contract;
  if (!distributor)
    throw new UsageError(`the API does not know its distributor yet (its indexer has not run): give --distributor`);
  const chain = await readChainEpoch(o.client, distributor, o.epoch, o.scan);
  if (!chain.proposal)
    return {
      ok: false,
      ...base,
      countedBytes: null,
      receiptsRoot: null,
      reason: `epoch ${o.epoch} has no proposal on-chain`,
    };
  const receiptsRoot = chain.proposal.receiptsRoot;
  const coordinatorEpoch = meta.epoch?.oracle?.epoch;
  if (coordinatorEpoch === undefined)
    return {
      ok: false,
      ...base,
      countedBytes: null,
      receiptsRoot,
      reason: `the API has no oracle record of chain epoch ${o.epoch}`,
    };
  const { receiptInclusion: inc } = await graphql<{ receiptInclusion: Inclusion | null }>(o.api, INCLUSION, {
    epoch: coordinatorEpoch,
    receiptId: o.receiptId,
  });
  if (!inc)
    return {
      ok: false,
      ...base,
      countedBytes: null,
      receiptsRoot,
      reason: `the API has no proof that receipt ${o.receiptId} counted in epoch ${o.epoch} (not counted, or not this epoch's)`,
    };
  const countedBytes = BigInt(inc.countedBytes);
  if (inc.receiptId.toLowerCase() !== o.receiptId.toLowerCase())
    return {
      ok: false,
      ...base,
      countedBytes,
      receiptsRoot,
      reason: `the API answered for another receipt, ${inc.receiptId}`,
    };
  if (inc.chainEpoch !== o.epoch.toString())
    return {
      ok: false,
      ...base,
      countedBytes,
      receiptsRoot,
      reason: `the API's proof is for chain epoch ${inc.chainEpoch}`,
    };
  const leaf = receiptLeafHash({ receiptId: o.receiptId, countedBytes });
  if (leaf !== inc.leaf.toLowerCase())
    return {
      ok: false,
      ...base,
      countedBytes,
      receiptsRoot,
      reason: `the API's leaf ${inc.leaf} is not the hash of (receipt, ${countedBytes} bytes)`,
    };
  const ok = verifyReceiptProof({ receiptId: o.receiptId, countedBytes, proof: inc.proof, receiptsRoot });
  return ok
    ? { ok, ...base, countedBytes, receiptsRoot }
    : {
        ok,
        ...base,
        countedBytes,
        receiptsRoot,
        reason: `the proof does not lead to the on-chain receiptsRoot ${receiptsRoot}`,
      };
}

export const verifyReceiptCommand: Command = {
  name: "verify-receipt",
  summary: "prove one receipt was counted: its Merkle proof checked against the epoch's on-chain receiptsRoot",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        epoch: { type: "string" },
        receipt: { type: "string" },
        api: { type: "string" },
        rpc: { type: "string" },
        distributor: { type: "string" },
        "from-block": { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}\nusage: ${USAGE}`);
    if (!values.epoch || !/^[1-9]\d{0,18}$/.test(values.epoch))
      throw new UsageError(`--epoch N must be a chain epoch (1, 2, …)\nusage: ${USAGE}`);
    if (!values.receipt || !/^0x[0-9a-fA-F]{64}$/.test(values.receipt))
      throw new UsageError(`--receipt ID must be the receipt's id, 0x + 64 hex (its EIP-712 digest)\nusage: ${USAGE}`);
    if (!values.api) throw new UsageError(`--api URL is required\nusage: ${USAGE}`);
    if (!values.rpc) throw new UsageError(`--rpc URL is required\nusage: ${USAGE}`);
    if (values.distributor && !/^0x[0-9a-fA-F]{40}$/.test(values.distributor))
      throw new UsageError(`--distributor must be a 0x-prefixed 20-byte address`);
    let report: VerifyReceiptReport;
    try {
      report = await verifyReceipt({
        api: values.api.replace(/\/$/, ""),
        client: createPublicClient({ transport: http(values.rpc, { retryCount: 2, timeout: 15_000 }) }),
        epoch: BigInt(values.epoch),
        receiptId: values.receipt.toLowerCase() as Hex,
        distributor: values.distributor as Address | undefined,
        scan: { fromBlock: parseFromBlock(values["from-block"]) },
      });
    } catch (err) {
      throw rpcUnreachable(err, values.rpc);
    }
    if (values.json)
      console.log(JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    else if (report.ok)
      console.log(
        `receipt ${report.receiptId}: COUNTED in epoch ${report.epoch}, ${report.countedBytes} bytes, under the on-chain receiptsRoot ${report.receiptsRoot}`,
      );
    else console.log(`receipt ${report.receiptId}: NOT PROVEN in epoch ${report.epoch}: ${report.reason}`);
    if (!report.ok) throw new CheckFailedError(`receipt ${report.receiptId} is not proven: ${report.reason}`);
  },
};
