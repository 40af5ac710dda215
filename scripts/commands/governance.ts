import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  decodeFunctionData,
  encodeFunctionData,
  keccak256,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import type { MicroUsd } from "../../core/units.ts";
import { distributorAbi } from "../../oracle/chain.ts";
import { scanLogs } from "../../oracle/log-scan.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import {
  DEFAULT_KEY_ENV,
  chainError,
  checkDistributor,
  clip,
  connectRpc,
  keyFromEnv,
  parseAddress,
  parseBigIntInRange,
  parseHttpUrl,
  parseIntInRange,
  parseUsdAmount,
  timelockAbi,
  walletFor,
  type Signer,
} from "../lib/chain.ts";

const ACTIONS =
  "add-signer ADDR | remove-signer ADDR | set-threshold N | set-dispute-window SECONDS | set-outflow-limit MAX_MICRO_USD WINDOW_SECONDS | grant-role ROLE ADDR | revoke-role ROLE ADDR | unpause | withdraw-excess TO AMOUNT_USD | sweep TOKEN TO AMOUNT_UNITS";
const USAGE = `ledger governance (schedule ACTION ARGS… [--salt HEX] [--delay SECONDS] | execute ID | cancel ID | list [--json] | roles [--json]) --rpc URL --distributor ADDRESS [--timelock ADDRESS] [--from-block N] [--chain-id N] [--key-env VAR]
  ACTION: ${ACTIONS}   (ROLE: proposer | guardian | pauser | policy)
  schedule: a governor's key; execute: an executor's (anyone's if the timelock is open); cancel: the guardian's or a governor's — in $${DEFAULT_KEY_ENV} or VAR`;

/** The distributor's roles a change may grant or revoke (the default admin moves only by the two-step transfer). */
const DISTRIBUTOR_ROLES = {
  proposer: keccak256(toHex("PROPOSER_ROLE")),
  guardian: keccak256(toHex("GUARDIAN_ROLE")),
  pauser: keccak256(toHex("PAUSER_ROLE")),
  policy: keccak256(toHex("POLICY_ROLE")),
} as const;
const TIMELOCK_ROLES = {
  proposer: keccak256(toHex("PROPOSER_ROLE")),
  executor: keccak256(toHex("EXECUTOR_ROLE")),
  canceller: keccak256(toHex("CANCELLER_ROLE")),
} as const;
const ROLE_NAMES = new Map<string, string>([
  [zeroHash, "DEFAULT_ADMIN_ROLE"],
  [DISTRIBUTOR_ROLES.proposer, "PROPOSER_ROLE"],
  [DISTRIBUTOR_ROLES.guardian, "GUARDIAN_ROLE"],
  [DISTRIBUTOR_ROLES.pauser, "PAUSER_ROLE"],
  [DISTRIBUTOR_ROLES.policy, "POLICY_ROLE"],
  [TIMELOCK_ROLES.executor, "EXECUTOR_ROLE"],
  [TIMELOCK_ROLES.canceller, "CANCELLER_ROLE"],
]);
const roleName = (id: string) => ROLE_NAMES.get(id.toLowerCase()) ?? id;
/** A decoded argument as shown: role ids by name, addresses in lower case (as every `ledger` command prints them). */
const show = (a: unknown) =>
  typeof a === "string" && /^0x[0-9a-f]{64}$/i.test(a)
    ? roleName(a)
    : typeof a === "string" && /^0x[0-9a-f]{40}$/i.test(a)
      ? a.toLowerCase()
      : String(a);

/** OpenZeppelin's `TimelockController.OperationState`. */
const STATES = ["unset", "waiting", "ready", "done"] as const;
const MAX_DELAY_SECONDS = 365n * 86_400n;
const UINT64_MAX = 2n ** 64n - 1n;
const UINT24_MAX = 2n ** 24n - 1n;
const UINT256_MAX = 2n ** 256n - 1n;

type Call = { functionName: string; args: readonly unknown[] };

