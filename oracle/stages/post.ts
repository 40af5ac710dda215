import { encodeFunctionData } from "viem";
import type { EpochRoot } from "../../core/eip712/epoch-root.ts";
import type { Hex } from "../../core/hex.ts";
import { crashPoint } from "../crash.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { mapChainError, revertOf, rpc } from "../../chain/client.ts";
import type { OracleChain } from "../chain.ts";
import { chainTime, readEpochRecord, readProposalTx } from "../chain-reads.ts";
import type { Mined } from "../chain-reads.ts";
import {
  ConflictingRootError,
  EpochStateError,
  InsufficientFundingError,
  OracleConfigError,
  TransactionRevertedError,
} from "../errors.ts";
import { RpcError } from "../../chain/errors.ts";
import { submit, waitConfirmed, waitRecordConfirmed } from "../submitter.ts";

/**
 * Stage 5 — post: the only code that holds a wallet. The chain is the source of truth: every
 * action reads it first, so a restart after any crash resumes without posting twice.
 *
 * - `proposeEpochRoot`: same root already proposed → done (idempotent: its tx is looked up and
 *   waited on for the confirmations); a different root → `ConflictingRootError` (fatal, loud);
 *   under-funded → `InsufficientFundingError` (retryable: the epoch waits in SIGNED); else
 *   simulate, send (`submit`: signed locally, fees bumped when stuck), wait for confirmations.
 *   A proposal that reverts because the distributor was drained after the simulation is the
 *   same `InsufficientFundingError` (the revert is replayed to learn why).
 * - `finalizeEpochRoot`: after the dispute window, anyone may finalize; already finalized → done.
 *
 * What the chain says about an epoch (`readEpochRecord`, `readVetoReason`, …) is read in
 * oracle/chain-reads.ts; transactions are sent by oracle/submitter.ts.
 */

export type ProposeReturnType =
  | { kind: "posted"; txHash: Hex; blockNumber: bigint; validAt: bigint }
  /** Our root was on-chain already (a retry after a lost receipt, a crash): its tx, when found, confirmed. */
  | { kind: "already"; validAt: bigint; finalized: boolean; txHash: Hex | null; blockNumber: bigint | null }
  | { kind: "vetoed"; root: Hex };

export type ProposeParameters = {
  epochRoot: EpochRoot;
  signatures: readonly Hex[];
  /** After a veto, propose even when the new root equals the vetoed one (admin decision). */
  allowVetoedRoot?: boolean;
  /** A block before this epoch's proposal (the previous epoch's proposal block): where a search for its tx stops. */
  logsFromBlock?: bigint | null;
};

