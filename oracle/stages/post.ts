import type { EpochRoot, Hex } from "../../core/eip712.ts";
import { crashPoint } from "../crash.ts";
import { distributorAbi, mapChainError, revertOf, rpc } from "../chain.ts";
import type { OracleChain } from "../chain.ts";
import { ConflictingRootError, EpochStateError, InsufficientFundingError, OracleConfigError } from "../errors.ts";

/**
 * Stage 5 — post: the only code that holds a wallet. The chain is the source of truth: every
 * action reads it first, so a restart after any crash resumes without posting twice.
 *
 * - `proposeEpochRoot`: same root already proposed → done (idempotent); a different root →
 *   `ConflictingRootError` (fatal, loud); under-funded → `InsufficientFundingError`
 *   (retryable: the epoch waits in SIGNED); else simulate, send (fees bumped when stuck), wait
 *   for confirmations.
 * - `finalizeEpochRoot`: after the dispute window, anyone may finalize; already finalized → done.
 * - `readEpochRecord`, `readVetoReason`: what the chain says about an epoch.
 */

export type ChainEpochStatus = "None" | "Pending" | "Finalized" | "Vetoed";
const STATUS: ChainEpochStatus[] = ["None", "Pending", "Finalized", "Vetoed"];

export type EpochRecord = { root: Hex; cumulativeTotal: bigint; validAt: bigint; status: ChainEpochStatus };

