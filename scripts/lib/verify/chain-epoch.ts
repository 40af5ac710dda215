/**
 * What the chain says about epochs, for the auditor: an epoch's record and the `RootProposed` of
 * its root, or every proposal in one forward scan — log scans in bounded chunks (chain/log-scan.ts).
 */
import type { Address, Hex, PublicClient } from "viem";
import { distributorAbi } from "../../../chain/abi.ts";
import { allLogs, newestLogs } from "../../../chain/log-scan.ts";

export const EPOCH_STATUS = ["None", "Pending", "Finalized", "Vetoed"] as const;

/** What the chain says about one epoch: its record, and the `RootProposed` of the record's root. */
export type ChainEpoch = {
  epoch: bigint;
  status: string;
  record: { root: Hex; cumulativeTotal: bigint; validAt: bigint; status: number };
  proposal: ProposalArgs | undefined;
};

export type ProposalArgs = {
  root: Hex;
  receiptsRoot: Hex;
  datasetHash: Hex;
  rateCardHash: Hex;
  cumulativeTotal: bigint;
  signers: readonly Hex[];
};

/** Where log scans start and how wide their chunks are (chain/log-scan.ts). */
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
