import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { buildApp } from "./app.ts";
import { DEV_DISTRIBUTOR_ADDRESS, InvalidConfigError, loadApiConfig } from "./config.ts";

for (const backend of testBackends()) {
  describe(`api health over real HTTP (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let base: string;
    before(async () => {
      db = await backend.open();
      app = await buildApp({ db });
      base = await app.listen({ host: "127.0.0.1", port: 0 });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    it("default: GET /healthz names the database engine", async () => {
      const res = await fetch(`${base}/healthz`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: "ok", db: backend.name });
    });

    it("default: GET /readyz is ready once migrations are applied", async () => {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({
        status: "ready",
        pendingMigrations: [],
        dependencies: { database: "up" },
        down: [],
      });
    });

    it("error: an unknown route answers 404 with a stable code", async () => {
      const res = await fetch(`${base}/v1/nothing-here`);
      expect(res.status).to.equal(404);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).to.equal("NOT_FOUND");
      expect(body.message).to.include("/v1/nothing-here");
    });
  });
}

describe("loadApiConfig", () => {
  it("default: binds loopback on 8080 with embedded PGlite", () => {
    expect(loadApiConfig({})).to.deep.equal({
      host: "127.0.0.1",
      port: 8080,
      databaseUrl: undefined,
      dataDir: "data",
      logLevel: "info",
      chainId: 31_337,
      distributorAddress: DEV_DISTRIBUTOR_ADDRESS,
      adminApiKey: undefined,
      coordinatorPrivateKey: undefined,
      policyPrivateKey: undefined,
      policyAddress: undefined,
      epochSeconds: 86_400,
      epochGenesis: 0,
      epochGraceSeconds: 3_600,
      rateLimitPerMinute: 1_200,
      corsOrigins: [],
      verifyWorkers: undefined,
      redisUrl: undefined,
      graphqlCacheMiB: 256,
      rateCardNoticeEpochs: 2,
      heartbeatSlotSeconds: 60,
      browserRpcUrl: undefined,
      startBlock: 0n,
    });
    expect(
      loadApiConfig({ LEDGER_BROWSER_RPC_URL: "https://sepolia.base.org", LEDGER_START_BLOCK: "12345678" }),
    ).to.include({ browserRpcUrl: "https://sepolia.base.org", startBlock: 12_345_678n });
    expect(() => loadApiConfig({ LEDGER_BROWSER_RPC_URL: "ws://127.0.0.1:8545" })).to.throw(
      InvalidConfigError,
      /LEDGER_BROWSER_RPC_URL/,
    );
    expect(() => loadApiConfig({ LEDGER_START_BLOCK: "-1" })).to.throw(InvalidConfigError, /LEDGER_START_BLOCK/);
    expect(loadApiConfig({ LEDGER_RATE_CARD_NOTICE_EPOCHS: "0" }).rateCardNoticeEpochs).to.equal(0);
    expect(() => loadApiConfig({ LEDGER_RATE_CARD_NOTICE_EPOCHS: "-1" })).to.throw(/LEDGER_RATE_CARD_NOTICE_EPOCHS/);
    expect(loadApiConfig({ LEDGER_EPOCH_GRACE_SECONDS: "5400" }).epochGraceSeconds).to.equal(5_400);
    expect(() => loadApiConfig({ LEDGER_EPOCH_GRACE_SECONDS: "2592001" })).to.throw(/LEDGER_EPOCH_GRACE_SECONDS/);
    expect(loadApiConfig({ REDIS_URL: "redis://127.0.0.1:6379", LEDGER_GRAPHQL_CACHE_MIB: "0" })).to.include({
      redisUrl: "redis://127.0.0.1:6379",
      graphqlCacheMiB: 0,
    });
  });

  it("error: a bad PORT or LOG_LEVEL names the variable", () => {
    expect(() => loadApiConfig({ PORT: "http" })).to.throw(InvalidConfigError, /PORT/);
    expect(() => loadApiConfig({ LOG_LEVEL: "loud" })).to.throw(InvalidConfigError, /LOG_LEVEL/);
  });

  it("error: secrets are validated without echoing them", () => {
    const secret = "0xnot-a-key-but-secret";
    const err = (() => {
      try {
        loadApiConfig({ LEDGER_COORDINATOR_PRIVATE_KEY: secret });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).to.be.instanceOf(InvalidConfigError);
    expect(err!.message).to.include("LEDGER_COORDINATOR_PRIVATE_KEY").and.not.include(secret);
    expect(() => loadApiConfig({ LEDGER_ADMIN_API_KEY: "short" })).to.throw(InvalidConfigError, /LEDGER_ADMIN_API_KEY/);
    expect(() => loadApiConfig({ LEDGER_CHAIN_ID: "x" })).to.throw(InvalidConfigError, /LEDGER_CHAIN_ID/);
    expect(() => loadApiConfig({ LEDGER_GRAPHQL_CACHE_MIB: "-1" })).to.throw(
      InvalidConfigError,
      /LEDGER_GRAPHQL_CACHE_MIB/,
    );
    expect(loadApiConfig({ LEDGER_CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins).to.deep.equal([
      "https://a.example",
      "https://b.example",
    ]);
  });
});
