/**
 * Crash safety: the oracle runs as a separate process against a `hardhat node` and a database
 * shared across processes (a PostgreSQL database when TEST_DATABASE_URL is set, else a PGlite
 * data directory opened by one process at a time). At each named crash point the process
 * SIGKILLs itself; it is restarted until the epoch is FINALIZED, and then: exactly one root
 * per epoch on-chain, the same root and receiptsRoot as an uninterrupted run, every stored
 * receipt with exactly one verdict, and the ledger balanced.
 *
 * On PGlite alone a representative subset of the points runs (LEDGER_CRASH_ALL=1: all of them).
 * Every scenario starts from the same chain snapshot (same contract address) and a copy of
 * the same seeded database.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import pg from "pg";
import type { Hex } from "viem";
import { createPublicClient, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { migrate } from "../db/migrate.ts";
import { createPGliteDb } from "../db/pglite.ts";
import { createPostgresDb } from "../db/postgres.ts";
import type { Db } from "../db/types.ts";
import { domainOf } from "../chain/client.ts";
import { CRASH_POINTS } from "./crash.ts";
import { deployTestChain, PROPOSER_KEY, SIGNER_KEYS } from "./testing/chain.ts";
import type { DeployedChain } from "./testing/chain.ts";
import { COORDINATOR, seedEpochs } from "./testing/seed.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const EPOCH = 0n;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

type Outcome = {
  root: Hex;
  receiptsRoot: Hex;
  cumulativeTotal: bigint;
  proposals: number;
  verdicts: bigint;
  receipts: bigint;
  balanced: boolean;
  status: string;
};

describe("crash safety (separate processes, hardhat node)", { timeout: 600_000 }, () => {
  let node: ChildProcess;
  let rpcUrl: string;
  let chain: DeployedChain;
  let snapshot: Hex;
  let startBlock: bigint;
  let tmp: string;
  const pgUrl = process.env.TEST_DATABASE_URL;
  let baseDb: string; // PostgreSQL template database name, or PGlite base directory
  const created: string[] = [];

  before(async () => {
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = spawn(
      path.join(ROOT, "node_modules/.bin/hardhat"),
      ["node", "--hostname", "127.0.0.1", "--port", String(port)],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
    const client = createPublicClient({ transport: http(rpcUrl) });
    for (let i = 0; ; i++) {
      try {
        await client.getChainId();
        break;
      } catch {
        if (i > 120) throw new Error("hardhat node did not start");
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    chain = await deployTestChain(http(rpcUrl), { disputeWindowSeconds: 0n });
    startBlock = await chain.publicClient.getBlockNumber();
    tmp = mkdtempSync(path.join(tmpdir(), "oracle-crash-"));
    const domain = domainOf(chain.chainId, chain.distributor);
    let db: Db;
    if (pgUrl) {
      baseDb = `oracle_crash_base_${process.pid}`;
      await adminQuery(`CREATE DATABASE ${baseDb}`);
      created.push(baseDb);
      db = createPostgresDb({ connectionString: dbUrl(baseDb), max: 2 });
    } else {
      baseDb = path.join(tmp, "base");
      db = await createPGliteDb({ dataDir: baseDb });
    }
    await migrate(db);
    await seedEpochs(db, { domain, epochs: [EPOCH] });
    await db.close();
    snapshot = await chain.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
  });

  after(async () => {
    node?.kill("SIGKILL");
    if (pgUrl) for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function dbUrl(name: string): string {
    const u = new URL(pgUrl!);
    u.pathname = `/${name}`;
    return u.toString();
  }

  async function adminQuery(sql: string) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  /** A fresh copy of the seeded database and the chain back at the snapshot. */
  async function freshScenario(label: string): Promise<{ url: string; dataDir: string }> {
    await chain.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    snapshot = await chain.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
    const dataDir = path.join(tmp, `data-${label}`);
    if (pgUrl) {
      const name = `oracle_crash_${process.pid}_${label.replace(/[^a-z0-9]/g, "_")}`;
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${baseDb}`);
      created.push(name);
      return { url: dbUrl(name), dataDir };
    }
    const dir = path.join(tmp, `pglite-${label}`);
    cpSync(baseDb, dir, { recursive: true });
    return { url: `pglite:${dir}`, dataDir };
  }

  function cli(
    args: string[],
    env: Record<string, string>,
  ): { status: number | null; signal: NodeJS.Signals | null; out: string } {
    const res = spawnSync(process.execPath, [path.join(ROOT, "oracle/cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { status: res.status, signal: res.signal, out: `${res.stdout}${res.stderr}` };
  }

  /** The environment of an oracle process on scenario database `url`. */
  const oracleEnv = (url: string, dataDir: string) => ({
    DATABASE_URL: url,
    LEDGER_DATA_DIR: dataDir,
    LEDGER_RPC_URL: rpcUrl,
    LEDGER_CHAIN_ID: String(chain.chainId),
    LEDGER_DISTRIBUTOR_ADDRESS: chain.distributor,
    LEDGER_COORDINATOR_ADDRESS: COORDINATOR,
    LEDGER_EPOCH_GRACE_SECONDS: "0",
    LEDGER_DEV_MODE: "1",
    LEDGER_ORACLE_PROPOSER_PRIVATE_KEY: PROPOSER_KEY,
    LEDGER_ORACLE_SIGNER_PRIVATE_KEY: SIGNER_KEYS[0]!,
  });

  async function runScenario(label: string, crashAt?: string): Promise<Outcome & { crashed: boolean }> {
    const { url, dataDir } = await freshScenario(label);
    const env = oracleEnv(url, dataDir);
    let crashed = false;
    for (let i = 0; i < 8; i++) {
      const res = cli(["run", "--once"], crashAt && !crashed ? { ...env, LEDGER_ORACLE_CRASH_AT: crashAt } : env);
      if (res.signal === "SIGKILL") crashed = true;
      else expect(res.status, res.out).to.equal(0);
      const status = await query<{ status: string }>(url, "SELECT status FROM epochs WHERE number = $1", [
        EPOCH.toString(),
      ]);
      if (status[0]?.status === "FINALIZED") break;
      if (status[0]?.status === "COMPUTED") {
        // the second of two required signatures: an independent signer process
        const signed = cli(["sign", "--epoch", EPOCH.toString()], {
          ...env,
          LEDGER_ORACLE_SIGNER_PRIVATE_KEY: SIGNER_KEYS[1]!,
        });
        expect(signed.status, signed.out).to.equal(0);
      }
    }
    const [state] = await query<{
      status: string;
      root: Uint8Array;
      receipts_root: Uint8Array;
      cumulative_total: string;
    }>(
      url,
      `SELECT e.status, s.root, s.receipts_root, s.cumulative_total::text FROM epochs e JOIN epoch_state s ON s.epoch = e.number WHERE e.number = $1`,
      [EPOCH.toString()],
    );
    const [counts] = await query<{ receipts: string; verdicts: string }>(
      url,
      `SELECT (SELECT count(*) FROM receipts WHERE epoch = $1)::text AS receipts,
              (SELECT receipts_total FROM epoch_state WHERE epoch = $1)::text AS verdicts`,
      [EPOCH.toString()],
    );
    const balances = await query<{ balanced: boolean }>(url, "SELECT balanced FROM ledger_epoch_balances");
    const logs = await chain.publicClient.getLogs({ address: chain.distributor, fromBlock: startBlock + 1n });
    const proposals = parseEventLogs({ abi: chain.abi, logs, eventName: "RootProposed" });
    return {
      crashed,
      status: state!.status,
      root: `0x${Buffer.from(state!.root).toString("hex")}`,
      receiptsRoot: `0x${Buffer.from(state!.receipts_root).toString("hex")}`,
      cumulativeTotal: BigInt(state!.cumulative_total),
      proposals: proposals.length,
      receipts: BigInt(counts!.receipts),
      verdicts: BigInt(counts!.verdicts),
      balanced: balances.length > 0 && balances.every((b) => b.balanced),
    };
  }

  async function query<R>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
    const db: Db = url.startsWith("pglite:")
      ? await createPGliteDb({ dataDir: url.slice("pglite:".length) })
      : createPostgresDb({ connectionString: url, max: 1 });
    try {
      return (await db.query<R>(sql, params)).rows;
    } finally {
      await db.close();
    }
  }

  let reference: Outcome;

  it("default: an uninterrupted run finalizes the epoch with one proposal", async () => {
    reference = await runScenario("reference");
    expect(reference.status).to.equal("FINALIZED");
    expect(reference.proposals).to.equal(1);
    expect(reference.balanced).to.equal(true);
    expect(reference.verdicts).to.equal(reference.receipts);
    expect(privateKeyToAccount(PROPOSER_KEY).address).to.match(/^0x/);
  });

  // PGlite reopens its data directory in every process (seconds each): there, a representative
  // subset runs unless LEDGER_CRASH_ALL=1; on PostgreSQL every point runs.
  const SUBSET = new Set([
    "compute:before-commit",
    "sign:after-first-signature",
    "post:after-send",
    "finalize:after-send",
  ]);
  const points =
    pgUrl || process.env.LEDGER_CRASH_ALL === "1" ? CRASH_POINTS : CRASH_POINTS.filter((p) => SUBSET.has(p));
  for (const point of points) {
    it(`behavior: SIGKILL at ${point}, restart → one root, the same root, ledger balanced`, async () => {
      const outcome = await runScenario(point, point);
      expect(outcome.crashed, "the crash point was reached").to.equal(true);
      expect(outcome.status).to.equal("FINALIZED");
      expect(outcome.proposals).to.equal(1);
      expect(outcome.root).to.equal(reference.root);
      expect(outcome.receiptsRoot).to.equal(reference.receiptsRoot);
      expect(outcome.cumulativeTotal).to.equal(reference.cumulativeTotal);
      expect(outcome.verdicts).to.equal(outcome.receipts);
      expect(outcome.balanced).to.equal(true);
    });
  }

  it("cli: close-epoch drives an epoch with a progress line per stage; sign; status", async () => {
    const { url, dataDir } = await freshScenario("cli");
    const env = oracleEnv(url, dataDir);
    const first = cli(["close-epoch", EPOCH.toString(), "--force"], env);
    expect(first.status, first.out).to.equal(0);
    for (const stage of ["aggregate", "compute", "build", "persist"])
      expect(first.out).to.match(new RegExp(`^epoch ${EPOCH}: ${stage} done in \\d+\\.\\d\\d s$`, "m"));
    expect(first.out).to.include('"to":"COMPUTED"');
    // 1 of 2 signatures so far: the second from an independent signer process with a data
    // directory of its own (another machine): it fetches the dataset the oracle published
    const signerDir = path.join(tmp, "data-cli-independent-signer");
    const signed = cli(["sign", "--epoch", EPOCH.toString()], {
      ...env,
      LEDGER_DATA_DIR: signerDir,
      LEDGER_ORACLE_SIGNER_PRIVATE_KEY: SIGNER_KEYS[1]!,
    });
    expect(signed.status, signed.out).to.equal(0);
    const second = cli(["close-epoch", EPOCH.toString()], env);
    expect(second.status, second.out).to.equal(0);
    expect(second.out).to.include('"to":"FINALIZED"');
    const status = cli(["status"], env);
    expect(status.status, status.out).to.equal(0);
    const rows = status.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { epoch: string; status: string });
    expect(rows.find((r) => r.epoch === EPOCH.toString())?.status).to.equal("FINALIZED");
  });
});
