/**
 * The oracle against a misbehaving RPC: a `hardhat node` behind a fault-injecting JSON-RPC
 * proxy (oracle/testing/faulty-rpc.ts) over real HTTP. Every scenario starts from the same
 * chain snapshot (same contract address) and a fresh database with the same seeded epoch, so
 * each outcome is compared with an undisturbed run's root.
 */
import { Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import pino from "pino";
import type { Hex } from "viem";
import { createPublicClient, createWalletClient, http, keccak256, parseEventLogs, parseTransaction } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { isRetryable } from "../core/errors.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { domainOf } from "../chain/client.ts";
import type { OracleChain } from "./chain.ts";
import type { Leadership } from "./leader.ts";
import { getEpoch } from "./repositories/epochs.ts";
import type { EpochRow } from "./repositories/epochs.ts";
import { epochBalances } from "./repositories/ledger.ts";
import { runDaemon } from "./daemon.ts";
import { oracleMetrics } from "./metrics.ts";
import { MAX_VETO_REASON_ATTEMPTS } from "./retry-policy.ts";
import { advanceEpoch, runOnce } from "./run-epoch.ts";
import type { OracleContext } from "./run-epoch.ts";
import { deployTestChain, hardhatChain, PROPOSER_KEY } from "./testing/chain.ts";
import type { DeployedChain } from "./testing/chain.ts";
import { testOracleContext } from "./testing/context.ts";
import { callTo, startFaultyRpc } from "./testing/faulty-rpc.ts";
import type { Fault, FaultyRpc } from "./testing/faulty-rpc.ts";
import { startHardhatNode } from "./testing/hardhat-node.ts";
import type { HardhatNode } from "./testing/hardhat-node.ts";
import { epochBounds, seedEpochs } from "./testing/seed.ts";
import type { EpochStatus } from "../core/epoch-lifecycle.ts";

const EPOCH = 0n;
const WINDOW = 3_600n;
const FUNDS = 10n ** 12n;
/** The oracle's HTTP client gives up on a call after this long (a "hang" past it). */
const CLIENT_TIMEOUT_MS = 3_000;

const EPOCH_RECORD = callTo("epochRecord(uint64)");
const THRESHOLD = callTo("threshold()");

/** One JSON line per log record, kept for assertions. */
function capturedLog() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n").filter(Boolean))
        lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

const NEXT: Partial<Record<EpochStatus, EpochStatus>> = {
  OPEN: "CLOSED",
  CLOSED: "COMPUTED",
  COMPUTED: "SIGNED",
  SIGNED: "POSTED",
  POSTED: "FINALIZED",
};

describe("oracle against a faulty RPC (hardhat node behind a fault-injecting proxy)", { timeout: 600_000 }, () => {
  let node: HardhatNode;
  let rpc: FaultyRpc;
  let c: DeployedChain;
  /** A second deployment with a dispute window, so a guardian can veto. */
  let cv: DeployedChain;
  let snapshot: Hex;
  let otherTx: Hex;
  let dataDir: string;

  before(async () => {
    node = await startHardhatNode();
    rpc = await startFaultyRpc({ upstream: node.url });
    c = await deployTestChain(http(node.url), { disputeWindowSeconds: 0n, fund: 0n });
    cv = await deployTestChain(http(node.url), { disputeWindowSeconds: WINDOW, fund: 0n });
    const block = await c.publicClient.getBlock({ blockTag: "latest" });
    otherTx = block.transactions[0]!;
    snapshot = await c.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
    dataDir = mkdtempSync(path.join(tmpdir(), "oracle-faults-"));
  });

  after(async () => {
    await rpc?.close();
    node?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The oracle's chain, through the proxy; no transport-level retries, so the oracle sees each fault. */
  function oracleChain(
    d: DeployedChain,
    o: { confirmations?: number; bumpAfterMs?: number; confirmTimeoutMs?: number; retryCount?: number } = {},
  ): OracleChain {
    const transport = http(rpc.url, { retryCount: o.retryCount ?? 0, retryDelay: 50, timeout: CLIENT_TIMEOUT_MS });
    return {
      publicClient: createPublicClient({
        chain: hardhatChain,
        transport,
        pollingInterval: 50,
      }),
      walletClient: createWalletClient({ account: privateKeyToAccount(PROPOSER_KEY), chain: hardhatChain, transport }),
      distributor: d.distributor,
      confirmations: o.confirmations ?? 1,
      bumpAfterMs: o.bumpAfterMs ?? 2_000,
      confirmTimeoutMs: o.confirmTimeoutMs,
    };
  }

  async function mine(blocks = 1) {
    for (let i = 0; i < blocks; i++) await c.publicClient.request({ method: "evm_mine" as never, params: [] as never });
  }

  async function proposals(d: DeployedChain = c): Promise<{ root: Hex; tx: Hex }[]> {
    const logs = await d.publicClient.getLogs({ address: d.distributor, fromBlock: 0n });
    return parseEventLogs({ abi: d.abi, logs, eventName: "RootProposed" }).map((l) => ({
      root: (l.args as unknown as { root: Hex }).root,
      tx: l.transactionHash,
    }));
  }

  for (const backend of testBackends()) {
    describe(backend.name, () => {
      const open: Db[] = [];
      after(async () => {
        for (const db of open) await db.close();
      });

      /** Runs `fn` with the node's automine off; it is back on afterwards, whatever `fn` did. */
      async function withoutAutomine<T>(fn: () => Promise<T>): Promise<T> {
        await c.publicClient.request({ method: "evm_setAutomine" as never, params: [false] as never });
        try {
          return await fn();
        } finally {
          await c.publicClient.request({ method: "evm_setAutomine" as never, params: [true] as never });
        }
      }

      /** The `eth_sendRawTransaction` calls the proxy saw from now on, and a wait for the `n`th. */
      function sendsFromNow() {
        const before = rpc.calls.length;
        const list = () => rpc.calls.slice(before).filter((k) => k.method === "eth_sendRawTransaction");
        const atLeast = async (n: number, what: string) => {
          for (let i = 0; list().length < n; i++) {
            expect(i, what).to.be.lessThan(200);
            await new Promise((r) => setTimeout(r, 20));
          }
          return list();
        };
        return { list, atLeast };
      }

      /** The chain back at the snapshot (funded unless `fund: false`), a fresh database with epoch 0 seeded. */
      async function scenario(
        o: Parameters<typeof oracleChain>[1] & {
          fund?: boolean;
          chain?: DeployedChain;
          allowVetoedRoot?: boolean;
        } = {},
      ) {
        const d = o.chain ?? c;
        rpc.heal();
        await c.publicClient.request({ method: "evm_setAutomine" as never, params: [true] as never });
        await c.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
        snapshot = await c.publicClient.request({ method: "evm_snapshot" as never, params: [] as never });
        if (o.fund ?? true) await d.fund(FUNDS);
        const db = await backend.open();
        open.push(db);
        await seedEpochs(db, { domain: domainOf(d.chainId, d.distributor), epochs: [EPOCH] });
        const { log, lines } = capturedLog();
        const ctx = testOracleContext({
          db,
          deployed: d,
          chain: oracleChain(d, o),
          log,
          dataDir,
          nowSeconds: epochBounds(EPOCH).end + 120n,
          config: { budgetMicroUsd: FUNDS, allowVetoedRoot: o.allowVetoedRoot ?? false },
        });
        return { db, ctx, lines, d };
      }

      const status = async (db: Db) => (await getEpoch(db, EPOCH))!.status;

      /** The row says everything its status promises, and the ledger balances. */
      async function expectWhole(db: Db, o: { txKnown?: boolean } = {}): Promise<EpochRow> {
        const row = (await getEpoch(db, EPOCH))!;
        if (["COMPUTED", "SIGNED", "POSTED", "FINALIZED"].includes(row.status))
          expect(row.root, `${row.status} has a root`).to.match(/^0x[0-9a-f]{64}$/);
        if (["POSTED", "FINALIZED"].includes(row.status)) {
          expect(row.validAt, `${row.status} has validAt`).to.not.equal(null);
          if (o.txKnown ?? true)
            expect(row.proposeTx, `${row.status} has the proposal's tx`).to.match(/^0x[0-9a-f]{64}$/);
        }
        for (const b of await epochBalances(db)) expect(b.balanced, `ledger of epoch ${b.epoch}`).to.equal(true);
        return row;
      }

      /**
       * One `advanceEpoch` with `fault` armed on the matching call: it fails with a retryable
       * error (or, if the oracle absorbed the fault itself, succeeds), the status is unchanged
       * or fully advanced, and once healed the transition completes.
       */
      async function stepThrough(
        ctx: OracleContext,
        from: EpochStatus,
        rule: { method: string; when?: Parameters<FaultyRpc["fail"]>[0]["when"]; fault: Fault; times?: number },
        to: EpochStatus = NEXT[from]!,
      ) {
        expect(await status(ctx.db)).to.equal(from);
        const armed = rpc.fail(rule);
        const err = await advanceEpoch(ctx, EPOCH).then(
          () => undefined,
          (e: unknown) => e,
        );
        rpc.heal();
        expect(armed.fired(), `the ${rule.method} fault fired`).to.be.greaterThan(0);
        if (err !== undefined) {
          expect(isRetryable(err), `retryable: ${err instanceof Error ? err.message : "?"}`).to.equal(true);
          expect(await status(ctx.db)).to.equal(from);
          await expectWhole(ctx.db);
          const step = await advanceEpoch(ctx, EPOCH);
          expect(
            step.moved,
            JSON.stringify(step, (_, v: unknown) => (typeof v === "bigint" ? `${v}` : v)),
          ).to.equal(true);
        }
        expect(await status(ctx.db)).to.equal(to);
        await expectWhole(ctx.db);
      }

      async function toComputed(ctx: OracleContext) {
        await advanceEpoch(ctx, EPOCH); // OPEN → CLOSED
        await advanceEpoch(ctx, EPOCH); // CLOSED → COMPUTED (no chain calls)
        expect(await status(ctx.db)).to.equal("COMPUTED");
      }

      let reference: Hex;

      it("default: through the proxy, an undisturbed run finalizes the epoch with one proposal", async () => {
        const { db, ctx } = await scenario();
        await runOnce(ctx);
        const row = await expectWhole(db);
        expect(row.status).to.equal("FINALIZED");
        const props = await proposals();
        expect(props).to.have.length(1);
        expect(props[0]!.tx).to.equal(row.proposeTx);
        reference = row.root!;
        expect(props[0]!.root).to.equal(reference);
      });

      const FAULTS: [string, Fault][] = [
        ["HTTP 500", { kind: "http500" }],
        ["connection reset", { kind: "reset" }],
        ["a hang past the client timeout", { kind: "hang" }],
        ["a JSON-RPC internal error", { kind: "rpcError", code: -32603, message: "Internal error" }],
        ["a JSON-RPC rate limit", { kind: "rpcError", code: -32005, message: "limit exceeded" }],
        ["a JSON-RPC server error", { kind: "rpcError", code: -32000, message: "header not found" }],
        ["malformed JSON", { kind: "malformed" }],
        ["a garbage result (short return data)", { kind: "result", result: () => "0x1234" }],
      ];
      for (const [name, fault] of FAULTS) {
        it(`error: ${name} at sign's threshold read, post's and finalize's chain reads → retried, FINALIZED, the reference root once`, async () => {
          const { db, ctx } = await scenario();
          await toComputed(ctx);
          await stepThrough(ctx, "COMPUTED", { method: "eth_call", when: THRESHOLD, fault });
          await stepThrough(ctx, "SIGNED", { method: "eth_call", when: EPOCH_RECORD, fault });
          await stepThrough(ctx, "POSTED", { method: "eth_call", when: EPOCH_RECORD, fault });
          const row = await expectWhole(db);
          expect(row.root).to.equal(reference);
          expect((await proposals()).map((p) => p.root)).to.deep.equal([reference]);
        });
      }

      it("error: the response of eth_getLogs lost while reading a veto's reason → POSTED kept, then VETOED with the reason", async () => {
        const { db, ctx, d } = await scenario({ chain: cv });
        await runOnce(ctx);
        const posted = await expectWhole(db);
        expect(posted.status).to.equal("POSTED");
        const hash = await d.guardian.writeContract({
          address: d.distributor,
          abi: d.abi,
          functionName: "veto",
          args: [posted.chainEpoch!, "heartbeats were delayed"],
        });
        await d.publicClient.waitForTransactionReceipt({ hash });
        const faults: Fault[] = [
          { kind: "http500" },
          { kind: "hang" },
          { kind: "malformed" },
          { kind: "result", result: () => [] }, // a node that has not indexed the veto yet
        ];
        for (const fault of faults) {
          const armed = rpc.fail({ method: "eth_getLogs", fault });
          const err = await advanceEpoch(ctx, EPOCH).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(armed.fired()).to.equal(1);
          expect(isRetryable(err), `${fault.kind}: retryable`).to.equal(true);
          const row = await expectWhole(db);
          expect(row.status).to.equal("POSTED");
          expect(row.vetoReason).to.equal(null);
        }
        await advanceEpoch(ctx, EPOCH);
        const vetoed = await expectWhole(db);
        expect(vetoed.status).to.equal("VETOED");
        expect(vetoed.vetoReason).to.equal("heartbeats were delayed");
        // the admin re-proposes the same root; it goes through the window and finalizes
        ctx.config = { ...ctx.config, allowVetoedRoot: true };
        await runOnce(ctx);
        expect((await expectWhole(db)).status).to.equal("POSTED");
        await d.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(WINDOW) + 1] as never });
        await mine();
        await runOnce(ctx);
        const row = await expectWhole(db);
        expect(row.status).to.equal("FINALIZED");
        expect(row.root).to.equal(reference);
        expect((await proposals(d)).map((p) => p.root)).to.deep.equal([reference, reference]);
      });

      it("error: the node refuses eth_getLogs over more than 4 blocks → the veto's reason is scanned for in chunks from the proposal's block, VETOED with it, re-proposed, FINALIZED", async () => {
        const { db, ctx, d } = await scenario({ chain: cv, allowVetoedRoot: true });
        const refusals = rpc.fail({
          method: "eth_getLogs",
          fault: { kind: "rangeLimit", maxBlocks: 4 },
          times: Infinity,
        });
        await runOnce(ctx);
        const posted = await expectWhole(db);
        expect(posted.status).to.equal("POSTED");
        const proposedIn = (await d.publicClient.getTransactionReceipt({ hash: posted.proposeTx! })).blockNumber;
        await mine(6);
        const hash = await d.guardian.writeContract({
          address: d.distributor,
          abi: d.abi,
          functionName: "veto",
          args: [posted.chainEpoch!, "a supporter's receipts were replayed"],
        });
        await d.publicClient.waitForTransactionReceipt({ hash });
        await mine(20); // empty blocks after the veto: the scan walks back over them
        const before = rpc.calls.length;
        const step = await advanceEpoch(ctx, EPOCH);
        expect(step.moved).to.equal(true);
        const vetoed = await expectWhole(db);
        expect(vetoed.status).to.equal("VETOED");
        expect(vetoed.vetoReason).to.equal("a supporter's receipts were replayed");
        expect(refusals.fired(), "wide ranges were refused").to.be.greaterThan(0);
        const scans = rpc.calls
          .slice(before)
          .filter((k) => k.method === "eth_getLogs")
          .map((k) => k.params[0] as { fromBlock: Hex; toBlock: Hex });
        expect(scans.length).to.be.greaterThan(1);
        for (const q of scans) {
          expect(
            BigInt(q.fromBlock) >= proposedIn,
            `scan from ${BigInt(q.fromBlock)}, not below the proposal's block`,
          ).to.equal(true);
          expect(BigInt(q.toBlock) >= BigInt(q.fromBlock)).to.equal(true);
        }
        // the veto's record is complete before the re-proposal: the recomputed (equal) root is posted again
        await runOnce(ctx);
        const reposted = await expectWhole(db);
        expect(reposted.status).to.equal("POSTED");
        expect(reposted.vetoReason).to.equal("a supporter's receipts were replayed");
        await d.publicClient.request({ method: "evm_increaseTime" as never, params: [Number(WINDOW) + 1] as never });
        await mine();
        await runOnce(ctx);
        const row = await expectWhole(db);
        expect(row.status).to.equal("FINALIZED");
        expect(row.root).to.equal(reference);
        expect((await proposals(d)).map((p) => p.root)).to.deep.equal([reference, reference]);
      });

      it(`behavior: a veto whose RootVetoed event the RPC never returns → retryable ${MAX_VETO_REASON_ATTEMPTS - 1} times, then VETOED with the reason unknown, the alert and an error line; re-proposed`, async () => {
        const { db, ctx, d, lines } = await scenario({ chain: cv, allowVetoedRoot: true });
        await runOnce(ctx);
        const posted = await expectWhole(db);
        expect(posted.status).to.equal("POSTED");
        const hash = await d.guardian.writeContract({
          address: d.distributor,
          abi: d.abi,
          functionName: "veto",
          args: [posted.chainEpoch!, "never seen"],
        });
        await d.publicClient.waitForTransactionReceipt({ hash });
        const empty = rpc.fail({ method: "eth_getLogs", fault: { kind: "result", result: () => [] }, times: Infinity });
        for (let i = 1; i < MAX_VETO_REASON_ATTEMPTS; i++) {
          const err = await advanceEpoch(ctx, EPOCH).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isRetryable(err), `attempt ${i}: retryable`).to.equal(true);
          expect((await expectWhole(db)).status).to.equal("POSTED");
        }
        expect((await advanceEpoch(ctx, EPOCH)).moved).to.equal(true);
        expect(empty.fired()).to.equal(MAX_VETO_REASON_ATTEMPTS);
        const vetoed = await expectWhole(db);
        expect(vetoed.status).to.equal("VETOED");
        expect(vetoed.vetoReason).to.match(/^unknown \(the RootVetoed event was not readable in 5 attempts: /);
        expect(vetoed.alert).to.match(/was vetoed; its reason is unknown/);
        const loud = lines.filter((l) => l.alert === "veto_reason_unknown");
        expect(loud).to.have.length(1);
        expect(loud[0]!.level).to.equal(50); // error
        await runOnce(ctx);
        const reposted = await expectWhole(db);
        expect(reposted.status).to.equal("POSTED");
        expect(reposted.alert).to.equal(null);
        expect((await proposals(d)).map((p) => p.root)).to.deep.equal([reference, reference]);
      });

      for (const how of [
        "the RPC holds the send while the admin withdraws",
        "a withdrawal mined first in the same block",
      ]) {
        it(`behavior: the distributor drained after the simulation (${how}) → proposeRoot reverts with InsufficientFunding: SIGNED with the alert, not fatal; once funded, POSTED with the next nonce`, async () => {
          const { db, ctx, lines, d } = await scenario({ bumpAfterMs: 10_000 });
          await toComputed(ctx);
          await advanceEpoch(ctx, EPOCH);
          expect(await status(db)).to.equal("SIGNED");
          const withdraw = (fees: { gas?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint } = {}) =>
            d.admin.writeContract({
              address: d.distributor,
              abi: d.abi,
              functionName: "withdrawExcess",
              args: [d.admin.account.address, FUNDS],
              ...fees,
            });
          const { list: sends, atLeast } = sendsFromNow();
          const sent = async () => parseTransaction((await atLeast(1, "proposeRoot was sent"))[0]!.params[0] as Hex);
          let step;
          if (how.startsWith("the RPC holds")) {
            let release!: () => void;
            rpc.fail({
              method: "eth_sendRawTransaction",
              fault: { kind: "hold", until: new Promise<void>((r) => (release = r)) },
            });
            const pending = advanceEpoch(ctx, EPOCH);
            await sent();
            await d.publicClient.waitForTransactionReceipt({ hash: await withdraw() });
            release();
            step = await pending;
          } else {
            step = await withoutAutomine(async () => {
              const pending = advanceEpoch(ctx, EPOCH);
              const ours = await sent();
              await withdraw({
                gas: 300_000n,
                maxFeePerGas: ours.maxFeePerGas! * 3n,
                maxPriorityFeePerGas: ours.maxPriorityFeePerGas! * 3n,
              });
              await mine();
              return pending;
            });
          }
          expect(step.moved).to.equal(false);
          const first = sends()[0]!.params[0] as Hex;
          const reverted = await d.publicClient.getTransactionReceipt({ hash: keccak256(first) });
          expect(reverted.status, "our proposeRoot was mined and reverted").to.equal("reverted");
          const waiting = await expectWhole(db);
          expect(waiting.status).to.equal("SIGNED");
          expect(waiting.alert).to.match(/under-funded: the root needs \d+ µUSD, 0 µUSD are funded/);
          expect(oracleMetrics.insufficientFunding.has(EPOCH)).to.equal(true);
          const alerts = lines.filter((l) => l.alert === "insufficient_funding");
          expect(alerts).to.have.length(1);
          expect(alerts[0]!.requiredMicroUsd).to.equal(waiting.cumulativeTotal!.toString());
          expect(lines.filter((l) => l.level >= 60)).to.have.length(0);
          // the reverted transaction used its nonce: the account's count is one past it
          const nonce = parseTransaction(first).nonce!;
          const proposer = privateKeyToAccount(PROPOSER_KEY).address;
          expect(await d.publicClient.getTransactionCount({ address: proposer })).to.equal(nonce + 1);
          // still drained: the next run waits on the pre-send check, sending nothing
          const idle = rpc.calls.length;
          expect((await advanceEpoch(ctx, EPOCH)).moved).to.equal(false);
          expect(rpc.calls.slice(idle).filter((k) => k.method === "eth_sendRawTransaction")).to.have.length(0);
          await d.fund(FUNDS);
          const resend = rpc.calls.length;
          expect((await advanceEpoch(ctx, EPOCH)).moved).to.equal(true);
          const again = rpc.calls.slice(resend).filter((k) => k.method === "eth_sendRawTransaction");
          expect(again).to.have.length(1);
          expect(parseTransaction(again[0]!.params[0] as Hex).nonce).to.equal(nonce + 1);
          const posted = await expectWhole(db);
          expect(posted.status).to.equal("POSTED");
          expect(posted.alert).to.equal(null);
          expect(posted.proposeTx).to.equal(keccak256(again[0]!.params[0] as Hex));
          expect(oracleMetrics.insufficientFunding.has(EPOCH)).to.equal(false);
          await runOnce(ctx);
          expect((await expectWhole(db)).status).to.equal("FINALIZED");
          expect((await proposals(d)).map((p) => p.root)).to.deep.equal([reference]);
        });
      }

      for (const drop of ["reset", "hang", "http500"] as const) {
        it(`behavior: proposeRoot and finalize sent, but eth_sendRawTransaction's response lost (${drop}) → the tx is found, POSTED and FINALIZED once`, async () => {
          const { db, ctx } = await scenario();
          await toComputed(ctx);
          await advanceEpoch(ctx, EPOCH);
          await stepThrough(ctx, "SIGNED", { method: "eth_sendRawTransaction", fault: { kind: "drop", drop } });
          await stepThrough(ctx, "POSTED", { method: "eth_sendRawTransaction", fault: { kind: "drop", drop } });
          const row = await expectWhole(db);
          const props = await proposals();
          expect(props).to.have.length(1);
          expect(row.proposeTx).to.equal(props[0]!.tx);
          expect(row.root).to.equal(reference);
          expect(row.finalizeTx).to.match(/^0x[0-9a-f]{64}$/);
          const finalized = await c.publicClient.getTransactionReceipt({ hash: row.finalizeTx! });
          expect(finalized.status).to.equal("success");
        });
      }

      it("behavior: the transport retries a send whose response was lost after it was mined ('nonce too low') → our tx is found, POSTED once, no error", async () => {
        const { db, ctx } = await scenario({ retryCount: 1 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const sent = sendsFromNow();
        const armed = rpc.fail({ method: "eth_sendRawTransaction", fault: { kind: "drop", drop: "http500" } });
        const step = await advanceEpoch(ctx, EPOCH);
        expect(armed.fired()).to.equal(1);
        expect(step.moved).to.equal(true);
        const sends = sent.list();
        expect(sends, "viem re-sent the same raw transaction").to.have.length(2);
        expect(sends[1]!.params[0]).to.equal(sends[0]!.params[0]);
        const row = await expectWhole(db);
        expect(row.status).to.equal("POSTED");
        expect(row.proposeTx).to.equal(keccak256(sends[0]!.params[0] as Hex));
        expect((await proposals()).map((p) => p.tx)).to.deep.equal([row.proposeTx]);
      });

      it("behavior: every receipt poll lost after proposeRoot was mined → retryable error, SIGNED kept; the retry reads the chain, one proposal", async () => {
        const { db, ctx } = await scenario({ bumpAfterMs: 300 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const sent = sendsFromNow();
        const armed = rpc.fail({ method: "eth_getTransactionReceipt", fault: { kind: "http500" }, times: Infinity });
        const err = await advanceEpoch(ctx, EPOCH).then(
          () => undefined,
          (e: unknown) => e,
        );
        rpc.heal();
        expect(armed.fired()).to.be.greaterThan(1);
        expect(isRetryable(err), `retryable: ${err instanceof Error ? err.message : "?"}`).to.equal(true);
        expect((await expectWhole(db)).status).to.equal("SIGNED");
        const props = await proposals();
        expect(props, "the first proposeRoot was mined").to.have.length(1);
        // the replacements (same nonce) were refused: the nonce was used
        const sends = sent.list();
        expect(sends.length, "the original and its replacements").to.be.greaterThan(1);
        const nonces = new Set(sends.map((k) => parseTransaction(k.params[0] as Hex).nonce));
        expect(nonces.size).to.equal(1);
        const step = await advanceEpoch(ctx, EPOCH);
        expect(step.moved).to.equal(true);
        const row = await expectWhole(db);
        expect(row.status).to.equal("POSTED");
        expect(row.proposeTx).to.equal(props[0]!.tx);
        await runOnce(ctx);
        expect((await expectWhole(db)).status).to.equal("FINALIZED");
        expect((await proposals()).map((p) => p.root)).to.deep.equal([reference]);
      });

      it("behavior: garbage from the node — a wrong-length tx hash, a receipt for another tx — is not trusted; the tx that landed is recorded", async () => {
        const { db, ctx } = await scenario();
        const foreign = await c.publicClient.request({
          method: "eth_getTransactionReceipt",
          params: [otherTx],
        });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const hashGarbage = rpc.fail({
          method: "eth_sendRawTransaction",
          fault: { kind: "result", result: () => "0xdead" },
        });
        const receiptGarbage = rpc.fail({
          method: "eth_getTransactionReceipt",
          fault: { kind: "result", result: () => foreign },
          times: 3,
        });
        await advanceEpoch(ctx, EPOCH);
        expect(hashGarbage.fired()).to.equal(1);
        expect(receiptGarbage.fired()).to.equal(3);
        const row = await expectWhole(db);
        expect(row.status).to.equal("POSTED");
        const props = await proposals();
        expect(props).to.have.length(1);
        expect(row.proposeTx).to.equal(props[0]!.tx);
        expect(row.proposeTx).to.not.equal(otherTx);
      });

      it("behavior: a stuck proposeRoot (automine off) is replaced with the same nonce and ≥ +10 % fees; the replacement lands and is recorded", async () => {
        const { db, ctx } = await scenario({ bumpAfterMs: 400 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const sent = sendsFromNow();
        await withoutAutomine(async () => {
          const pending = advanceEpoch(ctx, EPOCH);
          await sent.atLeast(2, "a replacement was sent");
          const sends = sent.list;
          expect((await getEpoch(db, EPOCH))!.status).to.equal("SIGNED");
          await mine();
          await pending;
          const txs = sends().map((k) => parseTransaction(k.params[0] as Hex));
          const hashes = sends().map((k) => keccak256(k.params[0] as Hex));
          const [first, second] = txs as [(typeof txs)[0], (typeof txs)[0]];
          expect(second.nonce).to.equal(first.nonce);
          expect(second.maxFeePerGas! * 10n >= first.maxFeePerGas! * 11n, "maxFeePerGas +10 %").to.equal(true);
          expect(
            second.maxPriorityFeePerGas! * 10n >= first.maxPriorityFeePerGas! * 11n,
            "maxPriorityFeePerGas +10 %",
          ).to.equal(true);
          const row = await expectWhole(db);
          expect(row.status).to.equal("POSTED");
          const props = await proposals();
          expect(props).to.have.length(1);
          expect(row.proposeTx).to.equal(props[0]!.tx);
          expect(hashes.indexOf(row.proposeTx!), "a replacement landed, not the first tx").to.be.greaterThan(0);
          const firstReceipt = await c.publicClient.getTransactionReceipt({ hash: hashes[0]! }).then(
            () => "mined",
            () => "never mined",
          );
          expect(firstReceipt).to.equal("never mined");
        });
        await runOnce(ctx);
        expect((await expectWhole(db)).status).to.equal("FINALIZED");
      });

      it("behavior: replacements exhausted (nothing mined) → retryable, SIGNED kept; the last replacement lands later and the next run records it, one proposal", async () => {
        const { db, ctx } = await scenario({ bumpAfterMs: 150 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const sent = sendsFromNow();
        await withoutAutomine(async () => {
          const err = await advanceEpoch(ctx, EPOCH).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isRetryable(err), `retryable: ${err instanceof Error ? err.message : "?"}`).to.equal(true);
          expect((await expectWhole(db)).status).to.equal("SIGNED");
          const sends = sent.list();
          expect(sends).to.have.length(5); // the first and 4 replacements
          const last = keccak256(sends.at(-1)!.params[0] as Hex);
          // the next run starts while the last replacement still waits, then a block is mined
          const next = advanceEpoch(ctx, EPOCH).then(
            (step) => step,
            (e: unknown) => e,
          );
          await new Promise((r) => setTimeout(r, 200));
          await mine();
          const outcome = await next;
          if (outcome instanceof Error) {
            expect(isRetryable(outcome), outcome.message).to.equal(true);
            await advanceEpoch(ctx, EPOCH);
          }
          const row = await expectWhole(db);
          expect(row.status).to.equal("POSTED");
          const props = await proposals();
          expect(props).to.have.length(1);
          expect(props[0]!.tx).to.equal(last);
          expect(row.proposeTx).to.equal(last);
        });
        await runOnce(ctx);
        expect((await expectWhole(db)).status).to.equal("FINALIZED");
      });

      it("behavior: another proposer's identical proposeRoot lands first, ours reverts → the chain is read, the root taken as done and the landed tx recorded", async () => {
        const { db, ctx } = await scenario({ bumpAfterMs: 10_000 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const role = (await c.publicClient.readContract({
          address: c.distributor,
          abi: c.abi,
          functionName: "PROPOSER_ROLE",
        })) as Hex;
        await c.publicClient.waitForTransactionReceipt({
          hash: await c.admin.writeContract({
            address: c.distributor,
            abi: c.abi,
            functionName: "grantRole",
            // A second proposer (the guardian's key here: the contract refuses the role to the admin).
            args: [role, c.guardian.account.address],
          }),
        });
        const sent = sendsFromNow();
        await withoutAutomine(async () => {
          const pending = advanceEpoch(ctx, EPOCH);
          await sent.atLeast(1, "proposeRoot was sent");
          const sends = sent.list;
          const ours = parseTransaction(sends()[0]!.params[0] as Hex);
          const theirs = await c.guardian.sendTransaction({
            to: c.distributor,
            data: ours.data!,
            gas: 1_000_000n,
            maxFeePerGas: ours.maxFeePerGas! * 3n,
            maxPriorityFeePerGas: ours.maxPriorityFeePerGas! * 3n,
          });
          await mine();
          expect((await pending).moved).to.equal(true);
          const mined = await c.publicClient.getTransactionReceipt({ hash: keccak256(sends()[0]!.params[0] as Hex) });
          expect(mined.status, "our proposeRoot reverted").to.equal("reverted");
          const row = await expectWhole(db);
          expect(row.status).to.equal("POSTED");
          expect(row.proposeTx).to.equal(theirs);
          expect((await proposals()).map((p) => p.tx)).to.deep.equal([theirs]);
        });
      });

      it("behavior: someone else's finalize lands first, ours reverts → the chain is read, FINALIZED (not a fatal error)", async () => {
        const { db, ctx } = await scenario({ bumpAfterMs: 10_000 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        await advanceEpoch(ctx, EPOCH);
        expect(await status(db)).to.equal("POSTED");
        const sent = sendsFromNow();
        await withoutAutomine(async () => {
          const pending = advanceEpoch(ctx, EPOCH);
          await sent.atLeast(1, "finalize was sent");
          const sends = sent.list;
          const ours = parseTransaction(sends()[0]!.params[0] as Hex);
          await c.admin.sendTransaction({
            to: c.distributor,
            data: ours.data!,
            gas: 500_000n,
            maxFeePerGas: ours.maxFeePerGas! * 3n,
            maxPriorityFeePerGas: ours.maxPriorityFeePerGas! * 3n,
          });
          await mine();
          expect((await pending).moved).to.equal(true);
          const mined = await c.publicClient.getTransactionReceipt({ hash: keccak256(sends()[0]!.params[0] as Hex) });
          expect(mined.status, "our finalize reverted").to.equal("reverted");
          const row = await expectWhole(db);
          expect(row.status).to.equal("FINALIZED");
          expect(row.root).to.equal(reference);
        });
      });

      it("behavior: with confirmations = 3, POSTED is recorded only at the 3rd block — also for a proposal found on-chain after a lost receipt", async () => {
        const settle = () => new Promise((r) => setTimeout(r, 300));
        const watch = (p: Promise<unknown>) => {
          const state = { done: false };
          void p.then(
            () => (state.done = true),
            () => (state.done = true),
          );
          return state;
        };
        const { db, ctx } = await scenario({ confirmations: 3 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const pending = advanceEpoch(ctx, EPOCH);
        const state = watch(pending);
        for (let i = 0; (await proposals()).length === 0; i++) {
          expect(i).to.be.lessThan(200);
          await new Promise((r) => setTimeout(r, 20));
        }
        for (const block of [1, 2]) {
          await settle();
          expect(state.done, `not done at confirmation ${block}`).to.equal(false);
          expect((await getEpoch(db, EPOCH))!.status).to.equal("SIGNED");
          await mine();
        }
        expect((await pending).moved).to.equal(true);
        expect((await expectWhole(db)).status).to.equal("POSTED");

        // a second scenario: the receipt is lost, so the retry finds the proposal on-chain
        const again = await scenario({ confirmations: 3, bumpAfterMs: 200 });
        await toComputed(again.ctx);
        await advanceEpoch(again.ctx, EPOCH);
        rpc.fail({ method: "eth_getTransactionReceipt", fault: { kind: "reset" }, times: Infinity });
        const err = await advanceEpoch(again.ctx, EPOCH).then(
          () => undefined,
          (e: unknown) => e,
        );
        rpc.heal();
        expect(isRetryable(err)).to.equal(true);
        expect(await proposals()).to.have.length(1);
        const retry = advanceEpoch(again.ctx, EPOCH);
        const retryState = watch(retry);
        for (const block of [1, 2]) {
          await settle();
          expect(retryState.done, `retry not done at confirmation ${block}`).to.equal(false);
          expect((await getEpoch(again.db, EPOCH))!.status).to.equal("SIGNED");
          await mine();
        }
        expect((await retry).moved).to.equal(true);
        const row = await expectWhole(again.db);
        expect(row.status).to.equal("POSTED");
        expect(row.proposeTx).to.equal((await proposals())[0]!.tx);

        // and when the RPC refuses the log query for the proposal's tx: the record at an older block counts
        const third = await scenario({ confirmations: 3, bumpAfterMs: 200 });
        await toComputed(third.ctx);
        await advanceEpoch(third.ctx, EPOCH);
        rpc.fail({ method: "eth_getTransactionReceipt", fault: { kind: "reset" }, times: Infinity });
        expect(
          isRetryable(
            await advanceEpoch(third.ctx, EPOCH).then(
              () => undefined,
              (e: unknown) => e,
            ),
          ),
        ).to.equal(true);
        rpc.heal();
        const logs = rpc.fail({
          method: "eth_getLogs",
          fault: { kind: "rpcError", code: -32005, message: "query exceeds max block range 10000" },
          times: Infinity,
        });
        const third2 = advanceEpoch(third.ctx, EPOCH);
        const thirdState = watch(third2);
        for (const block of [1, 2]) {
          await settle();
          expect(thirdState.done, `log-less retry not done at confirmation ${block}`).to.equal(false);
          await mine();
        }
        expect((await third2).moved).to.equal(true);
        rpc.heal();
        expect(logs.fired()).to.be.greaterThan(0);
        const thirdRow = await expectWhole(third.db, { txKnown: false });
        expect(thirdRow.status).to.equal("POSTED");
      });

      it("error: the node refuses the first proposeRoot (insufficient funds for gas) → retryable at once, SIGNED kept; posted once it accepts", async () => {
        const { ctx } = await scenario({ bumpAfterMs: 60_000 });
        await toComputed(ctx);
        await advanceEpoch(ctx, EPOCH);
        const started = Date.now();
        await stepThrough(ctx, "SIGNED", {
          method: "eth_sendRawTransaction",
          fault: { kind: "rpcError", code: -32000, message: "insufficient funds for gas * price + value" },
        });
        expect(Date.now() - started, "no wait for a refused transaction").to.be.lessThan(30_000);
        expect((await proposals()).map((p) => p.root)).to.deep.equal([reference]);
      });

      it("error: a permanent JSON-RPC error (method not found) is fatal: the daemon stops with it, nothing half-recorded", async () => {
        const { db, ctx, lines } = await scenario();
        await toComputed(ctx);
        rpc.fail({
          method: "eth_call",
          when: THRESHOLD,
          fault: { kind: "rpcError", code: -32601, message: "the method eth_call does not exist" },
          times: Infinity,
        });
        const leadership: Leadership = {
          kind: "single-process",
          isLeader: () => true,
          tryAcquire: () => Promise.resolve(true),
          release: () => Promise.resolve(),
        };
        const err = await runDaemon(ctx, { leadership, pollMs: 20, signal: new AbortController().signal }).then(
          () => undefined,
          (e: unknown) => e,
        );
        rpc.heal();
        expect(err).to.be.instanceOf(Error);
        expect(isRetryable(err)).to.equal(false);
        expect(lines.filter((l) => l.level === 60 && l.msg === "fatal oracle error; stopping")).to.have.length(1);
        expect((await expectWhole(db)).status).to.equal("COMPUTED");
      });

      it("behavior: under-funded → SIGNED with the alert (epochs.alert, metric, one log line) until funded, then posted", async () => {
        const { db, ctx, lines, d } = await scenario({ fund: false });
        await runOnce(ctx);
        await runOnce(ctx);
        const waiting = await expectWhole(db);
        expect(waiting.status).to.equal("SIGNED");
        expect(waiting.alert).to.match(/under-funded: the root needs \d+ µUSD, 0 µUSD are funded/);
        expect(oracleMetrics.insufficientFunding.has(EPOCH)).to.equal(true);
        const alerts = lines.filter((l) => l.alert === "insufficient_funding");
        expect(alerts, "one log line, not one per run").to.have.length(1);
        expect(alerts[0]!.level).to.equal(40); // warn
        expect(alerts[0]!.requiredMicroUsd).to.equal(waiting.cumulativeTotal!.toString());
        expect(await proposals(d)).to.have.length(0);
        await d.fund(FUNDS);
        await runOnce(ctx);
        const done = await expectWhole(db);
        expect(done.status).to.equal("FINALIZED");
        expect(done.alert).to.equal(null);
        expect(oracleMetrics.insufficientFunding.has(EPOCH)).to.equal(false);
        expect((await proposals(d)).map((p) => p.root)).to.deep.equal([reference]);
      });

      it("behavior: the daemon backs off on retryable RPC errors in every transition and finalizes the reference root once", async () => {
        const { db, ctx, lines } = await scenario({ bumpAfterMs: 300 });
        rpc.fail({ method: "eth_call", when: THRESHOLD, fault: { kind: "http500" }, times: 2 });
        rpc.fail({ method: "eth_call", when: EPOCH_RECORD, fault: { kind: "reset" }, times: 2 });
        rpc.fail({ method: "eth_sendRawTransaction", fault: { kind: "drop", drop: "hang" } });
        rpc.fail({ method: "eth_getBlockByNumber", fault: { kind: "rpcError", code: -32603, message: "boom" } });
        const controller = new AbortController();
        const leadership: Leadership = {
          kind: "single-process",
          isLeader: () => true,
          tryAcquire: () => Promise.resolve(true),
          release: () => Promise.resolve(),
        };
        const daemon = runDaemon(ctx, { leadership, pollMs: 20, signal: controller.signal });
        try {
          for (let i = 0; (await getEpoch(db, EPOCH))!.status !== "FINALIZED"; i++) {
            expect(i, "finalized in time").to.be.lessThan(600);
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          controller.abort();
          await daemon;
        }
        // An unreachable chain (HTTP 500, reset, a hang) is logged as one outage; every retry has its delay.
        const retries = lines.filter((l) => l.msg === "retryable oracle error" || l.dependency === "chain");
        expect(retries.length).to.be.greaterThanOrEqual(3);
        expect(retries.map((l) => l.retryInMs)).to.include.members([40, 80]);
        expect(lines.filter((l) => l.level >= 60)).to.have.length(0);
        expect((await expectWhole(db)).root).to.equal(reference);
        expect((await proposals()).map((p) => p.root)).to.deep.equal([reference]);
      });
    });
  }
});
