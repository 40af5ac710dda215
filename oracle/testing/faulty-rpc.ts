/**
 * A fault-injecting JSON-RPC proxy for tests: a real HTTP server on 127.0.0.1 that forwards
 * JSON-RPC requests to a real node (a `hardhat node`) and, for the calls a test scripts,
 * fails them instead — before the node sees the call (`http500`, `reset`, `hang`, `rpcError`,
 * `malformed`) or after it (`forward` + `drop`: the node executed the call, the client never
 * hears of it), or answers with a garbage `result`.
 *
 * answers with a garbage `result`, holds a call until the test lets it through (`hold`), or
 * refuses log queries over too wide a block range (`rangeLimit`).
 *
 * Rules are matched in the order they were added; each fires `times` times (default 1), then
 * is spent. Batched requests (arrays) are forwarded untouched. Every request is logged.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Hex } from "viem";
import { toFunctionSelector } from "viem";

export type JsonRpcRequest = { jsonrpc: "2.0"; id: number | string | null; method: string; params?: unknown[] };

/** How a matched call fails. */
export type Fault =
  /** HTTP 500 with a text body; the node never sees the call. */
  | { kind: "http500" }
  /** The TCP connection is reset without a response; the node never sees the call. */
  | { kind: "reset" }
  /** No response until the client gives up (or the proxy closes); the node never sees the call. */
  | { kind: "hang" }
  /** A JSON-RPC error object; the node never sees the call. */
  | { kind: "rpcError"; code: number; message: string }
  /** A body that is not JSON; the node never sees the call. */
  | { kind: "malformed" }
  /** The call is forwarded (and executed); its response is replaced by `result(real)`. */
  | { kind: "result"; result: (real: unknown) => unknown }
  /** The call is forwarded (and executed); the response is then lost as `drop` says. */
  | { kind: "drop"; drop: "http500" | "reset" | "hang" }
  /** The call reaches the node only once `until` settles (then forwarded and answered as usual). */
  | { kind: "hold"; until: Promise<unknown> }
  /**
   * `eth_getLogs` over more than `maxBlocks` blocks (an open end counts as "earliest"/"latest")
   * is refused with a JSON-RPC error, as real L2 RPCs do; a narrower query is forwarded and
   * does not count as the rule firing.
   */
  | { kind: "rangeLimit"; maxBlocks: number; code?: number; message?: string };

export type FaultRule = {
  /** The JSON-RPC method, e.g. `eth_call`, `eth_sendRawTransaction`; `*` matches every method (an outage). */
  method: string;
  /** Narrows the match (e.g. an `eth_call` to one function, see `callTo`). */
  when?: (request: JsonRpcRequest) => boolean;
  fault: Fault;
  /** How many matching calls fail (default 1); `Infinity` until `heal()`. */
  times?: number;
};

export type LoggedCall = { method: string; params: unknown[]; fault?: Fault["kind"] };

export type FaultyRpc = {
  url: string;
  /** Adds a rule; returns a handle telling how often it fired. */
  fail(rule: FaultRule): { fired(): number };
  /** Drops every rule: the RPC is healthy again. */
  heal(): void;
  /** Every request seen, in order. */
  readonly calls: LoggedCall[];
  close(): Promise<void>;
};

