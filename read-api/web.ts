/**
 * The dashboard's static files (issue 9): a fixed set of files from `web/` served under
 * `/dashboard/`, with `/` redirecting there. Only files listed at start-up (known extensions, in
 * `web/` and its folders but `vendor/` and `dist/`) are served, looked up by exact relative path:
 * no path from the request ever reaches the file system, so no traversal is possible.
 *
 * `/dashboard/vendor/viem.js` (the few viem functions the browser needs: keccak256, ABI encoding,
 * address checks), `/dashboard/vendor/contracts.js` (the contract ABIs from `artifacts/`) and
 * `/dashboard/vendor/chart.js` (Chart.js, the charting library web/chart.js wraps) are
 * bundles built before the server starts (`npm run build:web`; `npm start` and `npm test` build
 * them when missing or stale) into `web/dist/vendor/`, served from there as they are: this server
 * never runs esbuild, a devDependency. `/dashboard/config.json` tells the page the
 * chain, the distributor, its deployment block, the chain's public RPC URL that browsers call
 * directly (`chainRpcUrl`, when configured: what the page reads there does not pass through this
 * server), when an RPC URL is configured, the read-only proxy to it, and the gasless-claim relayer's
 * URL (`relayerUrl`, when configured: the page's "Claim without gas" posts there).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { chainUnavailable } from "../http/api-error.ts";
import { definePlugin } from "../http/plugins/define.ts";

export type WebOptions = {
  /** Chain the distributor lives on (the wallet must be on it). */
  chainId: number;
  distributorAddress: string;
  /**
   * A JSON-RPC URL the page reads the chain through when no wallet is injected: proxied at
   * `POST /dashboard/rpc` (same origin, so the CSP holds) for read-only methods only.
   */
  rpcUrl?: string | undefined;
  /**
   * The chain's public JSON-RPC URL, for browsers to call DIRECTLY (not through this server): the
   * page checks receipts' proofs and payouts against what it reads there, so the API is trusted
   * for nothing. It must answer CORS; the CSP's `connect-src` allows its origin (server/app.ts).
   * Never a URL with a secret in it: every visitor reads it in `/dashboard/config.json`.
   */
  chainRpcUrl?: string | undefined;
  /**
   * A gasless-claim relayer (`ledger relayer`) the page posts signed `ClaimAuthorization`s to,
   * from the browser: it must answer CORS (it does) and the CSP's `connect-src` allows its origin
   * (server/app.ts). Absent: the page hides "Claim without gas".
   */
  relayerUrl?: string | undefined;
  /** The distributor's deployment block: the page's event-log scans never look below it (default 0). */
  startBlock?: bigint | undefined;
  /** Directory of the dashboard's files (default: the checkout's `web/`). */
  dir?: string;
  /** Directory of the dashboard's built bundles (default: `dist/` in `dir`). */
  bundleDir?: string;
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** What the page may ask the proxied RPC: reads only, nothing that signs or sends. */
const READ_METHODS = new Set([
  "eth_chainId",
  "eth_call",
  "eth_blockNumber",
  "eth_getLogs",
  "eth_getTransactionReceipt",
]);

/** The proxy gives up on the upstream RPC after this long (ms). */
const RPC_TIMEOUT_MS = 10_000;

/** A body that is a JSON-RPC response object (`result` or `error`), not an HTML error page or garbage. */
function isJsonRpcResponse(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === "object" && body !== null && ("result" in body || "error" in body);
  } catch {
    return false;
  }
}

const DEFAULT_DIR = fileURLToPath(new URL("../web/", import.meta.url));

/** The bundles the page imports, by the path it asks for (built into the bundle directory). */
const BUNDLES = ["vendor/viem.js", "vendor/contracts.js", "vendor/chart.js"];

/**
 * The files below `dir` with a known extension, by their path relative to it ("views/admin.js"),
 * leaving out the folders named in `skip`.
 */
function listFiles(dir: string, skip: string[] = []): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string) => {
    for (const e of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && !skip.includes(rel)) walk(rel);
      else if (e.isFile() && path.extname(e.name) in CONTENT_TYPES) files.set(rel, path.join(dir, rel));
    }
  };
  walk("");
  return files;
}

