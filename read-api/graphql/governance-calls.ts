/**
 * What a timelock operation would do: its calls decoded against the RewardsDistributor's ABI (or
 * the timelock's own, for a call to the timelock), arguments as strings, and a sentence in words.
 * Calldata neither ABI knows stays raw. Role ids are named from the role constants both contracts
 * declare. Pure: no I/O beyond the compiled ABIs, no clock.
 */
import { decodeFunctionData, keccak256, toHex, type Abi, type AbiParameter } from "viem";
import { formatUsd } from "../../core/units.ts";
import { distributorAbi, timelockAbi } from "../../chain/abi.ts";
import type { Hex } from "../../core/hex.ts";

export const DEFAULT_ADMIN_ROLE: Hex = `0x${"00".repeat(32)}`;

/** Role ids → names: the distributor's (PROPOSER, GUARDIAN, PAUSER) and the timelock's (PROPOSER, EXECUTOR, CANCELLER). */
const ROLE_NAMES = new Map<string, string>([
  [DEFAULT_ADMIN_ROLE, "DEFAULT_ADMIN_ROLE"],
  ...["PROPOSER_ROLE", "GUARDIAN_ROLE", "PAUSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map(
    (name) => [keccak256(toHex(name)), name] as [string, string],
  ),
]);

/** The constant's name of a role id, or null for an id neither contract declares. */
export function roleName(role: Hex): string | null {
  return ROLE_NAMES.get(role.toLowerCase()) ?? null;
}

export type DecodedArgument = { name: string; type: string; value: string };

export type DecodedCall = {
  /** The function's name, null when the calldata matches no function of the target's ABI. */
  functionName: string | null;
  /** `name(type,…)`, null when undecoded. */
  signature: string | null;
  args: DecodedArgument[];
  /** What the call does, in words. */
  description: string;
};

/** An argument as a string: integers in decimal, addresses and bytes lowercase hex, lists comma-joined in brackets. */
function argumentText(value: unknown): string {
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return value.toString();
  if (typeof value === "string") return value.startsWith("0x") ? value.toLowerCase() : value;
  if (Array.isArray(value)) return `[${value.map(argumentText).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${argumentText(v)}`)
      .join(",")}}`;
  return String(value);
}

const typeOf = (p: AbiParameter): string => p.type;

/**
 * Decodes one call of an operation. `target` decides the ABI: the timelock's for a call to the
 * timelock itself (`updateDelay`, its own roles), the distributor's otherwise.
 */
export function decodeCall(call: { target: Hex; value: bigint; data: Hex }, timelock: Hex | null): DecodedCall {
  const onTimelock = timelock !== null && call.target.toLowerCase() === timelock.toLowerCase();
  const abi: Abi = onTimelock ? timelockAbi() : distributorAbi();
  let decoded: { functionName: string; args?: readonly unknown[] } | undefined;
  try {
    decoded = decodeFunctionData({ abi, data: call.data });
  } catch {
    decoded = undefined;
  }
  const value = call.value > 0n ? ` sending ${call.value} wei` : "";
  if (!decoded) {
    const bytes = (call.data.length - 2) / 2;
    return {
      functionName: null,
      signature: null,
      args: [],
      description: `Unknown call to ${call.target}${value}: ${bytes} bytes of calldata ${call.data.slice(0, 10)}… that neither the distributor's nor the timelock's ABI decodes`,
    };
  }
  const fn = abi.find(
    (item) =>
      item.type === "function" &&
      item.name === decoded.functionName &&
      item.inputs.length === (decoded.args?.length ?? 0),
  ) as { inputs: readonly AbiParameter[] } | undefined;
  const inputs = fn?.inputs ?? [];
  const raw = decoded.args ?? [];
  const args = inputs.map((p, i) => ({
    name: p.name ?? `arg${i}`,
    type: typeOf(p),
    value: argumentText(raw[i]),
  }));
  return {
    functionName: decoded.functionName,
    signature: `${decoded.functionName}(${inputs.map(typeOf).join(",")})`,
    args,
    description: describe(decoded.functionName, raw, onTimelock) + value,
  };
}

const seconds = (s: unknown) => {
  const n = BigInt(s as bigint);
  const h = n / 3600n;
  const m = (n % 3600n) / 60n;
  const rest = n % 60n;
  const parts = [h ? `${h} h` : "", m ? `${m} min` : "", rest || n === 0n ? `${rest} s` : ""].filter(Boolean);
  return `${n} s${h || m ? ` (${parts.join(" ")})` : ""}`;
};
const usd = (microUsd: unknown) => `$${formatUsd(BigInt(microUsd as bigint))}`;
const role = (r: unknown) => roleName(r as Hex) ?? `role ${String(r)}`;

/** The sentence for a decoded call; the generic `name(args)` for a function without one. */
function describe(name: string, a: readonly unknown[], onTimelock: boolean): string {
  const where = onTimelock ? "the timelock" : "the distributor";
  switch (name) {
    case "addSigner":
      return `Add ${argumentText(a[0])} as an oracle signer`;
    case "removeSigner":
      return `Remove oracle signer ${argumentText(a[0])}`;
    case "setThreshold":
      return `Require ${argumentText(a[0])} oracle signatures per root`;
    case "setDisputeWindow":
      return `Set the dispute window to ${seconds(a[0])}`;
    case "setOutflowLimit":
      return BigInt(a[1] as bigint) === 0n
        ? "Turn the claim circuit breaker off"
        : `Limit claims to ${usd(a[0])} per ${seconds(a[1])}`;
    case "grantRole":
      return `Grant ${role(a[0])} on ${where} to ${argumentText(a[1])}`;
    case "revokeRole":
      return `Revoke ${role(a[0])} on ${where} from ${argumentText(a[1])}`;
    case "unpause":
      return "Unpause the distributor";
    case "pause":
      return "Pause the distributor";
    case "withdrawExcess":
      return `Withdraw ${usd(a[1])} of unencumbered excess to ${argumentText(a[0])}`;
    case "sweep":
      return `Sweep ${argumentText(a[2])} base units of token ${argumentText(a[0])} to ${argumentText(a[1])}`;
    case "beginDefaultAdminTransfer":
      return `Begin handing the distributor's admin to ${argumentText(a[0])}`;
    case "cancelDefaultAdminTransfer":
      return "Cancel the pending admin hand-over";
    case "acceptDefaultAdminTransfer":
      return "Accept the distributor's admin hand-over";
    case "changeDefaultAdminDelay":
      return `Set the admin hand-over delay to ${seconds(a[0])}`;
    case "updateDelay":
      return `Set the timelock's minimum delay to ${seconds(a[0])}`;
    default:
      return `Call ${name}(${a.map(argumentText).join(", ")}) on ${where}`;
  }
}
