import type { Hex } from "viem";
import { formatUsd } from "../../core/units.ts";
import { createVerifyPool } from "../../core/verify-pool.ts";
import { createWatchtower } from "../lib/watchtower.ts";
import { parseFromBlock } from "./verify-epoch.ts";
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

const USAGE = `ledger guardian (veto N --reason TEXT | pause | lower-limit USD) --rpc URL --distributor ADDRESS [--chain-id N] [--key-env VAR]
       ledger guardian watch --rpc URL --api URL --distributor ADDRESS [--from-block N] [--webhook URL] [--grace-seconds N] [--once] [--chain-id N] [--key-env VAR]
       (the guardian's or pauser's key in $${DEFAULT_KEY_ENV} or VAR)`;

/**
 * The guardian's and pauser's actions, the ones that only reduce risk and so take effect at once:
 * `veto N --reason …` rejects epoch N's pending root during its dispute window (or any time while
 * paused; the epoch's next proposal needs fresh signatures for the next attempt), `pause` stops
 * claims, proposals and finalization. The call is simulated first, so a refusal is one line naming
 * the contract's custom error (`EpochNotPending`, `DisputeWindowElapsed`,
 * `AccessControlUnauthorizedAccount`…) and nothing is sent. `watch` runs the watchtower
 * (scripts/lib/watchtower.ts): every pending proposal recomputed from its published dataset and
 * vetoed within its dispute window when it differs, one line per proposal.
 */
export const guardianCommand: Command = {
  name: "guardian",
  summary:
    "veto N --reason TEXT (a pending root) | pause | lower-limit USD — the guardian's immediate, risk-reducing actions; watch — veto wrong roots automatically",
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
        api: { type: "string" },
        "from-block": { type: "string" },
        webhook: { type: "string" },
        "grace-seconds": { type: "string" },
        once: { type: "boolean" },
      },
      USAGE,
    );
    const [action, epochArg, ...rest] = positionals;
    if (action === "watch") {
      if (epochArg !== undefined || rest.length > 0) throw new UsageError(`watch takes no argument\nusage: ${USAGE}`);
      return watch(values);
    }
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

type WatchFlags = {
  rpc?: string | undefined;
  api?: string | undefined;
  distributor?: string | undefined;
  "chain-id"?: string | undefined;
  "key-env"?: string | undefined;
  "from-block"?: string | undefined;
  webhook?: string | undefined;
  "grace-seconds"?: string | undefined;
  once?: boolean | undefined;
};

/** `guardian watch`: the watchtower until SIGINT/SIGTERM (or one pass with `--once`). */
async function watch(values: WatchFlags): Promise<void> {
  const rpc = parseHttpUrl(values.rpc, "--rpc", USAGE);
  const api = parseHttpUrl(values.api, "--api", USAGE);
  const distributor = parseAddress(values.distributor, "--distributor", USAGE);
  const webhook = values.webhook === undefined ? undefined : parseHttpUrl(values.webhook, "--webhook", USAGE);
  const fromBlock = parseFromBlock(values["from-block"]);
  const graceSeconds =
    values["grace-seconds"] === undefined
      ? undefined
      : parseIntInRange(values["grace-seconds"], "--grace-seconds", 0, 0, 365 * 86_400);
  const expectedChainId =
    values["chain-id"] === undefined ? undefined : parseIntInRange(values["chain-id"], "--chain-id", 0, 1, 2 ** 32);
  const { account } = keyFromEnv(values["key-env"]);
  const { client, chainId } = await connectRpc(rpc, expectedChainId);
  try {
    await checkDistributor(client, distributor, chainId);
    const abi = distributorAbi();
    const role = await client.readContract({ address: distributor, abi, functionName: "GUARDIAN_ROLE" });
    if (
      !(await client.readContract({
        address: distributor,
        abi,
        functionName: "hasRole",
        args: [role, account.address],
      }))
    )
      throw new UsageError(
        `${account.address} does not hold GUARDIAN_ROLE on ${distributor}: set ${values["key-env"] ?? DEFAULT_KEY_ENV} to the guardian's key`,
      );
  } catch (err) {
    throw chainError(err, rpc);
  }
  const pool = createVerifyPool();
  const log = (line: string) => console.log(`[${new Date().toISOString()}] ${line}`);
  const tower = createWatchtower({
    publicClient: client,
    walletClient: walletFor(rpc, account),
    distributor,
    api,
    fromBlock,
    webhook,
    graceSeconds,
    pool,
    log,
  });
  log(
    `watchtower: guardian ${account.address} follows RootProposed on ${distributor} (chain ${chainId}) from block ${fromBlock ?? 0n}, datasets from ${api}${webhook ? `, verdicts to ${webhook}` : ""}`,
  );
  try {
    if (values.once) {
      await tower.pass();
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await tower.run({ signal: controller.signal });
    log(
      `watchtower: stopped (${tower.counters.verified} verified, ${tower.counters.vetoed} vetoed, ${tower.counters.skipped} skipped, ${tower.counters.missed} missed)`,
    );
  } finally {
    await pool.close();
  }
}