export async function proposeEpochRoot(chain: OracleChain, p: ProposeParameters): Promise<ProposeReturnType> {
  const { epochRoot } = p;
  const ours = epochRoot.root.toLowerCase() as Hex;
  const record = await readEpochRecord(chain, epochRoot.epoch);
  if (record.status === "Pending" || record.status === "Finalized") {
    if (record.root !== ours) throw new ConflictingRootError(epochRoot.epoch, record.root, ours);
    const finalized = record.status === "Finalized";
    // Its transaction, best effort: an RPC may refuse even a chunked log query.
    let tx = await readProposalTx(chain, epochRoot.epoch, ours, p.logsFromBlock).catch(() => undefined);
    // A proposal found on-chain counts only with the confirmations a fresh one waits for.
    if (tx && !finalized) tx = await waitConfirmed(chain, tx);
    else if (!finalized) await waitRecordConfirmed(chain, epochRoot.epoch, ours);
    return {
      kind: "already",
      validAt: record.validAt,
      finalized,
      txHash: tx?.hash ?? null,
      blockNumber: tx?.blockNumber ?? null,
    };
  }
  // Our attempt was vetoed (its signatures are spent: the contract accepts only the next attempt), or
  // the new attempt re-proposes the vetoed root without the admin's decision.
  if (
    record.status === "Vetoed" &&
    (record.attempt >= epochRoot.attempt || (record.root === ours && !p.allowVetoedRoot))
  )
    return { kind: "vetoed", root: record.root };
  const expectedAttempt = record.status === "Vetoed" ? record.attempt + 1n : 1n;
  if (epochRoot.attempt !== expectedAttempt)
    throw new EpochStateError(
      `The contract expects attempt ${expectedAttempt} of chain epoch ${epochRoot.epoch}, not ${epochRoot.attempt}.`,
      "The database and the chain disagree on the epoch's vetoes: reconcile before posting.",
    );

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
    epochRoot.attempt,
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
  let receipt: Mined;
  try {
    receipt = await submit(chain, "proposeRoot", {
      to: chain.distributor,
      data: encodeFunctionData({ abi, functionName: "proposeRoot", args }),
    });
  } catch (err) {
    if (!(err instanceof TransactionRevertedError)) throw err;
    // Another proposal landed first: ours (an earlier tx given up on as stuck, mined later, or
    // another proposer's) is done, a different root is the loud ConflictingRootError.
    const now = await readEpochRecord(chain, epochRoot.epoch);
    if (now.status === "Pending" || now.status === "Finalized") return proposeEpochRoot(chain, p);
    // Else why: the same call replayed on the state after the block it reverted in. The
    // distributor drained after the simulation (`withdrawExcess` mined first) is the retryable
    // InsufficientFundingError — the epoch waits in SIGNED with the alert; the reverted
    // transaction used its nonce, so the next attempt signs with the next one. Anything else
    // (paused, signers changed, out of gas…) stays fatal, naming the reason.
    const reason = await replayRevert(chain, wallet.account, args, err.blockNumber);
    if (reason?.name === "InsufficientFunding")
      throw new InsufficientFundingError(reason.args[0] as bigint, reason.args[1] as bigint);
    throw reason ? new TransactionRevertedError("proposeRoot", err.txHash, { reason: reason.name }) : err;
  }
  crashPoint("post:after-send");
  const after = await readEpochRecord(chain, epochRoot.epoch);
  if (after.root !== ours || after.status === "None")
    throw new EpochStateError(
      `proposeRoot ${receipt.hash} was mined but chain epoch ${epochRoot.epoch} holds ${after.root}.`,
    );
  return { kind: "posted", txHash: receipt.hash, blockNumber: receipt.blockNumber, validAt: after.validAt };
}

/**
 * The custom error `proposeRoot(args)` reverts with at `blockNumber` (the state after that
 * block), or at the latest block when it does not revert there; undefined when it does not
 * revert (with a decodable reason) at all. A failure to ask is a retryable `RpcError`.
 */
async function replayRevert(
  chain: OracleChain,
  account: NonNullable<OracleChain["walletClient"]>["account"],
  args: readonly [bigint, bigint, Hex, bigint, Hex, Hex, Hex, readonly Hex[]],
  blockNumber: bigint | undefined,
): Promise<{ name: string; args: readonly unknown[] } | undefined> {
  for (const at of blockNumber === undefined ? [undefined] : [blockNumber, undefined]) {
    try {
      await chain.publicClient.simulateContract({
        account,
        address: chain.distributor,
        abi: distributorAbi(),
        functionName: "proposeRoot",
        args,
        ...(at === undefined ? {} : { blockNumber: at }),
      });
    } catch (err) {
      const revert = revertOf(err);
      if (revert) return revert;
      const mapped = mapChainError("replay proposeRoot", err);
      if (mapped instanceof RpcError) throw mapped;
      return undefined; // a revert without a decodable reason: the original error stands
    }
  }
  return undefined;
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
  let receipt: Mined;
  try {
    receipt = await submit(chain, "finalize", {
      to: chain.distributor,
      data: encodeFunctionData({ abi, functionName: "finalize", args: [chainEpoch] }),
    });
  } catch (err) {
    // Finalized meanwhile (anyone may finalize, or an earlier transaction of ours landed late),
    // or vetoed while ours was pending: what the chain now says decides.
    if (err instanceof TransactionRevertedError && (await readEpochRecord(chain, chainEpoch)).status !== "Pending")
      return finalizeEpochRoot(chain, chainEpoch, ourRoot);
    throw err;
  }
  crashPoint("finalize:after-send");
  return { kind: "finalized", txHash: receipt.hash };
}
