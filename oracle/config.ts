import path from "node:path";
import type { Address } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import { EPOCH_GRACE_SECONDS } from "../core/epoch-clock.ts";
import { OracleConfigError } from "./errors.ts";
import { loadHardhatKeystoreKeys } from "./hardhat-keystore.ts";
import type { HardhatKeystoreKeys } from "./hardhat-keystore.ts";
import { KeystoreError, loadKey } from "./keystore.ts";

/**
 * The oracle's configuration, validated once at start-up (never read at import time).
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `LEDGER_RPC_URL` | JSON-RPC of the L2 | `http://127.0.0.1:8545` |
 * | `LEDGER_CHAIN_ID` | expected chain id | 31337 |
 * | `LEDGER_DISTRIBUTOR_ADDRESS` | RewardsDistributor | (required) |
 * | `LEDGER_COORDINATOR_ADDRESS` | who signs session grants | (required) |
 * | `LEDGER_EPOCH_GRACE_SECONDS` | late-receipt grace after an epoch ends | 3600 |
 * | `LEDGER_HEARTBEAT_SLOT_SECONDS` | uptime slot | 60 |
 * | `LEDGER_EPOCH_BUDGET_MICRO_USD` | funded budget per epoch (µUSD) | 1000000000000 |
 * | `LEDGER_CONFIRMATIONS` | confirmations to wait for | 1 |
 * | `LEDGER_FEE_BUMP_SECONDS` | a transaction not mined after this long is replaced with higher fees | 60 |
 * | `LEDGER_ORACLE_POLL_MS` | daemon tick | 5000 |
 * | `LEDGER_ORACLE_PROPOSER_KEYSTORE` (+`_PASSWORD`/`_PASSWORD_FILE`) | proposer key | — |
 * | `LEDGER_ORACLE_SIGNER_KEYSTORE` (+`_PASSWORD`/`_PASSWORD_FILE`) | this process's signer key | — |
 * | `LEDGER_ORACLE_{PROPOSER,SIGNER}_HARDHAT_KEYSTORE` | the key's variable name in the Hardhat keystore | — |
 * | `LEDGER_ORACLE_*_PRIVATE_KEY` | plain keys, only with `LEDGER_DEV_MODE=1` | — |
 * | `LEDGER_DATA_DIR` | datasets are written to `<dir>/datasets/` | `./data` |
 * | `LEDGER_START_BLOCK` | the distributor's deployment block: event log scans never go below it | 0 |
 * | `LEDGER_LOG_CHUNK_BLOCKS` | blocks per `eth_getLogs` request (halved while the node refuses the range) | 10000 |
 */
export type OracleConfig = {
  rpcUrl: string;
  chainId: number;
  distributor: Address;
  coordinator: Address;
  graceSeconds: number;
  heartbeatSlotSeconds: bigint;
  budgetMicroUsd: bigint;
  confirmations: number;
  /** A transaction not mined after this long is replaced (same nonce, higher fees), ms. */
  bumpAfterMs: number;
  pollMs: number;
  dataDir: string;
  /** Keys this process signs EpochRoots with (after recomputing). */
  signerKeys: Hex[];
  proposerKey: Hex | undefined;
  /** Re-propose a root identical to a vetoed one (an admin decision; default false). */
  allowVetoedRoot: boolean;
  /** The distributor's deployment block: no event log scan goes below it. */
  startBlock: bigint;
  /** Blocks per `eth_getLogs` request. */
  logChunkBlocks: number;
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new OracleConfigError(`${name} must be an integer in ${min}…${max}`);
  return v;
}

function address(env: NodeJS.ProcessEnv, name: string): Address {
  const raw = env[name]?.trim();
  if (!raw || !ADDRESS.test(raw)) throw new OracleConfigError(`${name} must be a 0x-prefixed 20-byte address`);
  return raw.toLowerCase() as Address;
}

const KEY_PREFIXES = ["LEDGER_ORACLE_SIGNER", "LEDGER_ORACLE_PROPOSER"] as const;

/** One key source per role: a keystore file, the Hardhat keystore, or (dev mode) a plain key. */
function pickKey(env: NodeJS.ProcessEnv, prefix: string, hardhat: HardhatKeystoreKeys) {
  const fromHardhat = hardhat[prefix];
  const fromEnv = loadKey(env, prefix);
  if (fromHardhat && fromEnv)
    throw new KeystoreError(
      `${prefix}: set one key source (_KEYSTORE, _HARDHAT_KEYSTORE or _PRIVATE_KEY), not several`,
    );
  return fromHardhat ?? fromEnv;
}

/** `loadOracleConfig` after resolving the keys kept in the Hardhat keystore (`*_HARDHAT_KEYSTORE`). */
export async function loadOracleConfigWithKeystores(env: NodeJS.ProcessEnv = process.env): Promise<OracleConfig> {
  return loadOracleConfig(env, await loadHardhatKeystoreKeys(env, KEY_PREFIXES));
}

/** Validates the environment; `hardhatKeys` are keys already read from the Hardhat keystore. */
export function loadOracleConfig(
  env: NodeJS.ProcessEnv = process.env,
  hardhatKeys: HardhatKeystoreKeys = {},
): OracleConfig {
  const budget = env.LEDGER_EPOCH_BUDGET_MICRO_USD?.trim() || "1000000000000";
  if (!/^\d{1,30}$/.test(budget))
    throw new OracleConfigError("LEDGER_EPOCH_BUDGET_MICRO_USD must be an integer (µUSD)");
  const startBlock = env.LEDGER_START_BLOCK?.trim() || "0";
  if (!/^\d{1,20}$/.test(startBlock)) throw new OracleConfigError("LEDGER_START_BLOCK must be a block number");
  const signer = pickKey(env, "LEDGER_ORACLE_SIGNER", hardhatKeys);
  const proposer = pickKey(env, "LEDGER_ORACLE_PROPOSER", hardhatKeys);
  return {
    rpcUrl: env.LEDGER_RPC_URL?.trim() || "http://127.0.0.1:8545",
    chainId: int(env, "LEDGER_CHAIN_ID", 31_337, 1, 2 ** 40),
    distributor: address(env, "LEDGER_DISTRIBUTOR_ADDRESS"),
    coordinator: address(env, "LEDGER_COORDINATOR_ADDRESS"),
    graceSeconds: int(
      env,
      "LEDGER_EPOCH_GRACE_SECONDS",
      EPOCH_GRACE_SECONDS.default,
      EPOCH_GRACE_SECONDS.min,
      EPOCH_GRACE_SECONDS.max,
    ),
    heartbeatSlotSeconds: BigInt(int(env, "LEDGER_HEARTBEAT_SLOT_SECONDS", 60, 1, 86_400)),
    budgetMicroUsd: BigInt(budget),
    confirmations: int(env, "LEDGER_CONFIRMATIONS", 1, 1, 1_000),
    bumpAfterMs: int(env, "LEDGER_FEE_BUMP_SECONDS", 60, 1, 3_600) * 1_000,
    pollMs: int(env, "LEDGER_ORACLE_POLL_MS", 5_000, 10, 3_600_000),
    dataDir: path.resolve(env.LEDGER_DATA_DIR?.trim() || "data"),
    signerKeys: signer ? [signer.privateKey] : [],
    proposerKey: proposer?.privateKey,
    allowVetoedRoot: env.LEDGER_ALLOW_VETOED_ROOT === "1",
    startBlock: BigInt(startBlock),
    logChunkBlocks: int(env, "LEDGER_LOG_CHUNK_BLOCKS", 10_000, 1, 10_000_000),
  };
}
