/**
 * The timelock's operations as `ledger governance` reads and sends them: the context (RPC,
 * distributor, timelock, where scans start), every operation with its state, and one send path
 * that names a contract's refusal in one line.
 */
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { distributorAbi } from "../../../chain/abi.ts";
import { scanLogs } from "../../../chain/log-scan.ts";
import { CheckFailedError, UsageError } from "../cli.ts";
import {
  chainError,
  checkDistributor,
  connectRpc,
  parseAddress,
  parseBigIntInRange,
  parseHttpUrl,
  parseIntInRange,
  timelockAbi,
  walletFor,
  type Signer,
} from "../chain.ts";

import { roleName, show, STATES, timelockCallAbi, USAGE } from "./actions.ts";

/** The contract's custom error in one line with what to do, or the generic chain error line. */
export function refusal(
  err: unknown,
  rpc: string,
  hint: (name: string, args: readonly unknown[]) => string | undefined,
) {
  if (err instanceof ViemBaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const args = reverted.data.args ?? [];
      const shown = args.map(show);
      const what = hint(reverted.data.errorName, args);
      return new CheckFailedError(
        `the contract refused: ${reverted.data.errorName}(${shown.join(", ")})${what ? `: ${what}` : ""}`,
      );
    }
  }
  return chainError(err, rpc);
}

export type Operation = {
  id: Hex;
  calls: { index: bigint; target: Address; value: bigint; data: Hex }[];
  predecessor: Hex;
  salt: Hex;
  delay: bigint;
  scheduledBlock: bigint;
  state: "pending" | "ready" | "done" | "cancelled";
  readyAt: bigint;
};

export type Context = {
  client: PublicClient;
  rpc: string;
  chainId: number;
  distributor: Address;
  timelock: Address;
  fromBlock: bigint;
};

/**
 * The deployment block of `address` (the lowest block with its code), by bisection over `getCode`, so the
 * log scans start there and not at block 0; a node without historical state needs `--from-block`.
 */
export async function deploymentBlock(client: PublicClient, address: Address): Promise<bigint> {
  let hi = await client.getBlockNumber();
  let lo = 0n;
  try {
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      const code = await client.getCode({ address, blockNumber: mid });
      if (code && code !== "0x") hi = mid;
      else lo = mid + 1n;
    }
  } catch {
    throw new UsageError(
      `the RPC cannot read historical code to find the timelock's deployment block: pass --from-block N (the deployment block)`,
    );
  }
  return lo;
}

/** Every operation the timelock ever saw (its CallScheduled, CallSalt, CallExecuted and Cancelled logs). */
export async function readOperations(ctx: Context, only?: Hex): Promise<Operation[]> {
  const abi = timelockAbi();
  const scan = <T>(what: string, query: (range: { fromBlock: bigint; toBlock: bigint }) => Promise<T[]>) =>
    scanLogs({ publicClient: ctx.client, what, floor: ctx.fromBlock, mode: "all" }, query);
  const args = only ? { id: only } : undefined;
  const common = { address: ctx.timelock, abi, strict: true } as const;
  const [scheduled, salts, cancelled] = await Promise.all([
    scan("CallScheduled", (r) => ctx.client.getContractEvents({ ...common, eventName: "CallScheduled", args, ...r })),
    scan("CallSalt", (r) => ctx.client.getContractEvents({ ...common, eventName: "CallSalt", args, ...r })),
    scan("Cancelled", (r) => ctx.client.getContractEvents({ ...common, eventName: "Cancelled", args, ...r })),
  ]);
  const byId = new Map<Hex, Operation>();
  for (const log of scheduled) {
    const id = log.args.id.toLowerCase() as Hex;
    // A re-schedule after a cancel reuses the id: the latest scheduling wins.
    let op = byId.get(id);
    if (!op || log.blockNumber > op.scheduledBlock) {
      op = {
        id,
        calls: [],
        predecessor: log.args.predecessor,
        salt: zeroHash,
        delay: log.args.delay,
        scheduledBlock: log.blockNumber,
        state: "pending",
        readyAt: 0n,
      };
      byId.set(id, op);
    }
    if (log.blockNumber === op.scheduledBlock && !op.calls.some((c) => c.index === log.args.index))
      op.calls.push({ index: log.args.index, target: log.args.target, value: log.args.value, data: log.args.data });
  }
  for (const log of salts) {
    const op = byId.get(log.args.id.toLowerCase() as Hex);
    if (op && log.blockNumber === op.scheduledBlock) op.salt = log.args.salt;
  }
  const cancelledIds = new Set(cancelled.map((l) => l.args.id.toLowerCase() as Hex));
  const ops = [...byId.values()];
  await Promise.all(
    ops.map(async (op) => {
      op.calls.sort((a, b) => (a.index < b.index ? -1 : 1));
      const [state, timestamp] = await Promise.all([
        ctx.client.readContract({ address: ctx.timelock, abi, functionName: "getOperationState", args: [op.id] }),
        ctx.client.readContract({ address: ctx.timelock, abi, functionName: "getTimestamp", args: [op.id] }),
      ]);
      const s = STATES[state] ?? "unset";
      // Unset after a CallScheduled can only be a cancel (the timelock deletes a cancelled operation).
      op.state = s === "waiting" ? "pending" : s === "ready" ? "ready" : s === "done" ? "done" : "cancelled";
      if (op.state === "cancelled" && !cancelledIds.has(op.id))
        throw new Error(`operation ${op.id} is unset without a Cancelled log: is the RPC behind?`);
      op.readyAt = timestamp > 1n ? timestamp : 0n;
      if (op.readyAt === 0n) {
        const block = await ctx.client.getBlock({ blockNumber: op.scheduledBlock });
        op.readyAt = block.timestamp + op.delay;
      }
    }),
  );
  return ops.sort((a, b) => (a.scheduledBlock < b.scheduledBlock ? -1 : a.scheduledBlock > b.scheduledBlock ? 1 : 0));
}