export async function readEpochRecord(chain: OracleChain, chainEpoch: bigint): Promise<EpochRecord> {
  const r = await rpc("epochRecord", () =>
    chain.publicClient.readContract({
      address: chain.distributor,
      abi: distributorAbi(),
      functionName: "epochRecord",
      args: [chainEpoch],
    }),
  );
  return {
    root: r.root.toLowerCase() as Hex,
    cumulativeTotal: r.cumulativeTotal,
    validAt: r.validAt,
    status: STATUS[r.status] ?? "None",
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

/** The reason of the last `RootVetoed` of an epoch ("" when none is found). */
export async function readVetoReason(chain: OracleChain, chainEpoch: bigint): Promise<string> {
  const logs = await rpc("getContractEvents", () =>
    chain.publicClient.getContractEvents({
      address: chain.distributor,
      abi: distributorAbi(),
      eventName: "RootVetoed",
      args: { epoch: chainEpoch },
      fromBlock: 0n,
      strict: true,
    }),
  );
  const last = logs.at(-1);
  return last ? last.args.reason : "";
}

export type ProposeReturnType =
  | { kind: "posted"; txHash: Hex; blockNumber: bigint; validAt: bigint }
  | { kind: "already"; validAt: bigint; finalized: boolean }
  | { kind: "vetoed"; root: Hex };

export type ProposeParameters = {
  epochRoot: EpochRoot;
  signatures: readonly Hex[];
  /** After a veto, propose even when the new root equals the vetoed one (admin decision). */
  allowVetoedRoot?: boolean;
};

export async function proposeEpochRoot(chain: OracleChain, p: ProposeParameters): Promise<ProposeReturnType> {
  const { epochRoot } = p;
  const ours = epochRoot.root.toLowerCase() as Hex;
  const record = await readEpochRecord(chain, epochRoot.epoch);
  if (record.status === "Pending" || record.status === "Finalized") {
    if (record.root === ours)
      return { kind: "already", validAt: record.validAt, finalized: record.status === "Finalized" };
    throw new ConflictingRootError(epochRoot.epoch, record.root, ours);
  }
  if (record.status === "Vetoed" && record.root === ours && !p.allowVetoedRoot) return { kind: "vetoed", root: ours };

  const abi = distributorAbi();
  const [latest, netFunded] = await Promise.all([
    rpc("latestEpoch", () =>
      chain.publicClient.readContract({ address: chain.distributor, abi, functionName: "latestEpoch" }),
    ),
    rpc("netFunded", () =>
      chain.publicClient.readContract({ address: chain.distributor, abi, functionName: "netFunded" }),
    ),
  ]);
  if (latest + 1n !== epochRoot.epoch)
    throw new EpochStateError(
      `The contract expects chain epoch ${latest + 1n} next, not ${epochRoot.epoch}.`,
      "The database and the chain disagree on the epoch sequence: reconcile before posting.",
    );
  if (netFunded < epochRoot.cumulativeTotal) throw new InsufficientFundingError(epochRoot.cumulativeTotal, netFunded);

  const wallet = chain.walletClient;
  if (!wallet) throw new OracleConfigError("No proposer key configured: cannot post roots.");
  const args = [
    epochRoot.epoch,
    epochRoot.root,
    epochRoot.cumulativeTotal,
    epochRoot.receiptsRoot,
    epochRoot.datasetHash,
    epochRoot.rateCardHash,
    [...p.signatures],
  ] as const;
  try {
    await rpc("simulate proposeRoot", () =>
      chain.publicClient.simulateContract({
        account: wallet.account,
        address: chain.distributor,
        abi,
        functionName: "proposeRoot",
        args,
      }),
    );
  } catch (err) {
    const revert = revertOf(err);
    if (revert?.name === "InsufficientFunding")
      throw new InsufficientFundingError(revert.args[0] as bigint, revert.args[1] as bigint);
    throw err;
  }
  crashPoint("post:before-send");
  const receipt = await sendWithBump(chain, "proposeRoot", (fees) =>
    wallet.writeContract({
      address: chain.distributor,
      abi,
      functionName: "proposeRoot",
      args,
      chain: wallet.chain,
      ...fees,
    }),
  );
  crashPoint("post:after-send");
  const after = await readEpochRecord(chain, epochRoot.epoch);
  if (after.root !== ours || after.status === "None")
    throw new EpochStateError(
      `proposeRoot ${receipt.hash} was mined but chain epoch ${epochRoot.epoch} holds ${after.root}.`,
    );
  return { kind: "posted", txHash: receipt.hash, blockNumber: receipt.blockNumber, validAt: after.validAt };
}

export type FinalizeReturnType =
  | { kind: "finalized"; txHash: Hex | null }
  | { kind: "waiting"; validAt: bigint; now: bigint }
  | { kind: "vetoed"; root: Hex };

export async function finalizeEpochRoot(
  chain: OracleChain,
  chainEpoch: bigint,
  ourRoot: Hex,
): Promise<FinalizeReturnType> {
  const record = await readEpochRecord(chain, chainEpoch);
  if (record.status === "Vetoed" && record.root === ourRoot.toLowerCase()) return { kind: "vetoed", root: record.root };
  if (record.root !== ourRoot.toLowerCase() && record.status !== "None")
    throw new ConflictingRootError(chainEpoch, record.root, ourRoot);
  if (record.status === "Finalized") return { kind: "finalized", txHash: null };
  if (record.status !== "Pending")
    throw new EpochStateError(
      `Chain epoch ${chainEpoch} is ${record.status}; expected a pending proposal to finalize.`,
    );
  const now = await chainTime(chain);
  if (now < record.validAt) return { kind: "waiting", validAt: record.validAt, now };
  const wallet = chain.walletClient;
  if (!wallet) throw new OracleConfigError("No wallet configured: cannot finalize.");
  const abi = distributorAbi();
  try {
    await rpc("simulate finalize", () =>
      chain.publicClient.simulateContract({
        account: wallet.account,
        address: chain.distributor,
        abi,
        functionName: "finalize",
        args: [chainEpoch],
      }),
    );
  } catch (err) {
    const revert = revertOf(err);
    // The next block may still be before validAt on chains that stamp blocks lazily.
    if (revert?.name === "DisputeWindowActive") return { kind: "waiting", validAt: record.validAt, now };
    if (revert?.name === "EpochNotPending") return finalizeEpochRoot(chain, chainEpoch, ourRoot);
    throw err;
  }
  const receipt = await sendWithBump(chain, "finalize", (fees) =>
    wallet.writeContract({
      address: chain.distributor,
      abi,
      functionName: "finalize",
      args: [chainEpoch],
      chain: wallet.chain,
      ...fees,
    }),
  );
  crashPoint("finalize:after-send");
  return { kind: "finalized", txHash: receipt.hash };
}

type Fees = { nonce: number; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };

/**
 * Sends with an explicit nonce and waits for `confirmations`; if the transaction is not mined
 * within `bumpAfterMs`, re-sends it with the same nonce and fees raised by 25 % (up to 4 times),
 * so a stuck transaction is replaced, never duplicated.
 */
async function sendWithBump(
  chain: OracleChain,
  what: string,
  send: (fees: Fees) => Promise<Hex>,
): Promise<{ hash: Hex; blockNumber: bigint }> {
  const wallet = chain.walletClient!;
  const nonce = await rpc("getTransactionCount", () =>
    chain.publicClient.getTransactionCount({ address: wallet.account.address, blockTag: "pending" }),
  );
  let fees: Fees = { nonce };
  for (let attempt = 0; ; attempt++) {
    const hash = await rpc(`send ${what}`, () => send(fees));
    try {
      const receipt = await chain.publicClient.waitForTransactionReceipt({
        hash,
        confirmations: Math.max(1, chain.confirmations),
        timeout: chain.bumpAfterMs ?? 60_000,
      });
      if (receipt.status !== "success") throw new EpochStateError(`${what} transaction ${hash} reverted.`);
      return { hash: receipt.transactionHash, blockNumber: receipt.blockNumber };
    } catch (err) {
      if (!(err instanceof Error) || err.name !== "WaitForTransactionReceiptTimeoutError" || attempt >= 4)
        throw err instanceof EpochStateError ? err : mapChainError(`wait ${what}`, err);
      const est = await rpc("estimateFeesPerGas", () => chain.publicClient.estimateFeesPerGas());
      const bump = (v: bigint | undefined, base: bigint) => {
        const floor = ((v ?? base) * 125n) / 100n;
        return floor > base ? floor : base;
      };
      fees = {
        nonce,
        maxFeePerGas: bump(fees.maxFeePerGas, est.maxFeePerGas),
        maxPriorityFeePerGas: bump(fees.maxPriorityFeePerGas, est.maxPriorityFeePerGas),
      };
    }
  }
}
