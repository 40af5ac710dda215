import type { Hex } from "../core/hex.ts";
import { keccak256 } from "viem";
import { mapChainError, nodeErrorOf, rpc } from "../chain/client.ts";
import type { OracleChain } from "./chain.ts";
import { readEpochRecord } from "./chain-reads.ts";
import type { Mined } from "./chain-reads.ts";
import { OracleConfigError, TransactionRevertedError } from "./errors.ts";
import { RpcError } from "../chain/errors.ts";

/**
 * The submitter: takes one contract call (`to`, `data`) and the oracle's chain (its local-key
 * wallet), and hands back the mined transaction after its confirmations — signed locally with an
 * explicit nonce, fee-bumped (same nonce) while stuck, never duplicated. Also the waits for a
 * mined transaction's (or a record's) confirmations.
 */

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
export async function submit(chain: OracleChain, what: string, call: { to: Hex; data: Hex }): Promise<Mined> {
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

/**
 * Without the proposal's transaction: waits until the contract's record at block
 * latest − confirmations + 1 already holds `root` (a retryable error past the deadline).
 */
export async function waitRecordConfirmed(chain: OracleChain, chainEpoch: bigint, root: Hex): Promise<void> {
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
export async function waitConfirmed(chain: OracleChain, tx: Mined): Promise<Mined> {
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
