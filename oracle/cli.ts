/**
 * `ledger oracle …` — the oracle's command line:
 *
 *   run [--once]                 the daemon (leader election, every epoch as far as it goes);
 *                                `--once`: one pass, then exit
 *   close-epoch N [--force]      drive epoch N now, printing each step (`--force`: skip the grace)
 *   sign --epoch N [--dataset F] an independent signer: recompute epoch N's dataset, sign its
 *                                EpochRoot only if it matches, store the signature
 *   status                       one JSON line per epoch (newest first)
 *
 * Configuration: environment variables (oracle/config.ts) plus `DATABASE_URL`. Exit codes:
 * 0 done, 1 fatal error (one line on stderr), 2 usage, 3 signer refused.
 */
import pino from "pino";
import type { Hex } from "viem";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BaseError } from "../core/errors.ts";
import { connectDb } from "../db/connect.ts";
import { cachedDataset } from "../db/dataset-store.ts";
import { migrate } from "../db/migrate.ts";
import type { Db } from "../db/types.ts";
import { checkDeployment } from "./chain.ts";
import { domainOf } from "../chain/client.ts";
import type { OracleChain } from "./chain.ts";
import { loadOracleConfigWithKeystores } from "./config.ts";
import type { OracleConfig } from "./config.ts";
import { OracleConfigError, SignerRefusedError } from "./errors.ts";
import { createLeadership } from "./leader.ts";
import { getEpoch, listEpochs } from "./repositories/epochs.ts";
import { saveSignature } from "./repositories/signatures.ts";
import { runDaemon } from "./daemon.ts";
import { driveEpoch, epochRootOf, runOnce } from "./run-epoch.ts";
import type { OracleContext } from "./run-epoch.ts";
import { createVerifyPool } from "../core/verify-pool.ts";
import { assertPolicyRoles, policyRoleReader } from "./policy-roles.ts";
import { carriedInState } from "./predecessor.ts";
import { checkEpochWithPool } from "./signer.ts";
import { storedDataset } from "./stages/build.ts";
import { signEpochRoot } from "./stages/sign.ts";

const USAGE = "usage: oracle <run [--once] | close-epoch N [--force] | sign --epoch N [--dataset FILE] | status>";

function makeChain(config: OracleConfig, withWallet: boolean): OracleChain {
  const transport = http(config.rpcUrl, { retryCount: 3, timeout: 20_000 });
  const publicClient = createPublicClient({ transport, pollingInterval: 200 }) as OracleChain["publicClient"];
  const walletClient =
    withWallet && config.proposerKey
      ? createWalletClient({ account: privateKeyToAccount(config.proposerKey), transport })
      : undefined;
  return {
    publicClient,
    walletClient,
    distributor: config.distributor,
    confirmations: config.confirmations,
    bumpAfterMs: config.bumpAfterMs,
    logFromBlock: config.startBlock,
    logChunkBlocks: config.logChunkBlocks,
  };
}

function epochArg(args: string[], flag?: string): bigint {
  const raw = flag ? args[args.indexOf(flag) + 1] : args[0];
  if (!raw || !/^\d+$/.test(raw)) throw new UsageError();
  return BigInt(raw);
}

class UsageError extends Error {}

