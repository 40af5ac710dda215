import { encodeFunctionData, keccak256 } from "viem";
import type { EpochRoot } from "../../core/eip712.ts";
import type { Hex } from "../../core/hex.ts";
import { crashPoint } from "../crash.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { mapChainError, nodeErrorOf, revertOf, rpc } from "../../chain/client.ts";
import { newestLogs as scanNewestLogs } from "../../chain/log-scan.ts";
import type { OracleChain } from "../chain.ts";
import { ConflictingRootError, EpochStateError, InsufficientFundingError, OracleConfigError, TransactionRevertedError } from "../errors.ts";
import { RpcError } from "../../chain/errors.ts";

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
 * - `readEpochRecord`, `readVetoReason`: what the chain says about an epoch. Event logs are
 *   scanned in bounded block chunks from a known lower bound, never from block 0 at once.
 */

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
 * `newestLogs` (chain/log-scan.ts) over the oracle's chain: from the latest block down to
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

/** The two EIP-1559 fee fields of a transaction, wei per gas. */
export type Fees1559 = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/**
 * The fees of a same-nonce replacement: both fields raised by 25 % (+1 wei, so even 0 rises),
 * or to the node's current estimate if that is higher. Nodes accept a replacement only when
 * both fields rise by at least 10 %.
 */
export function bumpFees(previous: Fees1559, estimate: Fees1559): Fees1559 {
  const up = (v: bigint, est: bigint) => {
    const raised = v + v / 4n + 1n;
    return raised > est ? raised : est;
  };
  const maxPriorityFeePerGas = up(previous.maxPriorityFeePerGas, estimate.maxPriorityFeePerGas);
  const maxFeePerGas = up(previous.maxFeePerGas, estimate.maxFeePerGas);
  return {
    maxFeePerGas: maxFeePerGas > maxPriorityFeePerGas ? maxFeePerGas : maxPriorityFeePerGas,
    maxPriorityFeePerGas,
  };
}

/** Replacements of a stuck transaction before giving up (the next run reads the chain first). */
const MAX_BUMPS = 4;
const DEFAULT_BUMP_AFTER_MS = 60_000;
const DEFAULT_CONFIRM_TIMEOUT_MS = 600_000;
/** The node already holds this exact transaction: it was sent. */
const ALREADY_KNOWN = /already known|already imported|known transaction/i;
/** The nonce was taken meanwhile: retry from a fresh read of the chain. */
const NONCE_TAKEN = /nonce too low|nonce has already been used/i;
/** The node reports the transaction's revert (Hardhat's automine mines it, then answers with the revert). */
const REVERTED_ON_SEND = /revert/i;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pollMs = (chain: OracleChain) => Math.max(10, chain.publicClient.pollingInterval);

/**
 * Signs locally and sends with an explicit nonce, so every transaction's hash is known before
 * the node answers: a lost or garbled `eth_sendRawTransaction` response or receipt is never
 * trusted, and the hashes this process signed are polled instead. A transaction not mined
 * within `bumpAfterMs` is replaced (same nonce, `bumpFees`, up to MAX_BUMPS times), so it is
 * never duplicated; whichever of them lands is returned, after `confirmations` blocks.
 */
