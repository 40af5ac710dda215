import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  formatEther,
  InsufficientFundsError,
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { readFileSync } from "node:fs";
import type { ArtifactMap } from "hardhat/types/artifacts";
import { formatUsd, parseUsd, type MicroUsd } from "../../core/units.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { CheckFailedError, UsageError } from "./cli.ts";

/**
 * What the chain-facing `ledger` commands (fund, claim, status) share: input validation, an RPC
 * connection checked for reachability and chain id, the signing key from an environment variable
 * (never a flag, never logged), GraphQL calls to the API, and every failure as one plain line.
 */

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const DEFAULT_KEY_ENV = "LEDGER_PRIVATE_KEY";
/** The largest amount a command accepts: 10⁹ USD (the distributor's amounts are uint128). */
export const MAX_MICRO_USD: MicroUsd = 10n ** 15n;

export function parseAddress(raw: string | undefined, what: string, usage: string): Address {
  if (!raw) throw new UsageError(`${what} is required\nusage: ${usage}`);
  if (!ADDRESS_RE.test(raw)) throw new UsageError(`${what} must be a 0x-prefixed 20-byte address, got "${clip(raw)}"`);
  return raw.toLowerCase() as Address;
}

export type TimelockAbi = ArtifactMap["RewardsTimelock"]["abi"];
let timelockAbiCache: TimelockAbi | undefined;
/** The RewardsTimelock (OpenZeppelin TimelockController) ABI from `artifacts/`, never copied. */
export function timelockAbi(): TimelockAbi {
  if (timelockAbiCache) return timelockAbiCache;
  const file = new URL(
    "../../artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
    import.meta.url,
  );
  try {
    timelockAbiCache = (JSON.parse(readFileSync(file, "utf8")) as { abi: TimelockAbi }).abi;
  } catch {
    throw new UsageError("no RewardsTimelock artifact: run `npx hardhat build`");
  }
  return timelockAbiCache;
}

/** A decimal integer within [min, max], as bigint (at most 78 digits: uint256). */
export function parseBigIntInRange(raw: string | undefined, what: string, min: bigint, max: bigint): bigint {
  if (raw === undefined) throw new UsageError(`${what} is required`);
  const v = /^\d{1,78}$/.test(raw) ? BigInt(raw) : undefined;
  if (v === undefined || v < min || v > max)
    throw new UsageError(`${what} must be an integer in ${min}…${max}, got "${clip(raw)}"`);
  return v;
}

export function parseHttpUrl(raw: string | undefined, what: string, usage: string): string {
  if (!raw) throw new UsageError(`${what} URL is required\nusage: ${usage}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${what} must be an http(s) URL, got "${clip(raw)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${what} must be an http(s) URL, got "${clip(raw)}"`);
  return raw.replace(/\/+$/, "");
}

/** A USD decimal (at most 6 decimals) as µUSD, within [min, MAX_MICRO_USD]. */
export function parseUsdAmount(raw: string | undefined, what: string, min: MicroUsd): MicroUsd {
  if (raw === undefined) throw new UsageError(`${what} is required`);
  let v: MicroUsd;
  try {
    v = parseUsd(raw);
  } catch {
    throw new UsageError(`${what} must be a USD amount such as 12.50 (at most 6 decimals), got "${clip(raw)}"`);
  }
  if (v < min || v > MAX_MICRO_USD)
    throw new UsageError(`${what} must be between $${formatUsd(min)} and $${formatUsd(MAX_MICRO_USD)}`);
  return v;
}

export function parseIntInRange(raw: string | undefined, what: string, fallback: number, min: number, max: number) {
  if (raw === undefined) return fallback;
  const v = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new UsageError(`${what} must be an integer in ${min}…${max}, got "${clip(raw)}"`);
  return v;
}

export type Signer = { account: PrivateKeyAccount; privateKey: Hex };

