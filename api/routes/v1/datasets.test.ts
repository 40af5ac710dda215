/**
 * `GET /v1/epochs/:n/dataset` over real HTTP on both backends: the stored file streamed with
 * its hash, stable 404 codes, the epoch number bounded, no path built from the request.
 * (api/graphql/oracle.test.ts serves a dataset the real oracle wrote.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { bytesToHex } from "../../../core/eip712.ts";
import { keccak256Bytes } from "../../../core/keccak.ts";
import { createVerifyPool, type VerifyPool } from "../../../core/verify-pool.ts";
import type { Db } from "../../../db/types.ts";
import { testBackends } from "../../../test/helpers/db.ts";
import { makeApp } from "../../testing/fixtures.ts";

for (const backend of testBackends()) {
  describe(`GET /v1/epochs/:n/dataset (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    let base: string;
    let dataDir: string;
    const body = new TextEncoder().encode('{"t":"header"}\n{"t":"result"}\n');
    const hash = bytesToHex(keccak256Bytes(body));

    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      dataDir = mkdtempSync(path.join(tmpdir(), "datasets-test-"));
      mkdirSync(path.join(dataDir, "datasets"));
      writeFileSync(path.join(dataDir, "datasets", `${hash}.jsonl`), body);
      // a secret next to the data dir that no request may reach
      writeFileSync(path.join(dataDir, "secret.jsonl"), "secret");
      const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
      await db.query(
        `INSERT INTO epochs (number, status, starts_at, ends_at)
         VALUES (100, 'FINALIZED', $1, $2), (101, 'COMPUTED', $2, $3), (102, 'OPEN', $3, $4)`,
        [at(0), at(1), at(2), at(3)],
      );
      const missing = Buffer.alloc(32, 0xee);
      await db.query(
        `INSERT INTO epoch_state (epoch, chain_epoch, attempt, dataset_hash) VALUES (100, 1, 1, $1), (101, 2, 1, $2)`,
        [Buffer.from(hash.slice(2), "hex"), missing],
      );
      app = await makeApp(db, pool, { dataDir });
      await app.listen({ host: "127.0.0.1", port: 0 });
      const addr = app.server.address() as { port: number };
      base = `http://127.0.0.1:${addr.port}`;
    });
    after(async () => {
      await app?.close();
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: streams the dataset with its hash as NDJSON", async () => {
      const res = await fetch(`${base}/v1/epochs/1/dataset`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^application\/x-ndjson/);
      expect(res.headers.get("x-dataset-hash")).to.equal(hash);
      expect(res.headers.get("content-length")).to.equal(String(body.length));
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytesToHex(keccak256Bytes(bytes))).to.equal(hash);
    });

    it("error: unknown, not-yet-computed and zero epochs are 404 NOT_FOUND", async () => {
      for (const n of ["0", "3", "999999999999999999"]) {
        const res = await fetch(`${base}/v1/epochs/${n}/dataset`);
        expect(res.status, n).to.equal(404);
        expect(((await res.json()) as { code: string }).code, n).to.equal("NOT_FOUND");
      }
    });

    it("error: a computed epoch whose file this server lacks is 404 NOT_FOUND (the message says so)", async () => {
      const res = await fetch(`${base}/v1/epochs/2/dataset`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { code: string }).code).to.equal("NOT_FOUND");
    });

    it("error: epoch numbers out of range or not decimal are 400 VALIDATION_FAILED; no path traversal", async () => {
      for (const n of ["-1", "01", "1e3", "0x1", "9999999999999999999", "abc", "..%2Fsecret", "1%00"]) {
        const res = await fetch(`${base}/v1/epochs/${n}/dataset`);
        expect(res.status, n).to.equal(400);
        expect(((await res.json()) as { code: string }).code, n).to.equal("VALIDATION_FAILED");
      }
      const trav = await fetch(`${base}/v1/epochs/..%2F..%2Fsecret/dataset`);
      expect(trav.status).to.be.oneOf([400, 404]);
      expect(await trav.text()).to.not.include("secret\n");
    });
  });
}
