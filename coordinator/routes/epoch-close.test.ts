import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { ensureEpochs } from "../repositories/epochs.ts";
import { adminHeaders, CURRENT_EPOCH, EPOCH_SECONDS, makeApp } from "../testing/fixtures.ts";

/**
 * One writer per table (issue 17): an admin's early close is a row of `epoch_close_requests`,
 * the coordinator's only write for it; the oracle's close (`close_epoch()`) carries it out — the
 * epoch is CLOSED with its close time in `epoch_state` when the answer comes.
 */
for (const backend of testBackends()) {
  describe(`admin epoch close requests (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let app: FastifyInstance;
    const epoch = CURRENT_EPOCH - 1;
    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      app = await makeApp(db, pool);
      await ensureEpochs(db, { epochSeconds: EPOCH_SECONDS, genesis: 0 }, [epoch, CURRENT_EPOCH]);
    });
    after(async () => {
      await app.close();
      await pool.close();
      await db.close();
    });

    const close = (e: number) =>
      app.inject({ method: "POST", url: `/v1/admin/epochs/${e}/close`, headers: adminHeaders });

    it("default: the request is stored with who asked and in which request, and carried out by the close", async () => {
      const res = await close(epoch);
      expect(res.statusCode, res.body).to.equal(200);
      expect(res.json()).to.include({ epoch, status: "CLOSED" });
      const requests = await db.query<{ epoch: bigint; requested_by: string; request_id: string }>(
        "SELECT epoch, requested_by, request_id FROM epoch_close_requests",
      );
      expect(requests.rows).to.have.length(1);
      expect(requests.rows[0]).to.deep.include({ epoch: BigInt(epoch), requested_by: "bootstrap-admin" });
      expect(requests.rows[0]!.request_id).to.be.a("string").and.not.equal("");
      const state = await db.query<{ status: string; closed_at: Date | null }>(
        "SELECT e.status, s.closed_at FROM epochs e JOIN epoch_state s ON s.epoch = e.number WHERE e.number = $1",
        [epoch],
      );
      expect(state.rows[0]!.status).to.equal("CLOSED");
      expect(state.rows[0]!.closed_at).to.be.instanceOf(Date);
    });

    it("error: a refused close (not ended, not open) stores no request", async () => {
      expect((await close(CURRENT_EPOCH)).json()).to.include({ code: "EPOCH_NOT_ENDED" });
      expect((await close(epoch)).json()).to.include({ code: "EPOCH_NOT_OPEN" });
      expect((await db.query("SELECT 1 FROM epoch_close_requests")).rowCount).to.equal(1);
    });

    it("error: a request for an epoch no longer OPEN is not stored and changes nothing", async () => {
      const moved = await db.query<{ moved: boolean }>("SELECT close_epoch($1) AS moved", [epoch]);
      expect(moved.rows[0]!.moved).to.equal(false);
      const inserted = await db.query(
        "INSERT INTO epoch_close_requests (epoch, requested_by, request_id) VALUES ($1, 'x', 'y')",
        [epoch],
      );
      expect(inserted.rowCount).to.equal(0);
    });
  });
}