/** ACTION ARGS… → the distributor call it schedules. Every argument checked and bounded here, one line each. */
function parseAction(words: string[]): Call {
  const [action, ...args] = words;
  const want = (n: number, shape: string) => {
    if (args.length !== n) throw new UsageError(`${action} takes ${shape}\nusage: ${USAGE}`);
  };
  const addr = (raw: string | undefined, what: string) => parseAddress(raw, what, USAGE);
  const role = (raw: string | undefined) => {
    const id = DISTRIBUTOR_ROLES[raw?.toLowerCase() as keyof typeof DISTRIBUTOR_ROLES];
    if (!id)
      throw new UsageError(
        `ROLE must be proposer, guardian or pauser, got "${clip(raw ?? "")}" (the default admin moves only by beginDefaultAdminTransfer)`,
      );
    return id;
  };
  switch (action) {
    case "add-signer":
      want(1, "ADDR");
      return { functionName: "addSigner", args: [addr(args[0], "ADDR")] };
    case "remove-signer":
      want(1, "ADDR");
      return { functionName: "removeSigner", args: [addr(args[0], "ADDR")] };
    case "set-threshold":
      want(1, "N");
      return { functionName: "setThreshold", args: [parseBigIntInRange(args[0], "N", 1n, 255n)] };
    case "set-dispute-window":
      want(1, "SECONDS");
      return { functionName: "setDisputeWindow", args: [parseBigIntInRange(args[0], "SECONDS", 1n, 30n * 86_400n)] };
    case "set-outflow-limit":
      want(2, "MAX_MICRO_USD WINDOW_SECONDS");
      return {
        functionName: "setOutflowLimit",
        args: [
          parseBigIntInRange(args[0], "MAX_MICRO_USD", 0n, UINT64_MAX),
          parseBigIntInRange(args[1], "WINDOW_SECONDS", 0n, UINT24_MAX),
        ],
      };
    case "grant-role":
    case "revoke-role":
      want(2, "ROLE ADDR");
      return {
        functionName: action === "grant-role" ? "grantRole" : "revokeRole",
        args: [role(args[0]), addr(args[1], "ADDR")],
      };
    case "unpause":
      want(0, "no argument");
      return { functionName: "unpause", args: [] };
    case "withdraw-excess":
      want(2, "TO AMOUNT_USD");
      return {
        functionName: "withdrawExcess",
        args: [addr(args[0], "TO"), parseUsdAmount(args[1], "AMOUNT_USD", 1n) satisfies MicroUsd],
      };
    case "sweep":
      want(3, "TOKEN TO AMOUNT_UNITS");
      return {
        functionName: "sweep",
        args: [
          addr(args[0], "TOKEN"),
          addr(args[1], "TO"),
          parseBigIntInRange(args[2], "AMOUNT_UNITS", 1n, UINT256_MAX),
        ],
      };
    case undefined:
      throw new UsageError(`schedule needs an ACTION: ${ACTIONS}`);
    default:
      throw new UsageError(`unknown ACTION "${clip(action)}": ${ACTIONS}`);
  }
}

function parseId(raw: string | undefined): Hex {
  if (!raw) throw new UsageError(`the operation ID is required (ledger governance list shows them)\nusage: ${USAGE}`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw))
    throw new UsageError(`the operation ID must be 0x + 64 hex digits, got "${clip(raw)}"`);
  return raw.toLowerCase() as Hex;
}

function parseSalt(raw: string | undefined): Hex {
  if (raw === undefined) return toHex(crypto.getRandomValues(new Uint8Array(32)));
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(raw))
    throw new UsageError(`--salt must be 0x + 1…64 hex digits, got "${clip(raw)}"`);
  return `0x${raw.slice(2).padStart(64, "0").toLowerCase()}`;
}

/** "in 2h 59m 58s" / "ready" from seconds left. */
function countdown(seconds: bigint): string {
  if (seconds <= 0n) return "ready now";
  const h = seconds / 3600n;
  const m = (seconds % 3600n) / 60n;
  const s = seconds % 60n;
  return `in ${h > 0n ? `${h}h ` : ""}${h > 0n || m > 0n ? `${m}m ` : ""}${s}s`;
}
const iso = (unix: bigint) => new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");

/** The ABIs as viem's plain `Abi`, for calls whose function name is chosen at run time. */
const anyDistributorAbi = (): Abi => distributorAbi();
const anyTimelockAbi = (): Abi => timelockAbi();

/** The timelock's ABI with the distributor's errors, so a change the distributor refuses on execute is named. */
function timelockCallAbi(): Abi {
  return [...timelockAbi(), ...distributorAbi().filter((e) => e.type === "error")] as Abi;
}

