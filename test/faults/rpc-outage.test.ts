/**
 * The chain goes away under a running oracle daemon and chain indexer: a real `hardhat node`
 * behind the project's fault-injecting JSON-RPC proxy (oracle/testing/faulty-rpc.ts), every
 * call through the proxy refused (connections reset), then hanging past the client's timeout,
 * for 16 s — while the chain itself moves on (a funding lands during the outage). Then the RPC
 * comes back, and later answers like a lagging replica (an older head).
 *
 * Neither loop may stop; each logs the outage once when it starts and once when it ends (not
 * per attempt); both resume without a restart, within their capped backoff: the epoch
 * finalizes with one proposal and the indexer holds exactly the chain's events. A node that
 * answers with a head far below the indexer's checkpoint is waited for, not taken for a reorg
 * deeper than finality.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import pino from "pino";
import type { Hex } from "viem";
import { createPublicClient, createWalletClient, http, numberToHex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createIndexer, eventId } from "../../indexer/sync.ts";
import type { Db } from "../../db/types.ts";
import { domainOf } from "../../chain/client.ts";
import type { Leadership } from "../../oracle/leader.ts";
import { getEpoch } from "../../oracle/repositories/epochs.ts";
import { runDaemon } from "../../oracle/daemon.ts";
import { deployTestChain, hardhatChain, PROPOSER_KEY } from "../../oracle/testing/chain.ts";
import type { DeployedChain } from "../../oracle/testing/chain.ts";
import { testOracleContext } from "../../oracle/testing/context.ts";
import { startFaultyRpc } from "../../oracle/testing/faulty-rpc.ts";
import type { FaultyRpc, JsonRpcRequest } from "../../oracle/testing/faulty-rpc.ts";
import { startHardhatNode } from "../../oracle/testing/hardhat-node.ts";
import type { HardhatNode } from "../../oracle/testing/hardhat-node.ts";
import { epochBounds, seedEpochs } from "../../oracle/testing/seed.ts";
import { testBackends } from "../helpers/db.ts";

const EPOCH = 0n;
const FUNDS = 10n ** 12n;
/** How long every call through the proxy fails: half refused, half hanging. */
const OUTAGE_MS = 16_000;
/** The clients give up on a hanging call after this long. */
const CLIENT_TIMEOUT_MS = 1_000;
const POLL_MS = 100;
/** The indexer's backoff cap in this test (the oracle's outage cap is 5 s, fixed). */
const INDEXER_MAX_BACKOFF_MS = 2_000;
const FINALITY_DEPTH = 4;

type Line = { level: number; msg: string; [k: string]: unknown };

/** A pino logger whose JSON lines are kept for assertions. */
function capturedLog() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await ok())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