/** The private key in the environment variable `name`. The key itself never appears in a message. */
export function keyFromEnv(name: string | undefined): Signer {
  const varName = name ?? DEFAULT_KEY_ENV;
  if (!ENV_NAME_RE.test(varName)) throw new UsageError(`--key-env must name an environment variable`);
  const value = process.env[varName]?.trim();
  if (!value)
    throw new UsageError(`set ${varName} to the signing key (0x + 64 hex digits), or name another with --key-env`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new UsageError(`${varName} is not a private key (expected 0x + 64 hex digits)`);
  try {
    return { account: privateKeyToAccount(value as Hex), privateKey: value as Hex };
  } catch {
    throw new UsageError(`${varName} is not a valid secp256k1 private key`);
  }
}

const unreachable = (err: unknown) =>
  /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|HTTP request failed|timed out|socket hang up|ECONNRESET/i.test(
    err instanceof Error ? `${err.message} ${String((err as { details?: string }).details ?? "")}` : String(err),
  );

/** A public client on `url` after checking it answers (and, if given, that it is chain `expectedChainId`). */
export async function connectRpc(
  url: string,
  expectedChainId?: number,
): Promise<{ client: PublicClient; chainId: number }> {
  const client = createPublicClient({ transport: http(url, { retryCount: 1, timeout: 15_000 }), pollingInterval: 250 });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch {
    throw new UsageError(`cannot reach the RPC at ${url}`);
  }
  if (expectedChainId !== undefined && chainId !== expectedChainId)
    throw new UsageError(`wrong chain: the RPC at ${url} is chain ${chainId}, expected chain ${expectedChainId}`);
  return { client, chainId };
}

export function walletFor(url: string, account: PrivateKeyAccount) {
  return createWalletClient({ account, transport: http(url, { retryCount: 1, timeout: 30_000 }) });
}

/** Checks a RewardsDistributor is deployed at `address`; returns its token. */
export async function checkDistributor(client: PublicClient, address: Address, chainId: number): Promise<Address> {
  const code = await client.getCode({ address }).catch((err: unknown) => {
    throw chainError(err);
  });
  if (!code || code === "0x")
    throw new UsageError(`no contract at ${address} on chain ${chainId}: wrong --distributor or wrong chain?`);
  try {
    return await client.readContract({ address, abi: distributorAbi(), functionName: "TOKEN" });
  } catch {
    throw new UsageError(`the contract at ${address} is not a RewardsDistributor`);
  }
}

/**
 * One line for a chain failure: an unreachable RPC, or a revert with the contract's custom error
 * decoded (`NothingToClaim(…)`, `InsufficientFunding(…)`, …).
 */
export function chainError(err: unknown, rpc?: string): Error {
  if (err instanceof UsageError) return err;
  if (err instanceof ViemBaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName ?? reverted.reason ?? "unknown reason";
      const args = (reverted.data?.args ?? []).map((a) => String(a)).join(", ");
      return new Error(`the contract reverted: ${name}${reverted.data ? `(${args})` : ""}`);
    }
    if (err.walk((e) => e instanceof InsufficientFundsError))
      return new CheckFailedError(
        "the sending key has too little ETH to pay gas: fund it, or send from a key that has ETH (anyone may claim on an account's behalf), or use the gasless path (--sign-only, then --with-sig from a relayer)",
      );
    if (unreachable(err)) return new UsageError(`cannot reach the RPC${rpc ? ` at ${rpc}` : ""}`);
    return new Error(err.shortMessage.split("\n")[0]);
  }
  if (unreachable(err)) return new UsageError(`cannot reach the RPC${rpc ? ` at ${rpc}` : ""}`);
  return err instanceof Error ? err : new Error(String(err));
}

/** A GraphQL query to the API; any transport or GraphQL error is one line. */
export async function graphql<T>(api: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new UsageError(`cannot reach the API at ${api}`);
  }
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new UsageError(`the API at ${api} answered ${res.status} without GraphQL (is it the ledger API?)`);
  }
  if (body.errors?.length) {
    const e = body.errors[0]!;
    if (e.extensions?.code === "NOT_FOUND") throw new UsageError(e.message.split("\n")[0]!);
    throw new UsageError(
      `the API refused the query: ${e.message.split("\n")[0]}${e.extensions?.code ? ` (${e.extensions.code})` : ""}`,
    );
  }
  if (!body.data) throw new UsageError(`the API at ${api} answered ${res.status} with no data`);
  return body.data;
}

/** The API's deployment, from its indexer: chain id and distributor (null before the indexer ran). */
export type ApiDeployment = { chainId: number; contract: Address } | null;

export function clip(s: string): string {
  return s.length > 48 ? `${s.slice(0, 45)}…` : s;
}

export type RequireGasParameters = {
  client: PublicClient;
  /** The address that pays gas. */
  sender: Address;
  /** The call about to be sent, for the gas estimate. */
  request: Parameters<PublicClient["estimateContractGas"]>[0];
  /** What the user can do instead, appended to the message (one sentence). */
  instead: string;
};

/**
 * Refuses, before anything is sent, a transaction its sender cannot pay for: a node answers
 * such a send with an opaque "Missing or invalid parameters", so the check is made here with
 * the sender's balance against the call's estimated cost.
 */
export async function requireGas({ client, sender, request, instead }: RequireGasParameters): Promise<void> {
  const [balanceWei, gas, gasPriceWei] = await Promise.all([
    client.getBalance({ address: sender }),
    client.estimateContractGas(request),
    client.getGasPrice(),
  ]);
  const costWei = gas * gasPriceWei;
  if (balanceWei >= costWei) return;
  throw new CheckFailedError(
    `the key paying gas, ${sender}, holds ${formatEther(balanceWei)} ETH but this transaction needs about ${formatEther(costWei)} ETH: ${instead}`,
  );
}
