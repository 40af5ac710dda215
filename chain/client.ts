/**
 * The chain boundary shared by the oracle, the indexer and the CLI: the EIP-712 domain of a
 * deployment, and the retryable/fatal split of chain errors (transport failures and node errors
 * become retryable `RpcError`s, reverts stay as they are, with their custom error decoded).
 */
import { BaseError as ViemBaseError, ContractFunctionRevertedError, InternalRpcError, RpcRequestError } from "viem";
import type { Address, RewardsDomain } from "../core/eip712/domain.ts";
import { BaseError } from "../core/errors.ts";
import { RpcError } from "./errors.ts";

export function domainOf(chainId: number, distributor: Address): RewardsDomain {
  return { chainId, verifyingContract: distributor.toLowerCase() as Address };
}

/** Wraps an RPC call: transport failures become retryable `RpcError`s, reverts stay as they are. */
export async function rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapChainError(what, err);
  }
}

const RETRYABLE_VIEM = new Set([
  "HttpRequestError",
  "TimeoutError",
  "SocketClosedError",
  "WebSocketRequestError",
  "LimitExceededRpcError",
  "ResourceUnavailableRpcError",
  "InternalRpcError",
  "UnknownRpcError",
  "WaitForTransactionReceiptTimeoutError",
  "TransactionNotFoundError",
  "TransactionReceiptNotFoundError",
  // garbage from the node: return data that does not decode as the ABI says (the contract
  // was checked at start-up, so this is the RPC, not the address)
  "AbiDecodingDataSizeTooSmallError",
  "AbiDecodingZeroDataError",
  "PositionOutOfBoundsError",
  "InvalidHexBooleanError",
  "InvalidHexValueError",
]);

/**
 * JSON-RPC error codes that retrying the same request never fixes: the node lacks the method,
 * or the request itself is wrong. Any other JSON-RPC error object (e.g. geth's -32000 "header
 * not found" behind a load balancer) is the node failing now, and retryable.
 */
const PERMANENT_RPC_CODES = new Set([-32600, -32601, -32602, -32004]);

/** The JSON-RPC error object the node answered with, if `err` carries one. */
export function nodeErrorOf(err: unknown): RpcRequestError | undefined {
  if (!(err instanceof ViemBaseError)) return undefined;
  return (err.walk((e) => e instanceof RpcRequestError) as RpcRequestError | null) ?? undefined;
}

/**
 * The retryable/fatal split at the chain boundary: a revert stays as it is (the caller decides);
 * a transport failure, a JSON-RPC error other than PERMANENT_RPC_CODES, or garbage (undecodable
 * data) becomes a retryable `RpcError`; anything else is returned unchanged (fatal).
 */
export function mapChainError(what: string, err: unknown): unknown {
  if (err instanceof BaseError) return err;
  if (err instanceof ViemBaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    // viem reads any JSON-RPC -32603 "internal error" as a revert; without revert data it is the node failing.
    if (revert && !revert.raw && err.walk((e) => e instanceof InternalRpcError)) return new RpcError(what, err);
    if (revert) return err;
    if (err.walk((e) => e instanceof Error && RETRYABLE_VIEM.has(e.name))) return new RpcError(what, err);
    const node = nodeErrorOf(err);
    if (node && !PERMANENT_RPC_CODES.has(node.code)) return new RpcError(what, err);
    return err;
  }
  if (err instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|socket hang up/i.test(err.message))
    return new RpcError(what, err);
  return err;
}

/** The custom error a call reverted with, with its arguments, if any. */
export function revertOf(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(err instanceof ViemBaseError)) return undefined;
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (!revert?.data) return undefined;
  return { name: revert.data.errorName, args: revert.data.args ?? [] };
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err)).split(
    "\n",
  )[0]!;
}