const json = (o: unknown) =>
  JSON.stringify(o, (_, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v,
  );

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || !["run", "close-epoch", "sign", "status"].includes(command)) throw new UsageError();
  const log = pino({ level: process.env.LOG_LEVEL ?? "info", base: { service: "oracle" } });
  const config = await loadOracleConfigWithKeystores();
  const db: Db = await connectDb({ url: process.env.DATABASE_URL, dataDir: process.env.LEDGER_DATA_DIR });
  try {
    await migrate(db);
    if (command === "status") {
      for (const row of await listEpochs(db, 100)) process.stdout.write(`${json(row)}\n`);
      return 0;
    }
    if (command === "sign") {
      const epoch = epochArg(args, "--epoch");
      if (config.signerKeys.length === 0)
        throw new OracleConfigError(
          "No signer key: set LEDGER_ORACLE_SIGNER_KEYSTORE (+ _PASSWORD) or LEDGER_ORACLE_SIGNER_HARDHAT_KEYSTORE.",
        );
      const row = await getEpoch(db, epoch);
      if (!row || row.status !== "COMPUTED")
        throw new OracleConfigError(`Epoch ${epoch} is ${row?.status ?? "unknown"}, not COMPUTED.`);
      const expected = epochRootOf(row);
      const file = args.includes("--dataset") ? args[args.indexOf("--dataset") + 1] : undefined;
      // an independent signer on its own machine has no copy yet: the one published in the
      // database is fetched into its data directory, its hash checked on the way
      const dataset =
        file ??
        (await cachedDataset(db, config.dataDir, expected.datasetHash)) ??
        storedDataset(config.dataDir, expected.datasetHash);
      const domain = domainOf(config.chainId, config.distributor);
      // The independent signer recovers every signature of the dataset, on all cores; one
      // full check serves every key of this signer.
      // what epoch N−1 handed on, checked against its root on-chain: an edit of past figures is refused
      const carriedIn = await carriedInState({
        db,
        chain: makeChain(config, false),
        dataDir: config.dataDir,
        chainEpoch: expected.epoch,
      });
      const pool = createVerifyPool();
      try {
        const check = await checkEpochWithPool({ dataset, expected, domain, pool, carriedIn });
        if (!check.ok) throw new SignerRefusedError(expected.epoch, check.report);
        await assertPolicyRoles(expected.epoch, check.policySignatures, policyRoleReader(makeChain(config, false)));
        for (const privateKey of config.signerKeys) {
          const { signer, signature } = signEpochRoot({ domain, epochRoot: expected, privateKey });
          await saveSignature(db, {
            epoch,
            attempt: row.attempt,
            signer,
            root: expected.root,
            datasetHash: expected.datasetHash,
            signature,
          });
          process.stdout.write(
            `${json({ epoch, chainEpoch: expected.epoch, signer, root: expected.root, signed: true })}\n`,
          );
        }
      } finally {
        await pool.close();
      }
      return 0;
    }
    const chain = makeChain(config, true);
    await checkDeployment(chain, config.chainId);
    const ctx: OracleContext = {
      db,
      chain,
      config,
      log,
      // Progress of the long stages: a line on stderr per finished stage (close-epoch), a debug log (daemon).
      onStage:
        command === "close-epoch"
          ? (stage, ms, epoch) =>
              void process.stderr.write(
                `${epoch >= 0n ? `epoch ${epoch}: ` : ""}${stage} done in ${(ms / 1000).toFixed(2)} s\n`,
              )
          : (stage, ms, epoch) => log.debug({ epoch: epoch.toString(), stage, ms: Math.round(ms) }, "stage done"),
    };
    if (command === "close-epoch") {
      const epoch = epochArg(args);
      for (const step of await driveEpoch(ctx, epoch, { force: args.includes("--force") }))
        process.stdout.write(`${json(step)}\n`);
      return 0;
    }
    // run
    const leadership = createLeadership({ databaseUrl: process.env.DATABASE_URL });
    if (args.includes("--once")) {
      try {
        if (!(await leadership.tryAcquire())) {
          process.stdout.write(`${json({ leader: false })}\n`);
          return 0;
        }
        for (const step of await runOnce(ctx)) if (step.moved) process.stdout.write(`${json(step)}\n`);
      } finally {
        await leadership.release();
      }
      return 0;
    }
    const controller = new AbortController();
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => controller.abort());
    try {
      await runDaemon(ctx, { leadership, pollMs: config.pollMs, signal: controller.signal });
    } finally {
      await leadership.release();
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    if (err instanceof SignerRefusedError) {
      process.stderr.write(`${err.shortMessage}\n`);
      return 3;
    }
    const line =
      err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message.split("\n")[0] : String(err);
    process.stderr.write(`oracle: ${line}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}

export type { Hex };