async function submit(chain: OracleChain, what: string, call: { to: Hex; data: Hex }): Promise<Mined> {
  const wallet = chain.walletClient!;
  const account = wallet.account;
  if (!account.signTransaction)
    throw new OracleConfigError("The proposer account must be a local key (keystore or private key).");
  const pc = chain.publicClient;
  const [chainId, nonce, gas, estimate] = await Promise.all([
    wallet.chain?.id ?? rpc("getChainId", () => pc.getChainId()),
    rpc("getTransactionCount", () => pc.getTransactionCount({ address: account.address, blockTag: "pending" })),
    // against the pending state: refuses (retryably) while an earlier transaction of ours would make this one revert
    rpc(`estimateGas ${what}`, () => pc.estimateGas({ account, ...call, blockTag: "pending" })),
    rpc("estimateFeesPerGas", () => pc.estimateFeesPerGas()),
  ]);
  let fees: Fees1559 = { maxFeePerGas: estimate.maxFeePerGas, maxPriorityFeePerGas: estimate.maxPriorityFeePerGas };
  const sent: Hex[] = [];
  for (let attempt = 0; attempt <= MAX_BUMPS; attempt++) {
    if (attempt > 0) fees = bumpFees(fees, await pc.estimateFeesPerGas().catch(() => fees));
    const raw = await account.signTransaction({ type: "eip1559", chainId, nonce, gas, ...call, ...fees });
    sent.push(keccak256(raw));
    let deadline = Date.now() + (chain.bumpAfterMs ?? DEFAULT_BUMP_AFTER_MS);
    let refused: unknown;
    try {
      // The node's answer (the hash) is not trusted: we know the hash.
      await pc.request({ method: "eth_sendRawTransaction", params: [raw] });
    } catch (err) {
      // No answer (timeout, reset, 5xx, malformed body): the node may hold the transaction, so
      // poll for it as if sent. A refusal (a JSON-RPC error object) of a replacement leaves the
      // earlier transactions standing; of the first transaction it is thrown (the nonce taken
      // by another transaction: retryable, the next run reads the chain and takes a fresh nonce).
      const refusal = nodeErrorOf(err);
      const message = refusal ? `${refusal.shortMessage} ${refusal.details}` : "";
      if (attempt === 0 && refusal && !ALREADY_KNOWN.test(message)) {
        if (!NONCE_TAKEN.test(message) && !REVERTED_ON_SEND.test(message)) throw mapChainError(`send ${what}`, err);
        // Taken by this very transaction (a transport-level retry re-sent it once mined), or
        // mined and reverted (the revert is then decided on as any mined revert)? One look.
        refused = err;
        deadline = 0;
      }
    }
    const mined = await waitMined(chain, sent, deadline);
    if (mined) {
      if (!mined.success) throw new TransactionRevertedError(what, mined.hash, { blockNumber: mined.blockNumber });
      return waitConfirmed(chain, mined);
    }
    if (refused !== undefined) throw new RpcError(`send ${what}`, refused);
  }
  throw new RpcError(
    `wait ${what}`,
    new Error(`none of ${sent.length} transactions with nonce ${nonce} was mined (${sent.join(", ")})`),
  );
}

type Mined = { hash: Hex; blockNumber: bigint };

/**
 * Without the proposal's transaction: waits until the contract's record at block
 * latest − confirmations + 1 already holds `root` (a retryable error past the deadline).
 */
async function waitRecordConfirmed(chain: OracleChain, chainEpoch: bigint, root: Hex): Promise<void> {
  const need = BigInt(Math.max(1, chain.confirmations));
  if (need === 1n) return;
  const deadline = Date.now() + (chain.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
  for (;;) {
    const latest = await chain.publicClient.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
    if (latest !== undefined && latest + 1n >= need) {
      const then = await readEpochRecord(chain, chainEpoch, latest + 1n - need).catch(() => undefined);
      if (then && then.root === root && then.status !== "None") return;
    }
    if (Date.now() >= deadline)
      throw new RpcError(`confirm epoch ${chainEpoch}`, new Error(`its root has fewer than ${need} confirmations`));
    await sleep(pollMs(chain));
  }
}

/** The first of `hashes` with a receipt for that very hash (a receipt for another tx is garbage), by `deadline`. */
async function waitMined(
  chain: OracleChain,
  hashes: readonly Hex[],
  deadline: number,
): Promise<(Mined & { success: boolean }) | undefined> {
  for (;;) {
    for (const hash of hashes) {
      const r = await chain.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (r && r.transactionHash.toLowerCase() === hash && typeof r.blockNumber === "bigint")
        return { hash, blockNumber: r.blockNumber, success: r.status === "success" };
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(pollMs(chain));
  }
}

/**
 * Waits until `tx` has `confirmations` blocks (its own included) and its receipt is still in
 * the block counted from; a retryable error past the deadline (the next run reads the chain).
 */
async function waitConfirmed(chain: OracleChain, tx: Mined): Promise<Mined> {
  const need = BigInt(Math.max(1, chain.confirmations));
  let blockNumber = tx.blockNumber;
  const deadline = Date.now() + (chain.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
  for (;;) {
    const latest =
      need === 1n ? blockNumber : await chain.publicClient.getBlockNumber({ cacheTime: 0 }).catch(() => 0n);
    if (latest - blockNumber + 1n >= need) {
      if (need === 1n) return tx;
      const r = await chain.publicClient.getTransactionReceipt({ hash: tx.hash }).catch(() => undefined);
      if (r && r.transactionHash.toLowerCase() === tx.hash) {
        if (r.blockNumber === blockNumber) return { hash: tx.hash, blockNumber };
        blockNumber = r.blockNumber; // re-mined elsewhere after a reorg: count again
      }
    }
    if (Date.now() >= deadline)
      throw new RpcError(`confirm ${tx.hash}`, new Error(`fewer than ${need} confirmations of block ${blockNumber}`));
    await sleep(pollMs(chain));
  }
}
