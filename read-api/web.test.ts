/**
 * The dashboard plugin's file serving, on a bare Fastify over temporary directories: `web/`'s files
 * and its folders' (not `vendor/`, the bundles' sources, nor `dist/`) by exact relative path, the
 * bundles from the bundle directory, a one-line failing module (503) for a bundle not built, and
 * no esbuild at runtime: the plugin works where esbuild cannot be resolved (`npm ci --omit=dev`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { definePlugin } from "../http/plugins/define.ts";
import type { WebOptions } from "./web.ts";

// Before the plugin loads: esbuild is not installed, as after `npm ci --omit=dev`.
const esbuildResolved: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "esbuild" || specifier.startsWith("esbuild/")) {
      esbuildResolved.push(specifier);
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: "ERR_MODULE_NOT_FOUND" });
    }
    return nextResolve(specifier, context);
  },
});
const { default: web } = await import("./web.ts");

/** The `dependencies` plugin the dashboard's declares, without a database. */
const fakeDependencies = definePlugin("dependencies", async (app: FastifyInstance) => {
  app.decorate("dependencies", { report: () => {} } as unknown as FastifyInstance["dependencies"]);
});

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}

async function serve(options: Partial<WebOptions>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(fakeDependencies);
  await app.register(web, { chainId: 31337, distributorAddress: `0x${"ab".repeat(20)}`, ...options });
  await app.ready();
  return app;
}

describe("dashboard plugin: static files and prebuilt bundles, no esbuild at runtime", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), "web-plugin-test-"));
    write(path.join(root, "web"), {
      "index.html": "<!doctype html><title>ledger</title>",
      "app.js": 'import "../api/plugins/views/admin.js";',
      "views/admin.js": "export const admin = 1;",
      "vendor/viem-entry.js": 'export { keccak256 } from "viem";',
      "dist/vendor/viem.js": "export const keccak256 = () => {};",
      "dist/vendor/contracts.js": "export const distributorAbi = [];",
      "notes.txt": "not a served extension",
    });
    write(path.join(root, "unbuilt"), { "index.html": "<!doctype html>", "chain.js": "export {};" });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("default: web/'s files and its folders' by relative path, the bundles from web/dist/vendor/", async () => {
    const app = await serve({ dir: path.join(root, "web") });
    try {
      const get = (url: string) => app.inject({ method: "GET", url });
      const index = await get("/dashboard/");
      expect(index.statusCode).to.equal(200);
      expect(index.headers["content-type"]).to.match(/^text\/html/);
      // web/'s own files are read again on every visit; the bundles are built once, so cached
      for (const [url, body, cache] of [
        ["/dashboard/app.js", 'import "../api/plugins/views/admin.js";', "no-cache"],
        ["/dashboard/views/admin.js", "export const admin = 1;", "no-cache"],
        ["/dashboard/vendor/viem.js", "export const keccak256 = () => {};", "public, max-age=3600"],
        ["/dashboard/vendor/contracts.js", "export const distributorAbi = [];", "public, max-age=3600"],
      ]) {
        const res = await get(url!);
        expect(res.statusCode, url).to.equal(200);
        expect(res.headers["content-type"], url).to.match(/^text\/javascript/);
        expect(res.headers["cache-control"], url).to.equal(cache);
        expect(res.body, url).to.equal(body);
      }
      for (const bad of [
        "vendor/viem-entry.js",
        "viem-entry.js",
        "dist/vendor/viem.js",
        "vendor/other.js",
        "views",
        "notes.txt",
        "views%2F..%2F..%2Funbuilt%2Fchain.js",
        "..%2Funbuilt%2Fchain.js",
      ])
        expect((await get(`/dashboard/${bad}`)).statusCode, bad).to.equal(404);
      expect(esbuildResolved, "nothing asked for esbuild").to.deep.equal([]);
    } finally {
      await app.close();
    }
  });

  it("config.json: relayerUrl is the relayer's URL (no trailing slash) when configured, null when not", async () => {
    for (const [relayerUrl, expected] of [
      ["http://127.0.0.1:8090/", "http://127.0.0.1:8090"],
      [undefined, null],
    ] as const) {
      const app = await serve({ dir: path.join(root, "web"), relayerUrl });
      try {
        const res = await app.inject({ method: "GET", url: "/dashboard/config.json" });
        expect(res.statusCode).to.equal(200);
        expect((JSON.parse(res.body) as { relayerUrl: unknown }).relayerUrl).to.equal(expected);
      } finally {
        await app.close();
      }
    }
  });

  it("error: a bundle not built answers 503 with a module that throws one readable line; the rest is served", async () => {
    const app = await serve({ dir: path.join(root, "unbuilt") });
    try {
      for (const url of ["/dashboard/vendor/viem.js", "/dashboard/vendor/contracts.js"]) {
        const res = await app.inject({ method: "GET", url });
        expect(res.statusCode, url).to.equal(503);
        expect(res.headers["content-type"], url).to.match(/^text\/javascript/);
        expect(res.body, url).to.match(
          /^throw new Error\(".*unavailable on this server \(run `npm run build:web`\)\."\);$/,
        );
      }
      expect((await app.inject({ method: "GET", url: "/dashboard/chain.js" })).statusCode).to.equal(200);
      expect(esbuildResolved, "nothing asked for esbuild").to.deep.equal([]);
    } finally {
      await app.close();
    }
  });
});
