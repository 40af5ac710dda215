import { BaseError } from "../core/errors.ts";
import { EPOCH_GRACE_SECONDS } from "../core/epoch-clock.ts";

/** The API process's configuration, read once from the environment and validated at boot. */
export type ApiConfig = {
  host: string;
  port: number;
  /** Unset: embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /** Where embedded state (PGlite, datasets) lives; `LEDGER_DATA_DIR`, default `./data`. */
  dataDir: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `LEDGER_CHAIN_ID`: the EIP-712 domain's chain id (default 31337, Hardhat). */
  chainId: number;
  /** `LEDGER_DISTRIBUTOR_ADDRESS`: the RewardsDistributor, the domain's verifyingContract. */
  distributorAddress: `0x${string}`;
  /**
   * `LEDGER_ADMIN_API_KEY`: a bootstrap admin key (scope `*`), stored hashed on start so a
   * fresh install can be administered. At least 32 characters. Never logged.
   */
  adminApiKey: string | undefined;
  /**
   * `LEDGER_COORDINATOR_PRIVATE_KEY`: the key that signs session grants (0x + 64 hex). Unset:
   * a throw-away key is generated at start (development only). Never logged.
   */
  coordinatorPrivateKey: `0x${string}` | undefined;
  /**
   * `LEDGER_POLICY_PRIVATE_KEY`: signs the admin's discretionary inputs (budgets, rate cards,
   * founder status, flag decisions); its address must hold the distributor's POLICY_ROLE. Unset:
   * `LEDGER_POLICY_ADDRESS` names the key, and admins submit signatures made elsewhere; both
   * unset: a throw-away key (development and tests: the oracle refuses what it signs).
   */
  policyPrivateKey: `0x${string}` | undefined;
  policyAddress: `0x${string}` | undefined;
  /** `LEDGER_EPOCH_SECONDS` (default 86 400) and `LEDGER_EPOCH_GENESIS` (unix seconds, default 0). */
  epochSeconds: number;
  /** `LEDGER_EPOCH_GRACE_SECONDS`: the oracle's late-receipt grace, as `Query.ledgerRules` states it. */
  epochGraceSeconds: number;
  epochGenesis: number;
  /** `LEDGER_RATE_LIMIT_PER_MINUTE`: requests per minute per API key, or per IP without one (default 1 200). */
  rateLimitPerMinute: number;
  /** `LEDGER_CORS_ORIGINS`: comma-separated allowed origins; unset: CORS answers no origin. */
  corsOrigins: string[];
  /**
   * `LEDGER_BROWSER_RPC_URL`: the chain's public JSON-RPC URL the dashboard calls directly from the
   * browser (it must answer CORS), so its receipt and payout checks trust no server; unset: the
   * page reads the chain through the visitor's wallet only. Public: never put a secret in it.
   */
  browserRpcUrl: string | undefined;
  /** `LEDGER_START_BLOCK`: the distributor's deployment block; the dashboard's log scans start there (default 0). */
  startBlock: bigint;
  /** `LEDGER_VERIFY_WORKERS`: signature-verification worker threads (default: CPU count). */
  verifyWorkers: number | undefined;
  /** `REDIS_URL`: GraphQL subscriptions across API replicas through Redis pub/sub; unset: in-process. */
  redisUrl: string | undefined;
  /** `LEDGER_GRAPHQL_CACHE_MIB`: the GraphQL response cache's memory budget (default 256; 0: off). */
  graphqlCacheMiB: number;
  /**
   * `LEDGER_RATE_CARD_NOTICE_EPOCHS`: a new rate card takes effect this many epochs after the
   * current one at the earliest (default 2: the epoch after next; 0 … 1 000).
   */
  rateCardNoticeEpochs: number;
  /** `LEDGER_HEARTBEAT_SLOT_SECONDS`: the uptime slot the oracle uses, for the live accrual's uptime (default 60). */
  heartbeatSlotSeconds: number;
};

