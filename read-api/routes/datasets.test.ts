/**
 * `GET /v1/epochs/:n/dataset` over real HTTP on both backends: the stored file streamed with
 * its hash, stable 404 codes, the epoch number bounded, no path built from the request.
 * (read-api/graphql/oracle.test.ts serves a dataset the real oracle wrote.)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { bytesToHex } from "../../core/hex.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import { DATASET_CHUNK_BYTES, publishDataset } from "../../db/dataset-store.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { makeApp } from "../../coordinator/testing/fixtures.ts";

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

    it("error: a computed epoch whose dataset is not published is 503 DATASET_UNAVAILABLE with Retry-After", async () => {
      const res = await fetch(`${base}/v1/epochs/2/dataset`);
      expect(res.status).to.equal(503);
      expect(res.headers.get("retry-after")).to.match(/^\d+$/);
      const answer = (await res.json()) as { code: string; message: string };
      expect(answer.code).to.equal("DATASET_UNAVAILABLE");
      expect(answer.message).to.match(/is not published yet: try again/);
    });

    describe("published in the database by an oracle on another machine", () => {
      // 2.5 MiB: three chunks, so ranges cross chunk boundaries
      const big = new Uint8Array(DATASET_CHUNK_BYTES * 2 + DATASET_CHUNK_BYTES / 2);
      for (let i = 0; i < big.length; i++) big[i] = 32 + ((i * 7) % 90);
      const bigHash = bytesToHex(keccak256Bytes(big));

      before(async () => {
        const oracleDir = mkdtempSync(path.join(tmpdir(), "datasets-oracle-"));
        const file = path.join(oracleDir, "written.jsonl");
        writeFileSync(file, big);
        const stored = await db.transaction((tx) => publishDataset(tx, bigHash, file));
        expect(stored.chunkCount).to.equal(3);
        rmSync(oracleDir, { recursive: true, force: true }); // the oracle's disk is gone
        await db.query(`INSERT INTO epochs (number, status, starts_at, ends_at) VALUES (103, 'COMPUTED', $1, $2)`, [
          new Date(Date.UTC(2026, 0, 1, 4)),
          new Date(Date.UTC(2026, 0, 1, 5)),
        ]);
        await db.query(`INSERT INTO epoch_state (epoch, chain_epoch, attempt, dataset_hash) VALUES (103, 3, 1, $1)`, [
          Buffer.from(bigHash.slice(2), "hex"),
        ]);
      });

      it("default: served whole by a replica that never had the file, then cached; the ETag is the hash", async () => {
        expect(existsSync(path.join(dataDir, "datasets", `${bigHash}.jsonl`))).to.equal(false);
        const res = await fetch(`${base}/v1/epochs/3/dataset`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("etag")).to.equal(`"${bigHash}"`);
        expect(res.headers.get("accept-ranges")).to.equal("bytes");
        const bytes = new Uint8Array(await res.arrayBuffer());
        expect(bytes.length).to.equal(big.length);
        expect(bytesToHex(keccak256Bytes(bytes))).to.equal(bigHash);
        expect(existsSync(path.join(dataDir, "datasets", `${bigHash}.jsonl`))).to.equal(true);
        const again = await fetch(`${base}/v1/epochs/3/dataset`, { headers: { "if-none-match": `"${bigHash}"` } });
        expect(again.status).to.equal(304);
      });

      it("behavior: byte ranges, across chunk boundaries and from the end", async () => {
        const edge = DATASET_CHUNK_BYTES;
        for (const [header, start, end] of [
          ["bytes=0-9", 0, 9],
          [`bytes=${edge - 5}-${edge + 4}`, edge - 5, edge + 4],
          [`bytes=${2 * edge - 1}-`, 2 * edge - 1, big.length - 1],
          ["bytes=-7", big.length - 7, big.length - 1],
          [`bytes=5-${big.length + 100}`, 5, big.length - 1],
        ] as const) {
          const res = await fetch(`${base}/v1/epochs/3/dataset`, { headers: { range: header } });
          expect(res.status, header).to.equal(206);
          expect(res.headers.get("content-range"), header).to.equal(`bytes ${start}-${end}/${big.length}`);
          const got = new Uint8Array(await res.arrayBuffer());
          expect(Buffer.from(got).equals(Buffer.from(big.subarray(start, end + 1))), header).to.equal(true);
        }
      });

      it("error: a range past the end is 416 RANGE_NOT_SATISFIABLE naming the size", async () => {
        const res = await fetch(`${base}/v1/epochs/3/dataset`, { headers: { range: `bytes=${big.length}-` } });
        expect(res.status).to.equal(416);
        expect(res.headers.get("content-range")).to.equal(`bytes */${big.length}`);
        const answer = (await res.json()) as { code: string; message: string };
        expect(answer.code).to.equal("RANGE_NOT_SATISFIABLE");
        expect(answer.message).to.include(`${big.length} bytes`);
      });

      it("error: published chunks that do not hash to their name are never served or cached", async () => {
        const other = mkdtempSync(path.join(tmpdir(), "datasets-replica-"));
        const replica = await makeApp(db, pool, { dataDir: other });
        try {
          await db.query(`UPDATE epoch_dataset_chunks SET bytes = $2 WHERE dataset_hash = $1 AND chunk_no = 1`, [
            Buffer.from(bigHash.slice(2), "hex"),
            Buffer.alloc(DATASET_CHUNK_BYTES, 0x41),
          ]);
          const res = await replica.inject({ method: "GET", url: "/v1/epochs/3/dataset" });
          expect(res.statusCode).to.equal(500);
          expect(res.json<{ code: string }>().code).to.equal("INTERNAL");
          expect(existsSync(path.join(other, "datasets", `${bigHash}.jsonl`))).to.equal(false);
        } finally {
          await replica.close();
          rmSync(other, { recursive: true, force: true });
        }
      });
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
