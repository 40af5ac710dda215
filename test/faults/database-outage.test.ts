/**
 * A PostgreSQL outage under the running product: `npm start`'s script against a throw-away
 * cluster of the test's own (test/helpers/pg-cluster.ts), the simulated network sending
 * receipts all along. The server is stopped (immediate shutdown, as a crash looks to clients)
 * for 15 s after an epoch has been finalized, then started again. The process must live
 * through it, answer 503 with `Retry-After` and a stable code while the database is away, and
 * go on finalizing epochs afterwards without a restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { postgresBin, startPgCluster, type PgCluster } from "../helpers/pg-cluster.ts";

const ROOT = path.join(import.meta.dirname, "../..");
const OUTAGE_MS = 15_000;

describe("a PostgreSQL outage under npm start", { skip: !postgresBin() && "no PostgreSQL binaries" }, () => {
  let cluster: PgCluster;
  let dataDir: string;
  let child: ChildProcess;
  let output = "";
  let apiUrl = "";
  let exitCode: number | null = null;

  const waitFor = async (re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(output);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output so far:\n${output}`);
      if (exitCode !== null) throw new Error(`start.ts exited ${exitCode}:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  before(async () => {
    cluster = await startPgCluster();
    dataDir = mkdtempSync(path.join(tmpdir(), "ledger-db-outage-"));
    child = spawn(
      process.execPath,
      [
        path.join(ROOT, "scripts/start.ts"),
        ...["--data-dir", dataDir, "--port", "0", "--chain-port", "0"],
        ...["--epoch-seconds", "8", "--dispute-seconds", "3", "--supporters", "4"],
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DATABASE_URL: cluster.url } },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => (exitCode = code ?? -1));
    apiUrl = (await waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/, 180_000))[1]!;
    await waitFor(/epoch 1 finalized/, 180_000);
  });
  after(async () => {
    if (exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
    cluster?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("behavior: the process lives through 15 s without its database, answers 503 meanwhile, and finalizes epochs again after", async () => {
    const finalizedBefore = Math.max(...[...output.matchAll(/epoch (\d+) finalized/g)].map((m) => Number(m[1])));
    cluster.stop();
    const answers = new Map<number, number>();
    let retryAfter: string | null = null;
    let code: string | undefined;
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      expect(exitCode, `the process exited during the outage:\n${output}`).to.equal(null);
      const res = await fetch(`${apiUrl}/v1/supporters/0x${"0".repeat(39)}1`).catch(() => undefined);
      if (res) {
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        if (res.status === 503) retryAfter = res.headers.get("retry-after");
      }
      const gql = await fetch(`${apiUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ epochs(first: 1) { id } }" }),
      }).catch(() => undefined);
      if (gql) {
        answers.set(gql.status, (answers.get(gql.status) ?? 0) + 1);
        if (gql.status === 503)
          code = ((await gql.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions
            ?.code;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(exitCode, output).to.equal(null);
    expect(
      [...answers.keys()].filter((s) => s >= 500 && s !== 503),
      JSON.stringify([...answers]),
    ).to.deep.equal([]);
    expect(answers.get(503) ?? 0, JSON.stringify([...answers])).to.be.above(0);
    expect(retryAfter).to.match(/^\d+$/);
    expect(code).to.equal("DATABASE_UNAVAILABLE");

    cluster.start();
    await waitFor(new RegExp(`epoch ${finalizedBefore + 2} finalized`), 180_000);
    expect(exitCode).to.equal(null);
    const ready = await fetch(`${apiUrl}/readyz`);
    expect(ready.status).to.equal(200);
    expect(output).to.not.match(/Unhandled|uncaught|oracle stopped/i);
  });
});
