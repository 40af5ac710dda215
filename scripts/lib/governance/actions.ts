/**
 * The governance vocabulary of `ledger governance`: the actions a governor may schedule (parsed
 * from words into distributor calls), role names, and a scheduled call decoded back into words.
 */
import { decodeFunctionData, keccak256, toHex, zeroHash, type Abi, type Address, type Hex } from "viem";
import type { MicroUsd } from "../../../core/units.ts";
import { distributorAbi } from "../../../chain/abi.ts";
import { UsageError } from "../cli.ts";
import { clip, parseAddress, parseBigIntInRange, parseUsdAmount, timelockAbi, DEFAULT_KEY_ENV } from "../chain.ts";

export const ACTIONS =
  "add-signer ADDR | remove-signer ADDR | set-threshold N | set-dispute-window SECONDS | set-outflow-limit MAX_MICRO_USD WINDOW_SECONDS | grant-role ROLE ADDR | revoke-role ROLE ADDR | unpause | withdraw-excess TO AMOUNT_USD | sweep TOKEN TO AMOUNT_UNITS";
export const USAGE = `ledger governance (schedule ACTION ARGS… [--salt HEX] [--delay SECONDS] | execute ID | cancel ID | list [--json] | roles [--json]) --rpc URL --distributor ADDRESS [--timelock ADDRESS] [--from-block N] [--chain-id N] [--key-env VAR]
  ACTION: ${ACTIONS}   (ROLE: proposer | guardian | pauser | policy)
  schedule: a governor's key; execute: an executor's (anyone's if the timelock is open); cancel: the guardian's or a governor's — in $${DEFAULT_KEY_ENV} or VAR`;

/** The distributor's roles a change may grant or revoke (the default admin moves only by the two-step transfer). */
export const DISTRIBUTOR_ROLES = {
  proposer: keccak256(toHex("PROPOSER_ROLE")),
  guardian: keccak256(toHex("GUARDIAN_ROLE")),
  pauser: keccak256(toHex("PAUSER_ROLE")),
  policy: keccak256(toHex("POLICY_ROLE")),
} as const;
export const TIMELOCK_ROLES = {
  proposer: keccak256(toHex("PROPOSER_ROLE")),
  executor: keccak256(toHex("EXECUTOR_ROLE")),
  canceller: keccak256(toHex("CANCELLER_ROLE")),
} as const;
export const ROLE_NAMES = new Map<string, string>([
  [zeroHash, "DEFAULT_ADMIN_ROLE"],
  [DISTRIBUTOR_ROLES.proposer, "PROPOSER_ROLE"],
  [DISTRIBUTOR_ROLES.guardian, "GUARDIAN_ROLE"],
  [DISTRIBUTOR_ROLES.pauser, "PAUSER_ROLE"],
  [DISTRIBUTOR_ROLES.policy, "POLICY_ROLE"],
  [TIMELOCK_ROLES.executor, "EXECUTOR_ROLE"],
  [TIMELOCK_ROLES.canceller, "CANCELLER_ROLE"],
]);
export const roleName = (id: string) => ROLE_NAMES.get(id.toLowerCase()) ?? id;
/** A decoded argument as shown: role ids by name, addresses in lower case (as every `ledger` command prints them). */
export const show = (a: unknown) =>
  typeof a === "string" && /^0x[0-9a-f]{64}$/i.test(a)
    ? roleName(a)
    : typeof a === "string" && /^0x[0-9a-f]{40}$/i.test(a)
      ? a.toLowerCase()
      : String(a);

/** OpenZeppelin's `TimelockController.OperationState`. */
export const STATES = ["unset", "waiting", "ready", "done"] as const;
export const MAX_DELAY_SECONDS = 365n * 86_400n;
export const UINT64_MAX = 2n ** 64n - 1n;
export const UINT24_MAX = 2n ** 24n - 1n;
export const UINT256_MAX = 2n ** 256n - 1n;

export type Call = { functionName: string; args: readonly unknown[] };

/** ACTION ARGS… → the distributor call it schedules. Every argument checked and bounded here, one line each. */
export function parseAction(words: string[]): Call {
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

export function parseId(raw: string | undefined): Hex {
  if (!raw) throw new UsageError(`the operation ID is required (ledger governance list shows them)\nusage: ${USAGE}`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw))
    throw new UsageError(`the operation ID must be 0x + 64 hex digits, got "${clip(raw)}"`);
  return raw.toLowerCase() as Hex;
}

export function parseSalt(raw: string | undefined): Hex {
  if (raw === undefined) return toHex(crypto.getRandomValues(new Uint8Array(32)));
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(raw))
    throw new UsageError(`--salt must be 0x + 1…64 hex digits, got "${clip(raw)}"`);
  return `0x${raw.slice(2).padStart(64, "0").toLowerCase()}`;
}

/** "in 2h 59m 58s" / "ready" from seconds left. */
export function countdown(seconds: bigint): string {
  if (seconds <= 0n) return "ready now";
  const h = seconds / 3600n;
  const m = (seconds % 3600n) / 60n;
  const s = seconds % 60n;
  return `in ${h > 0n ? `${h}h ` : ""}${h > 0n || m > 0n ? `${m}m ` : ""}${s}s`;
}
export const iso = (unix: bigint) => new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");

/** The ABIs as viem's plain `Abi`, for calls whose function name is chosen at run time. */
export const anyDistributorAbi = (): Abi => distributorAbi();
export const anyTimelockAbi = (): Abi => timelockAbi();

/** The timelock's ABI with the distributor's errors, so a change the distributor refuses on execute is named. */
export function timelockCallAbi(): Abi {
  return [...timelockAbi(), ...distributorAbi().filter((e) => e.type === "error")] as Abi;
}

/** A decoded call: `setThreshold(1)`; calls to the timelock itself (`updateDelay`) decoded against its ABI. */
export function describeCall(target: Address, data: Hex, distributor: Address, timelock: Address): string {
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