/** A decoded call: `setThreshold(1)`; calls to the timelock itself (`updateDelay`) decoded against its ABI. */
function describeCall(target: Address, data: Hex, distributor: Address, timelock: Address): string {
  const abi: Abi | undefined =
    target.toLowerCase() === distributor.toLowerCase()
      ? anyDistributorAbi()
      : target.toLowerCase() === timelock.toLowerCase()
        ? anyTimelockAbi()
        : undefined;
  const where = abi ? "" : `${target}.`;
  if (!abi) return `${where}call(${clip(data)})`;
  try {
    const { functionName, args } = decodeFunctionData({ abi, data });
    const shown = (args ?? []).map(show);
    return `${target.toLowerCase() === timelock.toLowerCase() ? "timelock." : ""}${functionName}(${shown.join(", ")})`;
  } catch {
    return `call(${clip(data)})`;
  }
}

/** The contract's custom error in one line with what to do, or the generic chain error line. */
function refusal(err: unknown, rpc: string, hint: (name: string, args: readonly unknown[]) => string | undefined) {
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

type Operation = {
  id: Hex;
  calls: { index: bigint; target: Address; value: bigint; data: Hex }[];
  predecessor: Hex;
  salt: Hex;
  delay: bigint;
  scheduledBlock: bigint;
  state: "pending" | "ready" | "done" | "cancelled";
  readyAt: bigint;
};

type Context = {
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
async function deploymentBlock(client: PublicClient, address: Address): Promise<bigint> {
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
async function readOperations(ctx: Context, only?: Hex): Promise<Operation[]> {
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

async function chainNow(client: PublicClient): Promise<bigint> {
  return (await client.getBlock({ blockTag: "latest" })).timestamp;
}

async function send(
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
function commonHint(ctx: Context, signer: Signer, name: string, args: readonly unknown[]): string | undefined {
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

async function resolveContext(values: Record<string, string | boolean | undefined>): Promise<Context> {
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

/**
 * `ledger governance`: the admin side of issue 15's delayed changes, against the RewardsTimelock that is the
 * distributor's default admin. `schedule` (a governor) emits `CallScheduled` and can execute only after the
 * timelock's delay; `cancel` (the guardian, or a governor) kills it meanwhile; `execute` runs a ready one;
 * `list` shows every operation from the timelock's logs (pending / ready / done / cancelled, decoded against the
 * distributor's ABI, with its ready time and countdown); `roles` who holds which role on both contracts. Every
 * send is simulated first: a refusal is one line naming the contract's custom error and what to do.
 */
export const governanceCommand: Command = {
  name: "governance",
  summary: "schedule ACTION … | execute ID | cancel ID | list | roles — delayed admin changes through the timelock",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        rpc: { type: "string" },
        distributor: { type: "string" },
        timelock: { type: "string" },
        "from-block": { type: "string" },
        "chain-id": { type: "string" },
        "key-env": { type: "string" },
        salt: { type: "string" },
        delay: { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    const [sub, ...rest] = positionals;
    const noMore = () => {
      if (rest.length > 1) throw new UsageError(`unexpected ${rest.slice(1).join(" ")}\nusage: ${USAGE}`);
    };
    switch (sub) {
      case "schedule": {
        const call = parseAction(rest);
        const salt = parseSalt(values.salt);
        const delayArg =
          values.delay === undefined ? undefined : parseBigIntInRange(values.delay, "--delay", 0n, MAX_DELAY_SECONDS);
        const signer = keyFromEnv(values["key-env"]);
        const ctx = await resolveContext(values);
        return schedule(ctx, signer, call, salt, delayArg);
      }
      case "execute":
      case "cancel": {
        noMore();
        const id = parseId(rest[0]);
        const signer = keyFromEnv(values["key-env"]);
        const ctx = await resolveContext(values);
        return sub === "execute" ? execute(ctx, signer, id) : cancel(ctx, signer, id);
      }
      case "list": {
        if (rest.length > 0) throw new UsageError(`list takes no argument\nusage: ${USAGE}`);
        return list(await resolveContext(values), values.json === true);
      }
      case "roles": {
        if (rest.length > 0) throw new UsageError(`roles takes no argument\nusage: ${USAGE}`);
        return roles(await resolveContext(values), values.json === true);
      }
      default:
        throw new UsageError(`expected schedule, execute, cancel, list or roles\nusage: ${USAGE}`);
    }
  },
};

async function schedule(ctx: Context, signer: Signer, call: Call, salt: Hex, delayArg: bigint | undefined) {
  const tl = timelockAbi();
  const data = encodeFunctionData({ abi: anyDistributorAbi(), functionName: call.functionName, args: call.args });
  const described = describeCall(ctx.distributor, data, ctx.distributor, ctx.timelock);
  try {
    const minDelay = await ctx.client.readContract({ address: ctx.timelock, abi: tl, functionName: "getMinDelay" });
    const delay = delayArg ?? minDelay;
    // The change itself, as the timelock would make it now: a change the distributor would refuse
    // (InvalidThreshold, SignerAlreadyAuthorized…) is refused here rather than discovered after the delay.
    try {
      await ctx.client.simulateContract({
        account: ctx.timelock,
        address: ctx.distributor,
        abi: anyDistributorAbi(),
        functionName: call.functionName,
        args: call.args,
      });
    } catch (err) {
      throw refusal(
        err,
        ctx.rpc,
        () => `the distributor would refuse ${described} as things stand, so it is not scheduled`,
      );
    }
    const id = await ctx.client.readContract({
      address: ctx.timelock,
      abi: tl,
      functionName: "hashOperation",
      args: [ctx.distributor, 0n, data, zeroHash, salt],
    });
    const hash = await send(
      ctx,
      signer,
      "schedule",
      [ctx.distributor, 0n, data, zeroHash, salt, delay],
      (name, args) =>
        name === "TimelockUnexpectedOperationState"
          ? `operation ${id} is already scheduled (or done) with this salt: pass another --salt, or see ledger governance list`
          : commonHint(ctx, signer, name, args),
    );
    const readyAt = await ctx.client.readContract({
      address: ctx.timelock,
      abi: tl,
      functionName: "getTimestamp",
      args: [id],
    });
    const now = await chainNow(ctx.client);
    console.log(
      `scheduled ${described} as operation ${id} on timelock ${ctx.timelock} (chain ${ctx.chainId}, tx ${hash}): ready at ${iso(readyAt)} (${countdown(readyAt - now)}); the guardian can cancel it until it executes: ledger governance cancel ${id}`,
    );
  } catch (err) {
    throw err instanceof CheckFailedError || err instanceof UsageError ? err : chainError(err, ctx.rpc);
  }
}

async function findOperation(ctx: Context, id: Hex): Promise<Operation> {
  const [op] = await readOperations(ctx, id);
  if (!op)
    throw new CheckFailedError(
      `no operation ${id} was ever scheduled on timelock ${ctx.timelock} (since block ${ctx.fromBlock}): check the ID with ledger governance list`,
    );
  return op;
}

async function execute(ctx: Context, signer: Signer, id: Hex) {
  try {
    const op = await findOperation(ctx, id);
    const now = await chainNow(ctx.client);
    const hint = (name: string, args: readonly unknown[]) => {
      if (name !== "TimelockUnexpectedOperationState") return commonHint(ctx, signer, name, args);
      if (op.state === "pending")
        return `not ready until ${iso(op.readyAt)} (${countdown(op.readyAt - now)}): execute it then`;
      if (op.state === "done") return "it was executed already";
      if (op.state === "cancelled") return "it was cancelled and can never execute: schedule the change again";
      return undefined;
    };
    const targets = op.calls.map((c) => c.target);
    const values = op.calls.map((c) => c.value);
    const payloads = op.calls.map((c) => c.data);
    const hash =
      op.calls.length === 1
        ? await send(ctx, signer, "execute", [targets[0], values[0], payloads[0], op.predecessor, op.salt], hint)
        : await send(ctx, signer, "executeBatch", [targets, values, payloads, op.predecessor, op.salt], hint);
    const described = op.calls.map((c) => describeCall(c.target, c.data, ctx.distributor, ctx.timelock)).join("; ");
    console.log(`executed operation ${id}: ${described} (chain ${ctx.chainId}, tx ${hash})`);
  } catch (err) {
    throw err instanceof CheckFailedError || err instanceof UsageError ? err : chainError(err, ctx.rpc);
  }
}

async function cancel(ctx: Context, signer: Signer, id: Hex) {
  try {
    const op = await findOperation(ctx, id);
    const hash = await send(ctx, signer, "cancel", [id], (name, args) =>
      name === "TimelockUnexpectedOperationState"
        ? `operation ${id} is ${op.state}, not pending: only a scheduled, unexecuted change can be cancelled`
        : commonHint(ctx, signer, name, args),
    );
    const described = op.calls.map((c) => describeCall(c.target, c.data, ctx.distributor, ctx.timelock)).join("; ");
    console.log(`cancelled operation ${id}: ${described} can never execute (chain ${ctx.chainId}, tx ${hash})`);
  } catch (err) {
    throw err instanceof CheckFailedError || err instanceof UsageError ? err : chainError(err, ctx.rpc);
  }
}

async function list(ctx: Context, json: boolean) {
  try {
    const [ops, now, minDelay] = await Promise.all([
      readOperations(ctx),
      chainNow(ctx.client),
      ctx.client.readContract({ address: ctx.timelock, abi: timelockAbi(), functionName: "getMinDelay" }),
    ]);
    const rows = ops.map((op) => ({
      id: op.id,
      state: op.state,
      readyAt: iso(op.readyAt),
      secondsLeft: op.state === "pending" ? (op.readyAt - now).toString() : "0",
      calls: op.calls.map((c) => describeCall(c.target, c.data, ctx.distributor, ctx.timelock)),
      scheduledBlock: op.scheduledBlock.toString(),
      salt: op.salt,
    }));
    if (json) {
      console.log(JSON.stringify({ timelock: ctx.timelock, minDelaySeconds: minDelay.toString(), operations: rows }));
      return;
    }
    console.log(
      `timelock ${ctx.timelock} (minimum delay ${minDelay} s; chain time ${iso(now)}): ${rows.length} operation${rows.length === 1 ? "" : "s"} since block ${ctx.fromBlock}`,
    );
    for (const r of rows) {
      const when =
        r.state === "pending"
          ? `ready at ${r.readyAt} (${countdown(BigInt(r.secondsLeft))})`
          : r.state === "ready"
            ? `ready since ${r.readyAt}`
            : r.state === "done"
              ? "executed"
              : "cancelled";
      console.log(`  ${r.id}  ${r.state.padEnd(9)}  ${when}  ${r.calls.join("; ")}`);
    }
  } catch (err) {
    throw err instanceof UsageError ? err : chainError(err, ctx.rpc);
  }
}

async function roles(ctx: Context, json: boolean) {
  try {
    const result: Record<string, Record<string, string[]>> = {};
    for (const [label, address, abi] of [
      ["distributor", ctx.distributor, distributorAbi() as Abi],
      ["timelock", ctx.timelock, timelockAbi() as Abi],
    ] as const) {
      // From the timelock's deployment block: the distributor is deployed after it.
      const granted = await scanLogs(
        { publicClient: ctx.client, what: `RoleGranted ${label}`, floor: ctx.fromBlock, mode: "all" },
        (r) =>
          ctx.client.getContractEvents({ address, abi: timelockAbi(), eventName: "RoleGranted", strict: true, ...r }),
      );
      const candidates = new Map<string, { role: Hex; account: Address }>();
      for (const l of granted)
        candidates.set(`${l.args.role}:${l.args.account.toLowerCase()}`, {
          role: l.args.role,
          account: l.args.account,
        });
      const holders: Record<string, string[]> = {};
      for (const { role, account } of candidates.values()) {
        const has = await ctx.client.readContract({ address, abi, functionName: "hasRole", args: [role, account] });
        if (!has) continue; // revoked or renounced since (RoleRevoked): checked against hasRole, not replayed
        const name = roleName(role);
        (holders[name] ??= []).push(account === zeroAddress ? `${zeroAddress} (anyone)` : account.toLowerCase());
      }
      result[label] = holders;
    }
    if (json) {
      console.log(JSON.stringify({ distributor: ctx.distributor, timelock: ctx.timelock, roles: result }));
      return;
    }
    for (const [label, address] of [
      ["distributor", ctx.distributor],
      ["timelock", ctx.timelock],
    ] as const) {
      console.log(`${label} ${address}:`);
      for (const [name, who] of Object.entries(result[label]!).sort())
        console.log(`  ${name.padEnd(18)}  ${who.join(", ")}`);
    }
  } catch (err) {
    throw err instanceof UsageError ? err : chainError(err, ctx.rpc);
  }
}
