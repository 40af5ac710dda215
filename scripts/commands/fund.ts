import { erc20Abi, type Address } from "viem";
import { formatUsd, microUsdToTokenUnits, tokenUnitsToMicroUsd } from "../../core/units.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import {
  DEFAULT_KEY_ENV,
  chainError,
  checkDistributor,
  connectRpc,
  keyFromEnv,
  parseAddress,
  parseHttpUrl,
  parseIntInRange,
  parseUsdAmount,
  walletFor,
} from "../lib/chain.ts";

const USAGE = `ledger fund AMOUNT --rpc URL --distributor ADDRESS [--chain-id N] [--key-env VAR]   (AMOUNT in USD, e.g. 250.00; the funder's key in $${DEFAULT_KEY_ENV} or VAR)`;

/**
 * Funds the distributor's pool: approves the stablecoin (if the allowance is short) and calls
 * `fund(amount)` from the key's account. AMOUNT is USD; the token's own decimals are read from
 * the token and the amount converted with core's `microUsdToTokenUnits`.
 */
export const fundCommand: Command = {
  name: "fund",
  summary: "approve the stablecoin and fund the distributor's pool with AMOUNT USD",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        rpc: { type: "string" },
        distributor: { type: "string" },
        "chain-id": { type: "string" },
        "key-env": { type: "string" },
      },
      USAGE,
    );
    if (positionals.length !== 1) throw new UsageError(`expected one AMOUNT in USD\nusage: ${USAGE}`);
    const amount = parseUsdAmount(positionals[0], "AMOUNT", 1n);
    const rpc = parseHttpUrl(values.rpc, "--rpc", USAGE);
    const distributor = parseAddress(values.distributor, "--distributor", USAGE);
    const expectedChainId =
      values["chain-id"] === undefined ? undefined : parseIntInRange(values["chain-id"], "--chain-id", 0, 1, 2 ** 32);
    const { account } = keyFromEnv(values["key-env"]);

    const { client, chainId } = await connectRpc(rpc, expectedChainId);
    try {
      const token = await checkDistributor(client, distributor, chainId);
      const decimals = await client.readContract({ address: token, abi: erc20Abi, functionName: "decimals" });
      const units = microUsdToTokenUnits(amount, decimals);
      if (units === 0n) throw new UsageError(`$${formatUsd(amount)} is less than one unit of the token`);
      const funder = account.address.toLowerCase() as Address;
      const balance = await client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [funder],
      });
      if (balance < units)
        throw new UsageError(
          `${funder} holds $${formatUsd(tokenUnitsToMicroUsd(balance, decimals))} of the token ${token}, less than $${formatUsd(amount)}`,
        );
      const wallet = walletFor(rpc, account);
      const allowance = await client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [funder, distributor],
      });
      if (allowance < units) {
        const { request } = await client.simulateContract({
          account,
          address: token,
          abi: erc20Abi,
          functionName: "approve",
          args: [distributor, units],
        });
        const hash = await wallet.writeContract({ ...request, chain: null });
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error(`approve reverted (tx ${hash})`);
        console.log(`approved ${units} token units for ${distributor} (tx ${hash})`);
      }
      const abi = distributorAbi();
      const { request } = await client.simulateContract({
        account,
        address: distributor,
        abi,
        functionName: "fund",
        args: [units],
      });
      const hash = await wallet.writeContract({ ...request, chain: null });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`fund reverted (tx ${hash})`);
      const netFunded = await client.readContract({ address: distributor, abi, functionName: "netFunded" });
      console.log(
        `funded $${formatUsd(amount)} (${units} token units) into ${distributor} on chain ${chainId} (tx ${hash}); net funded now $${formatUsd(tokenUnitsToMicroUsd(netFunded, decimals))}`,
      );
    } catch (err) {
      throw chainError(err, rpc);
    }
  },
};
