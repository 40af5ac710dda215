import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { network } from "hardhat";

/**
 * The development chain of `npm start`: Hardhat's in-process EVM (EDR), served over JSON-RPC
 * on 127.0.0.1 so that the oracle, the indexer, `ledger` commands, browsers and wallets all
 * talk to the same chain.
 *
 * EDR keeps no state on disk, so every state-changing request is appended to a journal
 * (NDJSON) with the timestamp of the block it produced; on the next start the journal is
 * replayed into a fresh EVM, block by block at the same timestamps, which rebuilds the same
 * chain (same addresses, same transaction hashes), and the clock is then moved to the present.
 */
export type DevChain = {
  url: string;
  chainId: number;
  /** Blocks replayed from the journal at start (0 on a fresh chain). */
  replayedTransactions: number;
  close(): Promise<void>;
};

type Provider = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
type JournalEntry = { method: string; params: unknown[]; timestamp?: number };

/** Methods that change chain state and are journaled. Everything else is read-only. */
const JOURNALED = new Set([
  "eth_sendRawTransaction",
  "eth_sendTransaction",
  "evm_mine",
  "hardhat_setBalance",
  "evm_setNextBlockTimestamp",
  "evm_increaseTime",
]);
/** Methods a replayed chain would not reproduce; refused so the journal stays truthful. */
const REFUSED = new Set([
  "evm_revert",
  "evm_snapshot",
  "hardhat_reset",
  "evm_setAutomine",
  "hardhat_setCode",
  "hardhat_setStorageAt",
  "hardhat_setNonce",
]);

export async function startDevChain(options: {
  port: number;
  journalFile: string;
  /** Mine an empty block this often, so chain time follows the wall clock (default 2 000 ms). */
  blockIntervalMs?: number;
  log?: (line: string) => void;
}): Promise<DevChain> {
  // The journal's first line pins the genesis block's time: a replay must start from the same
  // genesis, or the recorded (past) block timestamps would precede it.
  const lines = existsSync(options.journalFile)
    ? readFileSync(options.journalFile, "utf8").split("\n").filter(Boolean)
    : [];
  let genesisSeconds = Math.floor(Date.now() / 1000);
  const first = lines[0] ? (JSON.parse(lines[0]) as { genesis?: number }) : undefined;
  if (first?.genesis !== undefined) genesisSeconds = first.genesis;
  else appendFileSync(options.journalFile, `${JSON.stringify({ genesis: genesisSeconds })}\n`);
  // Several transactions in one second get blocks with the same timestamp, so chain time does
  // not run ahead of the wall clock (and dispute windows last what they say).
  const connection = await network.create({
    override: { initialDate: new Date(genesisSeconds * 1000).toISOString(), allowBlocksWithSameTimestamp: true },
  });
  const provider = connection.provider as Provider;
  const log = options.log ?? (() => {});

  // Serialize state changes so journal order is chain order.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };
  const latestTimestamp = async () =>
    Number(
      BigInt(
        (
          (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
            timestamp: string;
          }
        ).timestamp,
      ),
    );

  let replayed = 0;
  if (lines.length > 1) {
    for (const line of lines.slice(1)) {
      const entry = JSON.parse(line) as JournalEntry;
      if (entry.method === "evm_setNextBlockTimestamp" || entry.method === "evm_increaseTime") continue; // folded into timestamps
      if (entry.timestamp !== undefined)
        await provider.request({ method: "evm_setNextBlockTimestamp", params: [entry.timestamp] });
      await provider.request({ method: entry.method, params: entry.params });
      replayed++;
    }
    log(`chain: replayed ${replayed} transactions from ${options.journalFile}`);
  }
  // The chain's clock never runs behind real time: whatever the journal held (even nothing but
  // its genesis line, from a start that stopped before any block), the next block is "now".
  const now = Math.floor(Date.now() / 1000);
  if (now > (await latestTimestamp())) {
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [now] });
    await provider.request({ method: "evm_mine", params: [] });
    appendFileSync(options.journalFile, `${JSON.stringify({ method: "evm_mine", params: [], timestamp: now })}\n`);
  }

  const handle = async (call: { id?: unknown; method?: unknown; params?: unknown }) => {
    const id = call.id ?? null;
    if (typeof call.method !== "string")
      return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request" } };
    const method = call.method;
    const params = Array.isArray(call.params) ? call.params : [];
    if (REFUSED.has(method))
      return {
        jsonrpc: "2.0",
        id,
        error: { code: -32601, message: `${method} is disabled on the ledger's journaled dev chain` },
      };
    try {
      const result = JOURNALED.has(method)
        ? await serialized(async () => {
            const r = await provider.request({ method, params });
            const mined =
              method !== "hardhat_setBalance" &&
              method !== "evm_setNextBlockTimestamp" &&
              method !== "evm_increaseTime";
            const entry: JournalEntry = { method, params, ...(mined ? { timestamp: await latestTimestamp() } : {}) };
            appendFileSync(options.journalFile, `${JSON.stringify(entry)}\n`);
            return r;
          })
        : await provider.request({ method, params });
      return { jsonrpc: "2.0", id, result: result ?? null };
    } catch (err) {
      const e = err as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: typeof e.code === "number" ? e.code : -32603,
          message: e.message ?? String(err),
          ...(e.data === undefined ? {} : { data: e.data }),
        },
      };
    }
  };

  // Blocks are mined on transactions; between them, an empty block every interval keeps
  // `block.timestamp` near the wall clock (dispute windows end on time). Journaled like any
  // other block, so a replay rebuilds the same block numbers and hashes.
  const miner = setInterval(() => {
    void handle({ method: "evm_mine", params: [] });
  }, options.blockIntervalMs ?? 2_000);

  const server: Server = createServer((req, res) => {
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "content-type",
        "access-control-allow-methods": "POST",
      });
      return res.end();
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 8 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
        return;
      }
      const calls = Array.isArray(body) ? body : [body];
      Promise.all(calls.map((c) => handle(c as { id?: unknown; method?: unknown; params?: unknown }))).then(
        (out) => {
          res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
          res.end(JSON.stringify(Array.isArray(body) ? out : out[0]));
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const chainId = Number(BigInt((await provider.request({ method: "eth_chainId" })) as string));
  return {
    url: `http://127.0.0.1:${port}`,
    chainId,
    replayedTransactions: replayed,
    async close() {
      clearInterval(miner);
      await queue;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await connection.close();
    },
  };
}
