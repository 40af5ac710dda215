import type { Hex } from "viem";
import { formatUsd } from "../../core/units.ts";
import { distributorAbi } from "../../oracle/chain.ts";
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

const USAGE = `ledger guardian (veto N --reason TEXT | pause | lower-limit USD) --rpc URL --distributor ADDRESS [--chain-id N] [--key-env VAR]   (the guardian's or pauser's key in $${DEFAULT_KEY_ENV} or VAR)`;

/**
 * The guardian's and pauser's actions, the ones that only reduce risk and so take effect at once:
 * `veto N --reason …` rejects epoch N's pending root during its dispute window (or any time while
 * paused; the epoch's next proposal needs fresh signatures for the next attempt), `pause` stops
 * claims, proposals and finalization. The call is simulated first, so a refusal is one line naming
 * the contract's custom error (`EpochNotPending`, `DisputeWindowElapsed`,
 * `AccessControlUnauthorizedAccount`…) and nothing is sent.
 */
export const guardianCommand: Command = {
  name: "guardian",
  summary:
    "veto N --reason TEXT (a pending root) | pause | lower-limit USD — the guardian's immediate, risk-reducing actions",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        reason: { type: "string" },
        rpc: { type: "string" },
        distributor: { type: "string" },
        "chain-id": { type: "string" },
        "key-env": { type: "string" },
      },
      USAGE,
    );
    const [action, epochArg, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}\nusage: ${USAGE}`);
    let call:
      | { functionName: "veto"; args: readonly [bigint, string] }
      | { functionName: "pause"; args: readonly [] }
      | { functionName: "lowerOutflowLimit"; args: readonly [bigint] };
    if (action === "veto") {
      if (epochArg === undefined) throw new UsageError(`veto needs the epoch N\nusage: ${USAGE}`);
      const epoch = BigInt(parseIntInRange(epochArg, "N", 0, 1, Number.MAX_SAFE_INTEGER));
      const reason = values.reason?.trim();
      if (!reason) throw new UsageError(`veto needs --reason TEXT (recorded on-chain in RootVetoed)\nusage: ${USAGE}`);
      call = { functionName: "veto", args: [epoch, reason] };
    } else if (action === "pause") {
      if (epochArg !== undefined) throw new UsageError(`pause takes no argument\nusage: ${USAGE}`);
      call = { functionName: "pause", args: [] };
    } else if (action === "lower-limit") {
      if (epochArg === undefined)
        throw new UsageError(`lower-limit needs the new limit in USD per window\nusage: ${USAGE}`);
      call = { functionName: "lowerOutflowLimit", args: [parseUsdAmount(epochArg, "USD", 0n)] };
    } else throw new UsageError(`expected veto, pause or lower-limit\nusage: ${USAGE}`);
    const rpc = parseHttpUrl(values.rpc, "--rpc", USAGE);
    const distributor = parseAddress(values.distributor, "--distributor", USAGE);
    const expectedChainId =
      values["chain-id"] === undefined ? undefined : parseIntInRange(values["chain-id"], "--chain-id", 0, 1, 2 ** 32);
    const { account } = keyFromEnv(values["key-env"]);
    const { client, chainId } = await connectRpc(rpc, expectedChainId);
    try {
      await checkDistributor(client, distributor, chainId);
      const { request } = await client.simulateContract({
        account,
        address: distributor,
        abi: distributorAbi(),
        ...call,
      });
      const hash: Hex = await walletFor(rpc, account).writeContract({ ...request, chain: null });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${call.functionName} reverted (tx ${hash})`);
      console.log(
        call.functionName === "veto"
          ? `vetoed epoch ${call.args[0]} on ${distributor} (chain ${chainId}, tx ${hash}): "${call.args[1]}"; its next proposal needs fresh signatures for the next attempt`
          : call.functionName === "pause"
            ? `paused ${distributor} (chain ${chainId}, tx ${hash}): claims, proposals and finalization stop until the admin unpauses`
            : `lowered the outflow limit of ${distributor} to $${formatUsd(call.args[0])} per window (chain ${chainId}, tx ${hash}); raising it again goes through the admin's timelock`,
      );
    } catch (err) {
      throw chainError(err, rpc);
    }
  },
};
