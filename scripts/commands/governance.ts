/**
 * `ledger governance`: a governor's changes through the RewardsTimelock — schedule an action,
 * execute it once its delay passed, cancel it (the guardian), list operations and roles.
 * Parsing and decoding live in scripts/lib/governance/actions.ts, reading and sending in
 * scripts/lib/governance/operations.ts.
 */
import { encodeFunctionData, zeroAddress, zeroHash, type Abi, type Address, type Hex } from "viem";
import { distributorAbi } from "../../chain/abi.ts";
import { scanLogs } from "../../chain/log-scan.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { chainError, keyFromEnv, parseBigIntInRange, timelockAbi, type Signer } from "../lib/chain.ts";

import {
  roleName,
  MAX_DELAY_SECONDS,
  parseAction,
  parseId,
  parseSalt,
  countdown,
  iso,
  anyDistributorAbi,
  describeCall,
  type Call,
  USAGE,
} from "../lib/governance/actions.ts";
import {
  refusal,
  readOperations,
  chainNow,
  send,
  commonHint,
  resolveContext,
  type Operation,
  type Context,
} from "../lib/governance/operations.ts";

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
