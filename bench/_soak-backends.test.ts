import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "chai";
import pg from "pg";
import { createPublicClient, http } from "viem";
import { procMemory, procMemoryOf } from "./_proc-memory.ts";
import { createSoakDatabase, startSoakChain } from "./_soak-backends.ts";

const MiB = 1024 * 1024;

describe("soak benchmark: what it measures outside the product", () => {
  it("behavior: procMemory reads a process's RSS, PSS and private memory, and sees 64 MiB touched", () => {
    const before = procMemory(process.pid)!;
    expect(before.rss).to.be.greaterThan(10 * MiB);
    expect(before.pss).to.be.within(1, before.rss);
    expect(before.private).to.be.within(1, before.rss);
    const held = Buffer.alloc(64 * MiB, 1);
    const after = procMemory(process.pid)!;
    expect(after.rss - before.rss).to.be.greaterThan(56 * MiB);
    expect(held.length).to.equal(64 * MiB);
  });

  it("error: a process that has exited has no memory to read, and a sum counts only the readable", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    const pid = child.pid!;
    await new Promise((r) => child.once("exit", r));
    expect(procMemory(pid)).to.equal(undefined);
    const sum = procMemoryOf([process.pid, pid]);
    expect(sum.processes).to.equal(1);
    expect(sum.rss).to.be.greaterThan(10 * MiB);
  });

  it(
    "behavior: a throw-away soakpg_ database, its backends' memory and size, dropped afterwards",
    { skip: process.env.TEST_DATABASE_URL ? false : "needs TEST_DATABASE_URL" },
    async () => {
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const db = await createSoakDatabase(adminUrl);
      const client = new pg.Client({ connectionString: db.url });
      try {
        expect(db.name).to.match(/^soakpg_\d+_[0-9a-f]{6}$/);
        await client.connect();
        await client.query("CREATE TABLE t AS SELECT g FROM generate_series(1, 100000) g");
        const backends = await db.backends();
        expect(backends.processes).to.equal(1);
        expect(backends.rss).to.be.greaterThan(MiB);
        expect(backends.pss).to.be.within(1, backends.rss);
        expect(await db.size()).to.be.greaterThan(3 * MiB); // 100 000 int4 rows ≈ 3.5 MiB
      } finally {
        await client.end();
        await db.drop();
      }
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
      await admin.end();
      expect(rows).to.have.length(0);
    },
  );

  it("behavior: a hardhat node with the dev deployment, a block every 2 s, its memory; stop() ends it", async () => {
    const chain = await startSoakChain({ disputeSeconds: 5 });
    const client = createPublicClient({ transport: http(chain.url, { retryCount: 0 }) });
    try {
      expect(await client.getCode({ address: chain.distributor })).to.match(/^0x[0-9a-f]{100,}$/);
      const height = await client.getBlockNumber();
      expect(height > chain.startBlock, "the deployment added blocks").to.equal(true);
      await new Promise((r) => setTimeout(r, 4_500));
      expect((await client.getBlockNumber()) - height >= 2n, "two empty blocks in 4.5 s").to.equal(true);
      expect(chain.memory()!.rss).to.be.greaterThan(50 * MiB);
    } finally {
      chain.stop();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(chain.memory()).to.equal(undefined);
    const deployments = fileURLToPath(new URL("../ignition/deployments/", import.meta.url));
    const ours = existsSync(deployments)
      ? readdirSync(deployments).filter((d) => d.startsWith(`soak-${process.pid}-`))
      : [];
    expect(ours).to.deep.equal([]); // Ignition's record of the deployment is removed
  });
});