/** A predicate on `eth_call`/`eth_estimateGas` params: the call's data starts with `signature`'s selector. */
export function callTo(signature: string): (request: JsonRpcRequest) => boolean {
  const selector = toFunctionSelector(signature).toLowerCase();
  return (request) => {
    const tx = request.params?.[0] as { data?: Hex; input?: Hex } | undefined;
    const data = (tx?.data ?? tx?.input ?? "0x").toLowerCase();
    return data.startsWith(selector);
  };
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function startFaultyRpc(options: { upstream: string }): Promise<FaultyRpc> {
  type Armed = FaultRule & { left: number; count: number };
  let rules: Armed[] = [];
  const calls: LoggedCall[] = [];
  const sockets = new Set<Socket>();

  // One retry when the connection to the node fails before a response (a pooled socket the node
  // closed): resending a JSON-RPC request is safe here (a raw transaction has one hash).
  const forward = async (body: string, retried = false): Promise<{ status: number; text: string }> => {
    try {
      const res = await fetch(options.upstream, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (retried) throw err;
      return forward(body, true);
    }
  };

  const reply = (res: ServerResponse, status: number, text: string, type = "application/json") => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const lose = (req: IncomingMessage, res: ServerResponse, how: "http500" | "reset" | "hang") => {
    if (how === "http500") reply(res, 500, "internal server error", "text/plain");
    else if (how === "reset") req.socket.resetAndDestroy();
    // "hang": leave the response open; `close()` destroys the socket
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return reply(res, 400, JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse" } }));
    }
    if (Array.isArray(parsed) || typeof parsed !== "object" || parsed === null) {
      const up = await forward(body);
      return reply(res, up.status, up.text);
    }
    const request = parsed as JsonRpcRequest;
    let rule = rules.find(
      (r) => r.left > 0 && (r.method === "*" || r.method === request.method) && (r.when?.(request) ?? true),
    );
    if (rule?.fault.kind === "rangeLimit" && (await logRange(request)) <= BigInt(rule.fault.maxBlocks))
      rule = undefined;
    calls.push({ method: request.method, params: request.params ?? [], fault: rule?.fault.kind });
    if (!rule) {
      const up = await forward(body);
      return reply(res, up.status, up.text);
    }
    rule.left -= 1;
    rule.count += 1;
    const fault = rule.fault;
    switch (fault.kind) {
      case "http500":
      case "reset":
      case "hang":
        return lose(req, res, fault.kind);
      case "rpcError":
        return reply(
          res,
          200,
          JSON.stringify({ jsonrpc: "2.0", id: request.id, error: { code: fault.code, message: fault.message } }),
        );
      case "malformed":
        return reply(res, 200, '{"jsonrpc":"2.0","id":' + JSON.stringify(request.id) + ',"result":');
      case "result": {
        const up = await forward(body);
        const real = (JSON.parse(up.text) as { result?: unknown }).result;
        return reply(res, 200, JSON.stringify({ jsonrpc: "2.0", id: request.id, result: fault.result(real) }));
      }
      case "drop":
        await forward(body);
        return lose(req, res, fault.drop);
      case "hold": {
        await fault.until.catch(() => undefined);
        const up = await forward(body);
        return reply(res, up.status, up.text);
      }
      case "rangeLimit":
        return reply(
          res,
          200,
          JSON.stringify({
            jsonrpc: "2.0",
            id: request.id,
            error: {
              code: fault.code ?? -32005,
              message: fault.message ?? `query exceeds max block range ${fault.maxBlocks}`,
            },
          }),
        );
    }
  };

  /** The number of blocks an `eth_getLogs` filter spans (0 for a `blockHash` filter). */
  const logRange = async (request: JsonRpcRequest): Promise<bigint> => {
    const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string };
    if (filter.blockHash) return 0n;
    const block = async (tag: string | undefined, open: "earliest" | "latest"): Promise<bigint> => {
      const t = tag ?? open;
      if (t.startsWith("0x")) return BigInt(t);
      if (t === "earliest") return 0n;
      const up = await forward(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] }));
      return BigInt((JSON.parse(up.text) as { result: string }).result);
    };
    return (await block(filter.toBlock, "latest")) - (await block(filter.fromBlock, "earliest")) + 1n;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.socket.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 502, String(err), "text/plain");
      });
    });
  });
  // Idle keep-alive sockets stay open until `close()`: a server-side idle timeout racing the
  // client's reuse of the socket would be an unscripted fault.
  server.keepAliveTimeout = 0;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    fail(rule) {
      const armed: Armed = { ...rule, left: rule.times ?? 1, count: 0 };
      rules.push(armed);
      return { fired: () => armed.count };
    },
    heal() {
      rules = [];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
