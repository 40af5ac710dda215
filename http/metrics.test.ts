/**
 * `/metrics` epoch gauges, read from the database at scrape time: the oracle runs in another
 * process, so an alert it records (an epoch waiting in SIGNED on an under-funded distributor)
 * must reach the API's scrape through the database. The rows are written as the oracle's
 * repositories write them (`epochs.status`, `epoch_state.alert`).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../server/app.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";

for (const backend of testBackends()) {
  describe(`/metrics epoch gauges (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    before(async () => {
      db = await backend.open();
      app = await buildApp({ db, verifyWorkers: 1 });
      await db.exec(`
        INSERT INTO epochs (number, status, starts_at, ends_at) VALUES
          (1, 'FINALIZED', '2026-01-01', '2026-01-02'), (2, 'SIGNED', '2026-01-02', '2026-01-03'),
          (3, 'OPEN', '2026-01-03', '2026-01-04');
        INSERT INTO epoch_state (epoch, chain_epoch, attempt) VALUES (1, 1, 1);
        INSERT INTO epoch_state (epoch, chain_epoch, attempt, alert, alert_at)
          VALUES (2, 2, 1, 'insufficient funding: 5000000 µUSD needed, 1000 available', now());`);
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    it("default: epochs by status, and the alerting ones (an epoch waiting in SIGNED)", async () => {
      const res = await app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).to.equal(200);
      expect(res.body).to.include("ledger_database_up 1\n");
      expect(res.body).to.include('ledger_epochs{status="FINALIZED"} 1\n');
      expect(res.body).to.include('ledger_epochs{status="SIGNED"} 1\n');
      expect(res.body).to.include('ledger_epochs{status="OPEN"} 1\n');
      expect(res.body).to.include('ledger_epochs_alerting{status="SIGNED"} 1\n');
      expect(res.body).to.include('ledger_epochs_alerting{status="FINALIZED"} 0\n');
      expect(res.body).to.include("# TYPE ledger_epochs_alerting gauge");
    });

    it("behavior: the alert clears from the gauge once the oracle clears it", async () => {
      await db.query("UPDATE epoch_state SET alert = NULL, alert_at = NULL WHERE epoch = 2");
      const res = await app.inject({ method: "GET", url: "/metrics" });
      expect(res.body).to.include('ledger_epochs_alerting{status="SIGNED"} 0\n');
    });
  });
}