export async function chainNow(client: PublicClient): Promise<bigint> {
  return (await client.getBlock({ blockTag: "latest" })).timestamp;
}

export async function send(
  ctx: Context,
  signer: Signer,
  functionName: string,
  args: readonly unknown[],
  hint: Parameters<typeof refusal>[2],
) {
  let request;
  try {
    ({ request } = await ctx.client.simulateContract({
      account: signer.account,
      address: ctx.timelock,
      abi: timelockCallAbi(),
      functionName,
      args,
    }));
  } catch (err) {
    throw refusal(err, ctx.rpc, hint);
  }
  try {
    const hash = await walletFor(ctx.rpc, signer.account).writeContract({ ...request, chain: null });
    const receipt = await ctx.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (tx ${hash})`);
    return hash;
  } catch (err) {
    throw refusal(err, ctx.rpc, hint);
  }
}

/** Hints for the refusals every sending subcommand can meet. */
export function commonHint(ctx: Context, signer: Signer, name: string, args: readonly unknown[]): string | undefined {
  if (name === "AccessControlUnauthorizedAccount") {
    const role = roleName(String(args[1]));
    const who =
      role === "PROPOSER_ROLE"
        ? "a governor (the timelock's PROPOSER_ROLE)"
        : role === "CANCELLER_ROLE"
          ? "the guardian or a governor (the timelock's CANCELLER_ROLE)"
          : role === "EXECUTOR_ROLE"
            ? "an executor (the timelock's EXECUTOR_ROLE)"
            : `a holder of ${role}`;
    return `the key ${signer.account.address.toLowerCase()} is not ${who}: send from such a key (ledger governance roles lists them)`;
  }
  if (name === "TimelockInsufficientDelay")
    return `the timelock's minimum delay is ${String(args[1])} s: pass --delay ${String(args[1])} or more`;
  return undefined;
}

export async function resolveContext(values: Record<string, string | boolean | undefined>): Promise<Context> {
  const str = (k: string) => (typeof values[k] === "string" ? values[k] : undefined);
  const rpc = parseHttpUrl(str("rpc"), "--rpc", USAGE);
  const distributor = parseAddress(str("distributor"), "--distributor", USAGE);
  const timelockArg = str("timelock") === undefined ? undefined : parseAddress(str("timelock"), "--timelock", USAGE);
  const fromArg =
    str("from-block") === undefined ? undefined : parseBigIntInRange(str("from-block"), "--from-block", 0n, 2n ** 53n);
  const expectedChainId =
    str("chain-id") === undefined ? undefined : parseIntInRange(str("chain-id"), "--chain-id", 0, 1, 2 ** 32);
  const { client, chainId } = await connectRpc(rpc, expectedChainId);
  try {
    await checkDistributor(client, distributor, chainId);
    const timelock =
      timelockArg ??
      ((
        await client.readContract({ address: distributor, abi: distributorAbi(), functionName: "defaultAdmin" })
      ).toLowerCase() as Address);
    const code = await client.getCode({ address: timelock });
    if (!code || code === "0x")
      throw new UsageError(
        `the distributor's admin ${timelock} is not a contract (an account, not a timelock): nothing is delayed on this deployment`,
      );
    try {
      await client.readContract({ address: timelock, abi: timelockAbi(), functionName: "getMinDelay" });
    } catch {
      throw new UsageError(`the contract at ${timelock} is not a TimelockController (--timelock)`);
    }
    const fromBlock = fromArg ?? (await deploymentBlock(client, timelock));
    return { client, rpc, chainId, distributor, timelock, fromBlock };
  } catch (err) {
    throw chainError(err, rpc);
  }
}
