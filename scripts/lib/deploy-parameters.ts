/**
 * The checks `ledger deploy` makes on a production Ignition parameters file before anything is sent: every
 * role holder given, well-formed and bounded, and the separations issue 15 asks for (the timelock's delay at
 * least the dispute window; the proposer neither a governor nor the guardian; no role for the deploying key).
 * Pure: a list of problems, one readable sentence each, empty when the file is fine.
 */

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const ZERO = "0x0000000000000000000000000000000000000000";
/** The contract's floor for a production dispute window (`DISPUTE_WINDOW_FLOOR`) and its ceiling. */
const MIN_DISPUTE_WINDOW_SECONDS = 3_600n;
const MAX_DISPUTE_WINDOW_SECONDS = 30n * 86_400n;
const MAX_GOVERNANCE_DELAY_SECONDS = 365n * 86_400n;
const MAX_LIST = 64;
const KNOWN = new Set([
  "token",
  "signers",
  "threshold",
  "disputeWindowSeconds",
  "maxOutflowPerWindow",
  "outflowWindowSeconds",
  "adminTransferDelaySeconds",
  "proposer",
  "guardian",
  "pauser",
  "policy",
  "governors",
  "governanceDelaySeconds",
  "executors",
]);

/** An Ignition parameter number: a JSON integer or Ignition's bigint string ("100000000000n"). */
function integer(v: unknown): bigint | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^\d{1,78}n$/.test(v)) return BigInt(v.slice(0, -1));
  return undefined;
}

export type CheckParametersOptions = {
  /** The deploying key's address, when known: it must hold no role. */
  deployer?: string | undefined;
};

export function checkProductionParameters(file: unknown, options: CheckParametersOptions = {}): string[] {
  const problems: string[] = [];
  if (typeof file !== "object" || file === null || Array.isArray(file))
    return ['the parameters file must be a JSON object { "RewardsDistributor": { … } }'];
  const p = (file as Record<string, unknown>).RewardsDistributor;
  if (typeof p !== "object" || p === null || Array.isArray(p))
    return ['the parameters file has no "RewardsDistributor" object (copy ignition/parameters.example.json)'];
  const params = p as Record<string, unknown>;
  for (const key of Object.keys(params))
    if (!KNOWN.has(key)) problems.push(`"${key}" is not a parameter of the RewardsDistributor module (a typo?)`);

  const address = (key: string, required: boolean): string | undefined => {
    const v = params[key];
    if (v === undefined) {
      if (required) problems.push(`"${key}" is required: the address that holds this role (never the deployer)`);
      return undefined;
    }
    if (typeof v !== "string" || !ADDRESS_RE.test(v)) {
      problems.push(`"${key}" must be a 0x-prefixed 20-byte address`);
      return undefined;
    }
    if (v.toLowerCase() === ZERO) {
      problems.push(`"${key}" must not be the zero address`);
      return undefined;
    }
    return v.toLowerCase();
  };
  const addresses = (key: string, required: boolean, allowZero: boolean): string[] | undefined => {
    const v = params[key];
    if (v === undefined) {
      if (required) problems.push(`"${key}" is required: a non-empty list of addresses`);
      return undefined;
    }
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST) {
      problems.push(`"${key}" must be a list of 1…${MAX_LIST} addresses`);
      return undefined;
    }
    const out: string[] = [];
    for (const [i, a] of v.entries()) {
      if (typeof a !== "string" || !ADDRESS_RE.test(a))
        problems.push(`"${key}"[${i}] must be a 0x-prefixed 20-byte address`);
      else if (!allowZero && a.toLowerCase() === ZERO) problems.push(`"${key}"[${i}] must not be the zero address`);
      else if (out.includes(a.toLowerCase())) problems.push(`"${key}"[${i}] ${a} is listed twice`);
      else out.push(a.toLowerCase());
    }
    return out;
  };
  const number = (key: string, fallback: bigint, min: bigint, max: bigint, unit: string): bigint | undefined => {
    const raw = params[key];
    if (raw === undefined) return fallback;
    const v = integer(raw);
    if (v === undefined || v < min || v > max) {
      problems.push(`"${key}" must be an integer in ${min}…${max} ${unit} (a JSON number, or "…n" for large values)`);
      return undefined;
    }
    return v;
  };

  const token = address("token", true);
  void token;
  const signers = addresses("signers", true, false);
  const threshold = number("threshold", 2n, 1n, 255n, "signatures");
  if (signers && threshold !== undefined && threshold > BigInt(signers.length))
    problems.push(`"threshold" ${threshold} is more than the ${signers.length} signers`);
  const disputeWindow = number(
    "disputeWindowSeconds",
    86_400n,
    MIN_DISPUTE_WINDOW_SECONDS,
    MAX_DISPUTE_WINDOW_SECONDS,
    "seconds (the guardian's window to veto; production never below 1 hour)",
  );
  number("maxOutflowPerWindow", 100_000_000_000n, 0n, 2n ** 64n - 1n, "µUSD");
  number("outflowWindowSeconds", 86_400n, 0n, 2n ** 24n - 1n, "seconds (0 disables the breaker)");
  number("adminTransferDelaySeconds", 259_200n, 0n, 2n ** 48n - 1n, "seconds");
  const delayRaw = params.governanceDelaySeconds;
  const delay = number(
    "governanceDelaySeconds",
    0n,
    0n,
    MAX_GOVERNANCE_DELAY_SECONDS,
    "seconds (0: the dispute window)",
  );
  if (
    delayRaw !== undefined &&
    delay !== undefined &&
    delay !== 0n &&
    disputeWindow !== undefined &&
    delay < disputeWindow
  )
    problems.push(
      `"governanceDelaySeconds" ${delay} is shorter than "disputeWindowSeconds" ${disputeWindow}: a change must wait at least as long as the guardian's window (omit it to use the dispute window)`,
    );

  const proposer = address("proposer", true);
  const guardian = address("guardian", true);
  const pauser = address("pauser", true);
  const policy = address("policy", true);
  const governors = addresses("governors", true, false);
  const executors = addresses("executors", false, true);
  if (proposer && governors?.includes(proposer))
    problems.push(`"proposer" ${proposer} is also a governor: the oracle's poster must not schedule admin changes`);
  if (proposer && guardian === proposer)
    problems.push(`"proposer" and "guardian" are the same address: the guardian must be able to veto the proposer`);
  if (policy && (policy === proposer || policy === guardian))
    problems.push(
      `"policy" ${policy} is also the ${policy === proposer ? "proposer" : "guardian"}: the key that signs budgets and overrides must not also propose or veto roots`,
    );
  if (guardian && governors?.includes(guardian))
    problems.push(
      `"guardian" ${guardian} is also a governor: the guardian must be someone other than those who schedule changes`,
    );
  const deployer = options.deployer?.toLowerCase();
  if (deployer) {
    const holders: [string, string | undefined][] = [
      ["proposer", proposer],
      ["guardian", guardian],
      ["pauser", pauser],
      ["policy", policy],
      ...(governors ?? []).map((g, i) => [`governors[${i}]`, g] as [string, string]),
      ...(executors ?? []).map((e, i) => [`executors[${i}]`, e] as [string, string]),
    ];
    for (const [what, who] of holders)
      if (who === deployer)
        problems.push(`"${what}" is the deploying key ${deployer}: the deployer must hold no role after deployment`);
  }
  return problems;
}
