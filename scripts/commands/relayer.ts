/**
 * `ledger relayer`: the gasless-claim service (relayer/app.ts) configured by environment — the
 * RPC, the distributor, the relayer's key (a keystore like the oracle's, or a plain key in dev
 * mode), its fee cap and rate limit — listening until SIGINT/SIGTERM. The key is never printed.
 */
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { formatUsd } from "../../core/units.ts";
import { loadKey } from "../../oracle/keystore.ts";
import { createRelayerApp } from "../../relayer/app.ts";
import { AccountRateLimit } from "../../relayer/rate-limit.ts";
import { UsageError, type Command } from "../lib/cli.ts";
import {
  checkDistributor,
  connectRpc,
  parseAddress,
  parseBigIntInRange,
  parseHttpUrl,
  walletFor,
} from "../lib/chain.ts";

const USAGE = [
  "ledger relayer   (configured by environment; see README, “Gasless claims: `ledger relayer`”)",
  "  LEDGER_RPC_URL, LEDGER_DISTRIBUTOR_ADDRESS                      the chain and the deployment",
  "  LEDGER_RELAYER_KEYSTORE (+_PASSWORD / _PASSWORD_FILE)            the relayer's key, which pays the gas",
  "    or LEDGER_RELAYER_PRIVATE_KEY with LEDGER_DEV_MODE=1",
  "  LEDGER_RELAYER_MAX_FEE_MICRO_USD (50000)                         the most fee asked per claim",
  "  LEDGER_RELAYER_RATE_LIMIT_SECONDS (30)                           one claim per account per interval",
  "  HOST (127.0.0.1), PORT (8090), LOG_LEVEL (info)",
].join("\n");

export type RunningRelayer = { url: string; address: Address; close(): Promise<void> };

/** Starts the relayer from `env`; every configuration mistake is one UsageError line. */
export async function startRelayer(env: NodeJS.ProcessEnv, options: { quiet?: boolean } = {}): Promise<RunningRelayer> {
  const rpc = parseHttpUrl(env.LEDGER_RPC_URL, "LEDGER_RPC_URL", USAGE);
  const distributor = parseAddress(env.LEDGER_DISTRIBUTOR_ADDRESS, "LEDGER_DISTRIBUTOR_ADDRESS", USAGE);
  let key;
  try {
    key = loadKey(env, "LEDGER_RELAYER");
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (!key) throw new UsageError(`set LEDGER_RELAYER_KEYSTORE (or, in dev mode, LEDGER_RELAYER_PRIVATE_KEY)\n${USAGE}`);
  const maxFeeMicroUsd = parseBigIntInRange(
    env.LEDGER_RELAYER_MAX_FEE_MICRO_USD ?? "50000",
    "LEDGER_RELAYER_MAX_FEE_MICRO_USD",
    0n,
    10n ** 15n,
  );
  const intervalSeconds = Number(
    parseBigIntInRange(env.LEDGER_RELAYER_RATE_LIMIT_SECONDS ?? "30", "LEDGER_RELAYER_RATE_LIMIT_SECONDS", 0n, 86_400n),
  );
  const port = Number(parseBigIntInRange(env.PORT ?? "8090", "PORT", 0n, 65_535n));
  const host = env.HOST ?? "127.0.0.1";
  const { client, chainId } = await connectRpc(rpc);
  await checkDistributor(client, distributor, chainId);
  const account = privateKeyToAccount(key.privateKey);
  const app = createRelayerApp({
    publicClient: client,
    wallet: walletFor(rpc, account),
    distributor: distributor.toLowerCase() as Address,
    chainId,
    maxFeeMicroUsd,
    rateLimit: new AccountRateLimit(intervalSeconds * 1000),
    logger: options.quiet ? false : { level: env.LOG_LEVEL ?? "info" },
  });
  const url = await app.listen({ host, port });
  return { url, address: account.address, close: () => app.close() };
}

export const relayerCommand: Command = {
  name: "relayer",
  summary: "the gasless-claim relayer: POST /v1/claims submits a supporter's signed claimWithSig, for a capped fee",
  usage: USAGE,
  async run(argv) {
    if (argv.length > 0) throw new UsageError(`ledger relayer takes no arguments\nusage: ${USAGE}`);
    const relayer = await startRelayer(process.env, { quiet: true });
    const cap = formatUsd(BigInt(process.env.LEDGER_RELAYER_MAX_FEE_MICRO_USD ?? "50000"));
    console.log(`relayer ${relayer.address} at ${relayer.url} (POST /v1/claims, fee cap $${cap})`);
    const stop = () => void relayer.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await new Promise(() => {}); // serves until SIGINT/SIGTERM
  },
};