export class InvalidConfigError extends BaseError {
  override name = "InvalidConfigError";
  readonly variable: string;
  constructor(variable: string, reason: string) {
    super(`Invalid ${variable}: ${reason}.`);
    this.variable = variable;
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Anvil/Hardhat's deterministic first deployment address: a harmless development default. */
export const DEV_DISTRIBUTOR_ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new InvalidConfigError(name, `expected an integer ${min}–${max}, got "${raw}"`);
  return value;
}

/** `LEDGER_GRAPHQL_CACHE_MIB`, validated (default 256, 0 turns the response cache off). */
export const graphqlCacheMiBOf = (env: NodeJS.ProcessEnv): number =>
  intVar(env, "LEDGER_GRAPHQL_CACHE_MIB", 256, 0, 65_536);

/**
 * Reads `HOST`, `PORT`, `DATABASE_URL`, `LEDGER_DATA_DIR`, `LOG_LEVEL` and the coordinator's
 * `LEDGER_*` variables. Secrets are validated here and never echoed in an error message.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const port = Number(env.PORT ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidConfigError("PORT", `expected an integer 0–65535, got "${env.PORT}"`);
  const logLevel = (env.LOG_LEVEL ?? "info") as ApiConfig["logLevel"];
  if (!LOG_LEVELS.includes(logLevel))
    throw new InvalidConfigError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}`);

  const distributor = env.LEDGER_DISTRIBUTOR_ADDRESS?.trim() || DEV_DISTRIBUTOR_ADDRESS;
  if (!/^0x[0-9a-fA-F]{40}$/.test(distributor))
    throw new InvalidConfigError("LEDGER_DISTRIBUTOR_ADDRESS", "expected a 0x-prefixed 20-byte hex address");

  const adminApiKey = env.LEDGER_ADMIN_API_KEY?.trim() || undefined;
  if (adminApiKey !== undefined && (adminApiKey.length < 32 || !/^[\x21-\x7e]+$/.test(adminApiKey)))
    throw new InvalidConfigError("LEDGER_ADMIN_API_KEY", "expected at least 32 printable characters (value not shown)");

  const coordinatorKey = env.LEDGER_COORDINATOR_PRIVATE_KEY?.trim() || undefined;
  if (coordinatorKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(coordinatorKey))
    throw new InvalidConfigError("LEDGER_COORDINATOR_PRIVATE_KEY", "expected 0x + 64 hex digits (value not shown)");

  const policyKey = env.LEDGER_POLICY_PRIVATE_KEY?.trim() || undefined;
  if (policyKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(policyKey))
    throw new InvalidConfigError("LEDGER_POLICY_PRIVATE_KEY", "expected 0x + 64 hex digits (value not shown)");
  const policyAddress = env.LEDGER_POLICY_ADDRESS?.trim() || undefined;
  if (policyAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(policyAddress))
    throw new InvalidConfigError("LEDGER_POLICY_ADDRESS", "expected a 0x-prefixed 20-byte hex address");
  const browserRpcUrl = env.LEDGER_BROWSER_RPC_URL?.trim() || undefined;
  if (browserRpcUrl !== undefined && !/^https?:$/.test(URL.parse(browserRpcUrl)?.protocol ?? ""))
    throw new InvalidConfigError("LEDGER_BROWSER_RPC_URL", "expected an http(s) URL of the chain's public RPC");
  const startBlockRaw = env.LEDGER_START_BLOCK?.trim() || "0";
  if (!/^\d{1,19}$/.test(startBlockRaw))
    throw new InvalidConfigError("LEDGER_START_BLOCK", `expected a block number, got "${startBlockRaw}"`);

  const workersRaw = env.LEDGER_VERIFY_WORKERS?.trim();
  return {
    browserRpcUrl,
    startBlock: BigInt(startBlockRaw),
    host: env.HOST ?? "127.0.0.1",
    port,
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.LEDGER_DATA_DIR?.trim() || "data",
    logLevel,
    chainId: intVar(env, "LEDGER_CHAIN_ID", 31_337, 1, Number.MAX_SAFE_INTEGER),
    distributorAddress: distributor as `0x${string}`,
    adminApiKey,
    coordinatorPrivateKey: coordinatorKey as `0x${string}` | undefined,
    policyPrivateKey: policyKey as `0x${string}` | undefined,
    policyAddress: policyAddress as `0x${string}` | undefined,
    epochSeconds: intVar(env, "LEDGER_EPOCH_SECONDS", 86_400, 1, 31_536_000),
    epochGenesis: intVar(env, "LEDGER_EPOCH_GENESIS", 0, 0, 2 ** 40),
    epochGraceSeconds: intVar(
      env,
      "LEDGER_EPOCH_GRACE_SECONDS",
      EPOCH_GRACE_SECONDS.default,
      EPOCH_GRACE_SECONDS.min,
      EPOCH_GRACE_SECONDS.max,
    ),
    rateLimitPerMinute: intVar(env, "LEDGER_RATE_LIMIT_PER_MINUTE", 1_200, 1, 100_000_000),
    corsOrigins: (env.LEDGER_CORS_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    verifyWorkers: workersRaw ? intVar(env, "LEDGER_VERIFY_WORKERS", 1, 0, 64) : undefined,
    redisUrl: env.REDIS_URL?.trim() || undefined,
    graphqlCacheMiB: graphqlCacheMiBOf(env),
    rateCardNoticeEpochs: intVar(env, "LEDGER_RATE_CARD_NOTICE_EPOCHS", 2, 0, 1_000),
    heartbeatSlotSeconds: intVar(env, "LEDGER_HEARTBEAT_SLOT_SECONDS", 60, 1, 86_400),
  };
}
