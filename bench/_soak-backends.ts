/**
 * What the soak benchmark (bench/soak.ts) runs the product against when it is not the embedded
 * defaults, each in processes of its own so their memory is measured apart from the product's:
 *
 * - `createSoakDatabase`: a throw-away database `soakpg_<pid>_<random>` on a PostgreSQL server
 *   (dropped by `drop()`), and the memory of the backends serving it (pg_stat_activity's pids,
 *   read from /proc: the server must run on this machine for those figures).
 * - `startSoakChain`: a `hardhat node` child process (oracle/testing/hardhat-node.ts) with the
 *   dev deployment `npm start` makes on its own chain (ignition/modules/DevRewardsDistributor.ts,
 *   through Ignition, its record removed afterwards), and an empty block mined every 2 s as the
 *   dev chain does (scripts/lib/dev-chain.ts), so chain time follows the wall clock and the
 *   chain grows by as many blocks as the embedded one.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createPublicClient, http, type Address } from "viem";
import { startHardhatNode } from "../oracle/testing/hardhat-node.ts";
import { procMemory, procMemoryOf, type ProcMemory } from "./_proc-memory.ts";

export type SoakDatabase = {
  /** The throw-away database's URL, for the product's DATABASE_URL. */
  url: string;
  name: string;
  /** The backends serving the database now, and their memory summed. */
  backends(): Promise<ProcMemory & { processes: number }>;
  /** pg_database_size: bytes on disk. */
  size(): Promise<number>;
  drop(): Promise<void>;
};

export async function createSoakDatabase(adminUrl: string): Promise<SoakDatabase> {
  const name = `soakpg_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on("error", () => {}); // a lost admin connection fails the next query, which reports it
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async backends() {
      const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [
        name,
      ]);
      return procMemoryOf(rows.map((r) => r.pid));
    },
    async size() {
      const { rows } = await admin.query<{ bytes: string }>("SELECT pg_database_size($1) AS bytes", [name]);
      return Number(rows[0]!.bytes);
    },
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export type SoakChain = {
  url: string;
  distributor: Address;
  /** The block before the deployment: the product's LEDGER_START_BLOCK. */
  startBlock: bigint;
  memory(): ProcMemory | undefined;
  stop(): void;
};

export async function startSoakChain(options: { disputeSeconds: number }): Promise<SoakChain> {
  const node = await startHardhatNode();
  const deploymentId = `soak-${process.pid}-${randomBytes(3).toString("hex")}`;
  const record = fileURLToPath(new URL(`../ignition/deployments/${deploymentId}`, import.meta.url));
  let miner: NodeJS.Timeout | undefined;
  try {
    const client = createPublicClient({ transport: http(node.url) });
    const startBlock = await client.getBlockNumber();
    const { network } = await import("hardhat");
    const { default: DevModule } = await import("../ignition/modules/DevRewardsDistributor.ts");
    const connection = await network.create({ network: "localhost", override: { url: node.url } });
    const deployed = (await connection.ignition.deploy(DevModule, {
      deploymentId,
      displayUi: false,
      parameters: { DevRewardsDistributor: { disputeWindowSeconds: options.disputeSeconds, threshold: 2 } },
    })) as unknown as { distributor: { address: Address } };
    await connection.close();
    miner = setInterval(() => {
      client.request({ method: "evm_mine" as never, params: [] as never }).catch(() => {});
    }, 2_000);
    const stopMining = miner;
    return {
      url: node.url,
      distributor: deployed.distributor.address.toLowerCase() as Address,
      startBlock,
      memory: () => procMemory(node.pid),
      stop() {
        clearInterval(stopMining);
        node.stop();
        rmSync(record, { recursive: true, force: true });
      },
    };
  } catch (err) {
    clearInterval(miner);
    node.stop();
    rmSync(record, { recursive: true, force: true });
    throw err;
  }
}
