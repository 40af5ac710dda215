import type { Hex } from "../core/hex.ts";
import { distributorAbi } from "../chain/abi.ts";
import { mapChainError, rpc } from "../chain/client.ts";
import type { OracleChain } from "./chain.ts";
import { RpcError } from "../chain/errors.ts";
import { newestLogs as scanNewestLogs } from "../chain/log-scan.ts";

/**
 * Chain reads: what the RewardsDistributor says (an epoch's record, the signer threshold, who is
 * a signer, the chain's clock) and the events of an epoch (its veto reason, its proposal tx),
 * from an `OracleChain`; hands plain values on to the post stage, the submitter and the state
 * machine. Event logs are scanned in bounded block chunks from a known lower bound, never from
 * block 0 at once. Writes nothing.
 */

/** A mined transaction: its hash and block. */
export type Mined = { hash: Hex; blockNumber: bigint };

export type ChainEpochStatus = "None" | "Pending" | "Finalized" | "Vetoed";
const STATUS: ChainEpochStatus[] = ["None", "Pending", "Finalized", "Vetoed"];

export type EpochRecord = {
  root: Hex;
  cumulativeTotal: bigint;
  validAt: bigint;
  status: ChainEpochStatus;
  /** The attempt the record's root was signed for (0 before the first proposal). */
  attempt: bigint;
};

/** The contract's record of `chainEpoch`, at the latest block or at `blockNumber`. */
export async function readEpochRecord(
  chain: OracleChain,
  chainEpoch: bigint,
  blockNumber?: bigint,
): Promise<EpochRecord> {
  const r = await rpc("epochRecord", () =>
    chain.publicClient.readContract({
      address: chain.distributor,
      abi: distributorAbi(),
      functionName: "epochRecord",
      args: [chainEpoch],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    }),
  );
  return {
    root: r.root.toLowerCase() as Hex,
    cumulativeTotal: r.cumulativeTotal,
    validAt: r.validAt,
    status: STATUS[r.status] ?? "None",
    attempt: BigInt(r.attempt),
  };
}

export async function readThreshold(chain: OracleChain): Promise<bigint> {
  return rpc("threshold", () =>
    chain.publicClient.readContract({ address: chain.distributor, abi: distributorAbi(), functionName: "threshold" }),
  );
}

export async function isAuthorizedSigner(chain: OracleChain, signer: Hex): Promise<boolean> {
  return rpc("isSigner", () =>
    chain.publicClient.readContract({
      address: chain.distributor,
      abi: distributorAbi(),
      functionName: "isSigner",
      args: [signer],
    }),
  );
}

/** The latest block's timestamp: the contract's clock. */
export async function chainTime(chain: OracleChain): Promise<bigint> {
  const block = await rpc("getBlock", () => chain.publicClient.getBlock({ blockTag: "latest" }));
  return block.timestamp;
}

/** Blocks per `eth_getLogs` request unless configured: many L2 RPCs refuse wider ranges. */
/**
 * `newestLogs` (oracle/log-scan.ts) over the oracle's chain: from the latest block down to
 * `floor` in chunks of `chain.logChunkBlocks`; any failure is mapped as every RPC call
 * (`mapChainError`); a range refused at one block is retryable.
 */
async function newestLogs<T>(
  chain: OracleChain,
  what: string,
  floor: bigint,
  query: (range: { fromBlock: bigint; toBlock: bigint }) => Promise<T[]>,
): Promise<T[]> {
  const latest = await rpc("getBlockNumber", () => chain.publicClient.getBlockNumber({ cacheTime: 0 }));
  try {
    return await scanNewestLogs({ floor, latest, chunkBlocks: chain.logChunkBlocks }, query);
  } catch (err) {
    throw mapChainError(what, err);
  }
}

/** The lowest block a log scan looks at: `fromBlock` (what the database knows), never below the deployment block. */
function scanFloor(chain: OracleChain, fromBlock: bigint | null | undefined): bigint {
  const deployed = chain.logFromBlock ?? 0n;
  return fromBlock != null && fromBlock > deployed ? fromBlock : deployed;
}

/**
 * The reason of the last `RootVetoed` of an epoch the contract says is vetoed, scanned for
 * (`newestLogs`) from `fromBlock` — a block known to precede the veto: the block the epoch's
 * proposal was mined in, else the previous epoch's — never from block 0 over one range, which
 * real L2 RPCs refuse. No such event is the RPC's inconsistency (a lagging or load-balanced
 * node): a retryable `RpcError`, so an empty reason is never recorded as the guardian's (the
 * state machine gives up on the reason, not on the veto, after a few runs: see `markVetoed`).
 */
export async function readVetoReason(
  chain: OracleChain,
  chainEpoch: bigint,
  fromBlock?: bigint | null,
): Promise<string> {
  const logs = await newestLogs(chain, "getContractEvents RootVetoed", scanFloor(chain, fromBlock), (range) =>
    chain.publicClient.getContractEvents({
      address: chain.distributor,
      abi: distributorAbi(),
      eventName: "RootVetoed",
      args: { epoch: chainEpoch },
      ...range,
      strict: true,
    }),
  );
  const last = logs.at(-1);
  if (!last)
    throw new RpcError("getContractEvents", new Error(`no RootVetoed event for vetoed chain epoch ${chainEpoch}`));
  return last.args.reason;
}

/**
 * The transaction that proposed `root` for `chainEpoch` (its last `RootProposed`), if found,
 * scanned for (`newestLogs`) from `fromBlock` (e.g. the previous epoch's proposal block).
 */
export async function readProposalTx(
  chain: OracleChain,
  chainEpoch: bigint,
  root: Hex,
  fromBlock?: bigint | null,
): Promise<Mined | undefined> {
  const ours = (l: { args: { root: Hex } }) => l.args.root.toLowerCase() === root.toLowerCase();
  const logs = await newestLogs(chain, "getContractEvents RootProposed", scanFloor(chain, fromBlock), async (range) =>
    (
      await chain.publicClient.getContractEvents({
        address: chain.distributor,
        abi: distributorAbi(),
        eventName: "RootProposed",
        args: { epoch: chainEpoch },
        ...range,
        strict: true,
      })
    ).filter(ours),
  );
  const last = logs.at(-1);
  return last ? { hash: last.transactionHash.toLowerCase() as Hex, blockNumber: last.blockNumber } : undefined;
}