export default definePlugin(
  "web",
  async (app: FastifyInstance, options: WebOptions) => {
    const dir = options.dir ?? DEFAULT_DIR;
    const bundleDir = options.bundleDir ?? path.join(dir, "dist");
    let files: Map<string, string>;
    try {
      files = listFiles(dir, ["vendor", "dist"]);
    } catch {
      app.log.warn({ dir }, "dashboard directory not found: /dashboard/ is not served");
      return;
    }
    const bundles = existsSync(bundleDir) ? listFiles(bundleDir) : new Map<string, string>();
    const missing = BUNDLES.filter((b) => !bundles.has(b));
    if (missing.length > 0)
      app.log.warn({ bundleDir, missing }, "the dashboard's bundle is not built (npm run build:web): its pages fail");
    const config = JSON.stringify({
      chainId: options.chainId,
      distributor: options.distributorAddress.toLowerCase(),
      rpcUrl: options.rpcUrl ? "/dashboard/rpc" : null,
      chainRpcUrl: options.chainRpcUrl ?? null,
      relayerUrl: options.relayerUrl ? options.relayerUrl.replace(/\/+$/, "") : null,
      startBlock: (options.startBlock ?? 0n).toString(),
      graphql: "/graphql",
    });

    app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/dashboard/"));
    app.get("/dashboard", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/dashboard/"));
    app.get("/dashboard/config.json", { schema: { hide: true } }, async (_request, reply) =>
      reply.type("application/json; charset=utf-8").header("cache-control", "no-cache").send(config),
    );
    app.get<{ Params: { file: string } }>(
      "/dashboard/vendor/:file",
      { schema: { hide: true, params: { type: "object", properties: { file: { type: "string", maxLength: 64 } } } } },
      async (request, reply) => {
        const name = `vendor/${request.params.file}`;
        const file = bundles.get(name);
        if (file)
          return reply
            .type(CONTENT_TYPES[path.extname(name)] ?? CONTENT_TYPES[".js"]!)
            .header("cache-control", "public, max-age=3600")
            .send(readFileSync(file));
        if (!BUNDLES.includes(name))
          return reply.status(404).send({ code: "NOT_FOUND", message: `No dashboard file ${name}.` });
        return reply.status(503).type(CONTENT_TYPES[".js"]!).send(
          // A module that fails with one readable line where the page imports it.
          'throw new Error("The dashboard\'s crypto bundle is unavailable on this server (run `npm run build:web`).");',
        );
      },
    );
    if (options.rpcUrl) {
      const upstream = options.rpcUrl;
      app.post<{ Body: { id?: unknown; method: string; params?: unknown[] } }>(
        "/dashboard/rpc",
        {
          schema: {
            hide: true,
            body: {
              type: "object",
              required: ["method"],
              properties: {
                jsonrpc: { const: "2.0" },
                id: { type: ["integer", "string", "null"] },
                method: { type: "string", maxLength: 64 },
                params: { type: "array", maxItems: 4 },
              },
            },
          },
        },
        async (request, reply) => {
          const { id = null, method, params = [] } = request.body;
          if (!READ_METHODS.has(method))
            return { jsonrpc: "2.0", id, error: { code: -32601, message: `${method} is not available here.` } };
          // While the RPC is unreachable (refused, timing out, an HTTP error status, garbage) the
          // answer is an honest 503 CHAIN_UNAVAILABLE with Retry-After; a JSON-RPC error object
          // from a node that answered is passed through as it is.
          let text: string;
          try {
            const res = await fetch(upstream, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
              signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
            });
            text = await res.text();
            if (!res.ok || !isJsonRpcResponse(text)) throw new Error(`the RPC answered HTTP ${res.status}`);
          } catch (err) {
            request.log.debug({ err }, "dashboard RPC proxy: upstream failed");
            throw chainUnavailable();
          }
          app.dependencies.report("chain", "up");
          return reply.type("application/json").send(text);
        },
      );
    }

    const serve = async (name: string, reply: FastifyReply) => {
      const file = files.get(name);
      if (!file) return reply.status(404).send({ code: "NOT_FOUND", message: `No dashboard file ${name}.` });
      return reply
        .type(CONTENT_TYPES[path.extname(name)]!)
        .header("cache-control", "no-cache")
        .send(readFileSync(file));
    };
    app.get("/dashboard/", { schema: { hide: true } }, async (_request, reply) => serve("index.html", reply));
    app.get<{ Params: { "*": string } }>(
      "/dashboard/*",
      { schema: { hide: true, params: { type: "object", properties: { "*": { type: "string", maxLength: 64 } } } } },
      async (request, reply) => serve(request.params["*"], reply),
    );
  },
  ["dependencies"],
);
