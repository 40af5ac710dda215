import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import { keccak256, toHex } from "viem";
import { distributorAbi } from "../chain/abi.ts";
import { firstLine } from "../chain/client.ts";
import type { Address } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import { OracleConfigError } from "./errors.ts";

/**
 * The oracle's view of the chain: viem clients, the RewardsDistributor's address, and the
 * start-up checks that the deployment is the one configured (the ABI and the error split are
 * chain/'s, shared with the indexer and the CLI).
 */

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