describe("the chain's RPC goes away under the oracle daemon and the indexer", { timeout: 600_000 }, () => {
  let node: HardhatNode;
  let rpc: FaultyRpc;
  let c: DeployedChain;
  let snapshot: Hex;
  let dataDir: string;

  before(async () => {
    node = await startHardhatNode();
    rpc = await startFaultyRpc({ upstream: node.url });
    c = await deployTestChain(http(node.url), { disputeWindowSeconds: 0n, fund: 0n });
    snapshot = await c.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
    dataDir = mkdtempSync(path.join(tmpdir(), "ledger-rpc-outage-"));
  });
  after(async () => {
    await rpc?.close();
    node?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The distributor's events as the node itself reports them, by the indexer's ids. */
  async function chainEventIds(): Promise<string[]> {
    const logs = await c.publicClient.getLogs({ address: c.distributor, fromBlock: 0n });
    return logs.map((l) => eventId(l.transactionHash, l.logIndex)).sort();
  }
  async function indexedEventIds(db: Db): Promise<string[]> {
    const { rows } = await db.query<{ id: Buffer }>("SELECT id FROM chain_events");
    return rows.map((r) => `0x${Buffer.from(r.id).toString("hex")}`).sort();
  }

  for (const backend of testBackends()) {
    it(`behavior (${backend.name}): ${OUTAGE_MS / 1000} s of refused and hanging RPC calls → neither loop stops, one line per change, both resume: FINALIZED once, exactly the chain's events indexed; an older head is waited for, not a deep reorg`, async () => {
      rpc.heal();
      await c.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
      snapshot = await c.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
      await c.fund(FUNDS);
      const db = await backend.open();
      const controller = new AbortController();
      let daemon: Promise<void> | undefined;
      let indexer: Awaited<ReturnType<typeof createIndexer>> | undefined;
      try {
        await seedEpochs(db, { domain: domainOf(c.chainId, c.distributor), epochs: [EPOCH] });
        const transport = http(rpc.url, { retryCount: 0, timeout: CLIENT_TIMEOUT_MS });
        const publicClient = createPublicClient({ chain: hardhatChain, transport, pollingInterval: 50 });
        const oracle = capturedLog();
        const ctx = testOracleContext({
          db,
          deployed: c,
          chain: {
            publicClient,
            walletClient: createWalletClient({
              account: privateKeyToAccount(PROPOSER_KEY),
              chain: hardhatChain,
              transport,
            }),
            distributor: c.distributor,
            confirmations: 1,
          },
          log: oracle.log,
          dataDir,
          nowSeconds: epochBounds(EPOCH).end + 120n,
          config: { budgetMicroUsd: FUNDS },
        });
        const idx = capturedLog();
        indexer = await createIndexer({
          db,
          client: publicClient,
          address: c.distributor,
          startBlock: 0n,
          confirmations: 0,
          finalityDepth: FINALITY_DEPTH,
          pollIntervalMs: POLL_MS,
          maxBackoffMs: INDEXER_MAX_BACKOFF_MS,
          logger: idx.log,
        });
        await indexer.syncToHead();
        let indexerStopped: unknown;
        indexer.done.catch((err: unknown) => (indexerStopped = err));
        indexer.start();

        // The outage begins before the daemon's first pass: it closes and computes the epoch
        // (no chain needed), then every chain read fails.
        rpc.fail({ method: "*", fault: { kind: "reset" }, times: Infinity });
        const leadership: Leadership = {
          kind: "single-process",
          isLeader: () => true,
          tryAcquire: () => Promise.resolve(true),
          release: () => Promise.resolve(),
        };
        let daemonStopped: unknown;
        daemon = runDaemon(ctx, { leadership, pollMs: POLL_MS, signal: controller.signal });
        daemon.catch((err: unknown) => (daemonStopped = err ?? "stopped"));
        await sleep(OUTAGE_MS / 2);
        // The chain moves on meanwhile: a funding the indexer must pick up afterwards.
        await c.fund(1_000n);
        rpc.heal();
        rpc.fail({ method: "*", fault: { kind: "hang" }, times: Infinity });
        await sleep(OUTAGE_MS / 2);
        expect(daemonStopped, "the daemon stopped during the outage").to.equal(undefined);
        expect(indexerStopped, "the indexer stopped during the outage").to.equal(undefined);
        expect((await getEpoch(db, EPOCH))!.status, "nothing was posted through a dead RPC").to.be.oneOf([
          "CLOSED",
          "COMPUTED",
        ]);
        const outageCalls = rpc.calls.filter((k) => k.fault).length;
        expect(outageCalls, "both loops kept trying").to.be.greaterThan(10);

        rpc.heal();
        const finalizedMs = await until(
          "FINALIZED",
          60_000,
          async () => (await getEpoch(db, EPOCH))!.status === "FINALIZED",
        );
        const caughtUpMs = await until(
          "the indexer to hold the chain's events",
          60_000,
          async () => JSON.stringify(await indexedEventIds(db)) === JSON.stringify(await chainEventIds()),
        );
        // Capped backoff: the oracle retries at least every 5 s while the chain is down, the indexer every 2 s.
        expect(finalizedMs, "the oracle resumed within its 5 s cap").to.be.lessThan(5_000 + 10_000);
        expect(caughtUpMs, "the indexer resumed within its cap").to.be.lessThan(INDEXER_MAX_BACKOFF_MS + 10_000);
        const delays = oracle.lines
          .filter((l) => l.dependency === "chain" && l.retryInMs !== undefined)
          .map((l) => Number(l.retryInMs));
        expect(Math.max(...delays)).to.equal(5_000);

        const logs = await c.publicClient.getLogs({ address: c.distributor, fromBlock: 0n });
        const proposals = parseEventLogs({ abi: c.abi, logs, eventName: "RootProposed" });
        expect(proposals, "one proposal").to.have.length(1);
        expect((proposals[0]!.args as unknown as { root: Hex }).root).to.equal((await getEpoch(db, EPOCH))!.root);
        const fundings = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM chain_fundings");
        expect(Number(fundings.rows[0]!.n), "the funding made during the outage is indexed").to.equal(2);

        // One line when the outage starts, one when it ends — per loop.
        const msgs = (lines: Line[], level: number) => lines.filter((l) => l.level === level).map((l) => l.msg);
        expect(msgs(oracle.lines, 40).filter((m) => /chain unreachable/.test(m))).to.have.length(1);
        expect(msgs(oracle.lines, 30).filter((m) => /chain reachable again/.test(m))).to.have.length(1);
        expect(msgs(oracle.lines, 40).filter((m) => m === "retryable oracle error")).to.deep.equal([]);
        expect(oracle.lines.filter((l) => l.level >= 50).map((l) => l.msg)).to.deep.equal([]);
        expect(msgs(idx.lines, 40)).to.deep.equal(["chain indexer step failed; retrying with backoff"]);
        expect(msgs(idx.lines, 30).filter((m) => m === "chain indexer recovered")).to.have.length(1);
        expect(idx.lines.filter((l) => l.level >= 50).map((l) => l.msg)).to.deep.equal([]);

        // A lagging replica: its head is far below the checkpoint (deeper than finality), it knows
        // no block above that head. The indexer waits; it neither rewinds nor stops.
        const checkpoint = (await indexer.checkpoint())!.blockNumber;
        const staleHead = 1n;
        expect(checkpoint - staleHead > BigInt(FINALITY_DEPTH), "the stale head lies deeper than finality").to.equal(
          true,
        );
        rpc.fail({
          method: "eth_blockNumber",
          fault: { kind: "result", result: () => numberToHex(staleHead) },
          times: Infinity,
        });
        rpc.fail({
          method: "eth_getBlockByNumber",
          when: (r: JsonRpcRequest) => {
            const tag = r.params?.[0];
            return typeof tag !== "string" || !tag.startsWith("0x") || BigInt(tag) > staleHead;
          },
          fault: { kind: "result", result: () => null },
          times: Infinity,
        });
        await c.fund(2_000n);
        await sleep(2_000);
        expect(indexerStopped, "an older head is not a reorg deeper than finality").to.equal(undefined);
        expect((await indexer.checkpoint())!.blockNumber, "no rewind").to.equal(checkpoint);
        expect(msgs(idx.lines, 40).filter((m) => m === "RPC node is behind; waiting")).to.have.length(1);
        rpc.heal();
        await until(
          "the indexer to catch up after the lagging node",
          30_000,
          async () => JSON.stringify(await indexedEventIds(db)) === JSON.stringify(await chainEventIds()),
        );
        expect(msgs(idx.lines, 30).filter((m) => m === "RPC node caught up")).to.have.length(1);
        expect(idx.lines.filter((l) => /reorganized|stopped/.test(l.msg))).to.deep.equal([]);
        expect(daemonStopped).to.equal(undefined);
        expect(indexerStopped).to.equal(undefined);
      } finally {
        rpc.heal();
        controller.abort();
        await daemon?.catch(() => {});
        await indexer?.stop();
        await db.close();
      }
    });
  }
});
