import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ArtifactMap } from "hardhat/types/artifacts";
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  InternalRpcError,
  keccak256,
  RpcRequestError,
  toHex,
} from "viem";
import type { Address, RewardsDomain } from "../core/eip712.ts";
import type { Hex } from "../core/hex.ts";
import { BaseError } from "../core/errors.ts";
import { OracleConfigError, RpcError } from "./errors.ts";

/**
 * The oracle's view of the chain: viem clients, the RewardsDistributor's address and ABI (read
 * from Hardhat's build artifacts, never copied), start-up checks, and error mapping into the
 * retryable/fatal split.
 */

export type DistributorAbi = ArtifactMap["RewardsDistributor"]["abi"];

const ARTIFACT = fileURLToPath(
  new URL("../artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json", import.meta.url),
);

let abiCache: DistributorAbi | undefined;
/** The RewardsDistributor ABI from `artifacts/` (run `npx hardhat build` first). */
export function distributorAbi(): DistributorAbi {
  if (abiCache) return abiCache;
  try {
    abiCache = (JSON.parse(readFileSync(ARTIFACT, "utf8")) as { abi: DistributorAbi }).abi;
  } catch {
    throw new OracleConfigError(`No RewardsDistributor artifact at ${ARTIFACT}: run \`npx hardhat build\`.`);
  }
  return abiCache;
}

export type OracleChain = {
  publicClient: PublicClient;
  /** Holds the proposer key; absent for read-only commands (status, sign). */
  walletClient?: WalletClient<Transport, Chain | undefined, Account> | undefined;
  distributor: Address;
  /** Confirmations to wait for after a transaction is mined. */
  confirmations: number;
  /** How long to wait for a transaction to be mined before replacing it with higher fees, ms (default 60 000). */
  bumpAfterMs?: number | undefined;
  /** How long to wait for a mined transaction's confirmations before a retryable error, ms (default 600 000). */
  confirmTimeoutMs?: number | undefined;
  /** No distributor event lies before this block (its deployment block; default 0): log scans stop here. */
  logFromBlock?: bigint | undefined;
  /** Blocks per `eth_getLogs` request (default 10 000), halved while the node refuses the range. */
  logChunkBlocks?: number | undefined;
};

export const PROPOSER_ROLE = keccak256(toHex("PROPOSER_ROLE"));

export function domainOf(chainId: number, distributor: Address): RewardsDomain {
  return { chainId, verifyingContract: distributor.toLowerCase() as Address };
}

/**
 * Start-up checks; each failure is one clear line (`OracleConfigError`): the RPC answers, the
 * chain id is the expected one, a RewardsDistributor is deployed at the address, and the
 * proposer key (if any) holds PROPOSER_ROLE.
 */
export async function checkDeployment(chain: OracleChain, expectedChainId: number): Promise<void> {
  let chainId: number;
  try {
    chainId = await chain.publicClient.getChainId();
  } catch (err) {
    throw new OracleConfigError(`The RPC does not answer: ${firstLine(err)}`);
  }
  if (chainId !== expectedChainId)
    throw new OracleConfigError(
      `Wrong chain: the RPC is chain ${chainId}, the oracle is configured for ${expectedChainId}.`,
    );
  const code = await chain.publicClient.getCode({ address: chain.distributor });
  if (!code || code === "0x")
    throw new OracleConfigError(
      `No contract at ${chain.distributor} on chain ${chainId}: wrong LEDGER_DISTRIBUTOR_ADDRESS?`,
    );
  let role: Hex;
  try {
    role = await chain.publicClient.readContract({
      address: chain.distributor,
      abi: distributorAbi(),
      functionName: "PROPOSER_ROLE",
    });
  } catch {
    throw new OracleConfigError(`The contract at ${chain.distributor} is not a RewardsDistributor.`);
  }
  if (chain.walletClient) {
    const proposer = chain.walletClient.account.address;
    const has = await chain.publicClient.readContract({
      address: chain.distributor,
      abi: distributorAbi(),
      functionName: "hasRole",
      args: [role, proposer],
    });
    if (!has) throw new OracleConfigError(`The proposer key ${proposer} lacks PROPOSER_ROLE on ${chain.distributor}.`);
  }
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
