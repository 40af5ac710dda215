/**
 * One gasless claim, from a checked body to a mined `claimWithSig`: the deployment and relayer
 * binding, the fee cap, a simulation (a revert becomes a 4xx with the decoded custom error, and
 * nothing is sent), the per-account rate limit, the relayer key's balance against the gas, then
 * the send. Hands on the transaction hash and the fee the relayer took.
 */
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { ANY_RELAYER, authorizationFromJson } from "../core/claim-authorization.ts";
import { formatUsd } from "../core/units.ts";
import { distributorAbi } from "../chain/abi.ts";
import { firstLine, revertOf } from "../chain/client.ts";
import { RelayerError, refusalOfRevert } from "./errors.ts";
import type { AccountRateLimit } from "./rate-limit.ts";
import type { ClaimBody } from "./schema.ts";

export type RelayerWallet = WalletClient<Transport, Chain | undefined, Account>;

export type RelayerContext = {
  publicClient: PublicClient;
  wallet: RelayerWallet;
  distributor: Address;
  chainId: number;
  /** The most the relayer asks for one claim (µUSD); a request asking more is refused. */
  maxFeeMicroUsd: bigint;
  rateLimit: AccountRateLimit;
};

export type ClaimResult = { transactionHash: Hex; feeMicroUsd: string };

const chainUnavailable = () =>
  new RelayerError(
    503,
    "CHAIN_UNAVAILABLE",
    "The chain's RPC is unreachable right now; nothing was sent. Retry in a few seconds.",
  );

/** Per relayer key, sends are one at a time, so its own nonces never race. */
const queues = new WeakMap<RelayerWallet, Promise<unknown>>();

export async function submitClaim(ctx: RelayerContext, body: ClaimBody): Promise<ClaimResult> {
  const auth = authorizationFromJson(body, (p) => new RelayerError(400, "VALIDATION_FAILED", `The ${p}.`));
  const m = auth.message;
  if (auth.chainId !== ctx.chainId || auth.distributor !== ctx.distributor.toLowerCase())
    throw new RelayerError(
      400,
      "WRONG_DEPLOYMENT",
      `The authorization is for ${auth.distributor} on chain ${auth.chainId}; this relayer submits to ${ctx.distributor} on chain ${ctx.chainId}.`,
    );
  const self = ctx.wallet.account.address.toLowerCase() as Address;
  if (m.relayer !== ANY_RELAYER && m.relayer !== self)
    throw new RelayerError(
      403,
      "WRONG_RELAYER",
      `The authorization may only be submitted by ${m.relayer}, not by this relayer (${self}).`,
    );
  const fee = body.feeMicroUsd === undefined ? min(m.maxRelayerFee, ctx.maxFeeMicroUsd) : BigInt(body.feeMicroUsd);
  if (fee > ctx.maxFeeMicroUsd)
    throw new RelayerError(
      400,
      "FEE_ABOVE_CAP",
      `The fee $${formatUsd(fee)} is above this relayer's cap of $${formatUsd(ctx.maxFeeMicroUsd)}; ask for less.`,
    );
  const call = {
    account: ctx.wallet.account,
    address: ctx.distributor,
    abi: distributorAbi(),
    functionName: "claimWithSig",
    args: [m, BigInt(body.cumulativeMicroUsd), body.proof as Hex[], fee, auth.signature],
  } as const;
  let request;
  try {
    ({ request } = await ctx.publicClient.simulateContract(call));
  } catch (err) {
    throw refusalOf(err);
  }
  // Charged only for a claim that would succeed: nobody can lock an account out with bad requests.
  const allowed = ctx.rateLimit.take(m.account);
  if (!allowed.ok)
    throw new RelayerError(
      429,
      "RATE_LIMITED",
      `A claim for ${m.account} was just relayed; retry in ${allowed.retryAfterSeconds} s.`,
    );
  let sent = false;
  const send = (queues.get(ctx.wallet) ?? Promise.resolve()).then(async () => {
    let balanceWei: bigint, costWei: bigint;
    try {
      const [balance, gas, gasPrice] = await Promise.all([
        ctx.publicClient.getBalance({ address: self }),
        ctx.publicClient.estimateContractGas(call),
        ctx.publicClient.getGasPrice(),
      ]);
      [balanceWei, costWei] = [balance, gas * gasPrice];
    } catch (err) {
      throw refusalOf(err);
    }
    if (balanceWei < costWei)
      throw new RelayerError(
        503,
        "RELAYER_UNFUNDED",
        "The relayer's key has too little ETH for gas right now; nothing was sent.",
      );
    sent = true;
    const hash = await ctx.wallet.writeContract({ ...request, chain: null }).catch(() => {
      throw chainUnavailable();
    });
    const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new RelayerError(502, "CLAIM_FAILED", `The claim was sent but reverted on-chain (tx ${hash}).`);
    return hash;
  });
  queues.set(
    ctx.wallet,
    send.catch(() => undefined),
  );
  try {
    return { transactionHash: await send, feeMicroUsd: fee.toString() };
  } catch (err) {
    if (!sent) ctx.rateLimit.release(m.account); // refused before sending: the account may retry at once
    throw err;
  }
}

/** A failed simulation or estimate: the decoded custom error, a revert without one, or the RPC away. */
function refusalOf(err: unknown): RelayerError {
  const revert = revertOf(err);
  if (revert) return refusalOfRevert(revert.name, revert.args);
  if (err instanceof ViemBaseError && err.walk((e) => e instanceof ContractFunctionRevertedError))
    return new RelayerError(422, "CLAIM_REVERTED", `The distributor would refuse this claim: ${firstLine(err)}.`);
  return chainUnavailable();
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
