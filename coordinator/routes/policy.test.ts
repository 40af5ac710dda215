import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { recoverTypedDataAddress } from "viem";
import { toTypedDataDomain } from "../../core/eip712/domain.ts";
import { founderStatusTypes, epochBudgetTypes } from "../../core/eip712/policy.ts";
import type { Hex } from "../../core/hex.ts";
import { signTypedMessage } from "../../core/sign.ts";
import { createVerifyPool, type VerifyPool } from "../../core/verify-pool.ts";
import type { Db } from "../../db/types.ts";
import { testBackends } from "../../test/helpers/db.ts";
import { ADMIN_KEY, CURRENT_EPOCH, DOMAIN, makeApp, newKey, register } from "../testing/fixtures.ts";

/**
 * The admin's discretionary inputs are signed by the policy key (coordinator/services/policy.ts): made by
 * the API's key, or submitted (made elsewhere) and checked to recover to the policy address.
 * Over real HTTP, on PGlite and PostgreSQL.
 */
const POLICY = newKey();

for (const backend of testBackends()) {
  describe(`admin policy signatures (${backend.name})`, () => {
    let db: Db;
    let pool: VerifyPool;
    let signing: FastifyInstance;
    let keyless: FastifyInstance;
    let base: string;
    let keylessBase: string;
    before(async () => {
      db = await backend.open();
      pool = createVerifyPool({ size: 1 });
      signing = await makeApp(db, pool, { policyPrivateKey: POLICY.privateKey });
      keyless = await makeApp(db, pool, { policyAddress: POLICY.address });
      base = await signing.listen({ host: "127.0.0.1", port: 0 });
      keylessBase = await keyless.listen({ host: "127.0.0.1", port: 0 });
    });
    after(async () => {
      await signing.close();
      await keyless.close();
      await pool.close();
      await db.close();
    });

    const send = async (url: string, method: string, body: unknown) => {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it("default: PUT /v1/admin/budget stores an EpochBudget the policy key signed (viem recovers it)", async () => {
      const r = await send(`${base}/v1/admin/budget`, "PUT", { fromEpoch: 3, budgetMicroUsd: "123456789012345678" });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.deep.include({ fromEpoch: "3", budgetMicroUsd: "123456789012345678", signer: POLICY.address });
      const { rows } = await db.query<{ budget_micro_usd: string; issued_at: bigint; signature: Uint8Array }>(
        "SELECT budget_micro_usd::text, issued_at, signature FROM epoch_budgets ORDER BY id DESC LIMIT 1",
      );
      const row = rows[0]!;
      expect(row.budget_micro_usd).to.equal("123456789012345678"); // above 2^53, exact
      const signer = await recoverTypedDataAddress({
        domain: toTypedDataDomain(DOMAIN),
        types: epochBudgetTypes,
        primaryType: "EpochBudget",
        message: { fromEpoch: 3n, budgetMicroUsd: 123456789012345678n, issuedAt: BigInt(row.issued_at) },
        signature: `0x${Buffer.from(row.signature).toString("hex")}`,
      });
      expect(signer.toLowerCase()).to.equal(POLICY.address);
    });

    it("default: a founder grant is a FounderStatus from the current epoch, signed; the audit log names it", async () => {
      const node = newKey();
      expect((await register(signing, node, newKey().address)).statusCode).to.equal(201);
      const r = await send(`${base}/v1/admin/supporters/${node.address}/founder`, "PUT", {
        founder: true,
        reason: "founding supporter",
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const { rows } = await db.query<{
        founder: boolean;
        effective_epoch: bigint;
        issued_at: bigint;
        reason: string;
        signature: Uint8Array;
      }>(
        "SELECT founder, effective_epoch, issued_at, reason, signature FROM founder_statuses WHERE node_address = $1",
        [Buffer.from(node.address.slice(2), "hex")],
      );
      expect(rows).to.have.length(1);
      const s = rows[0]!;
      expect([s.founder, BigInt(s.effective_epoch), s.reason]).to.deep.equal([
        true,
        BigInt(CURRENT_EPOCH),
        "founding supporter",
      ]);
      const signer = await recoverTypedDataAddress({
        domain: toTypedDataDomain(DOMAIN),
        types: founderStatusTypes,
        primaryType: "FounderStatus",
        message: {
          node: node.address,
          founder: true,
          effectiveEpoch: BigInt(CURRENT_EPOCH),
          issuedAt: BigInt(s.issued_at),
          reason: "founding supporter",
        },
        signature: `0x${Buffer.from(s.signature).toString("hex")}`,
      });
      expect(signer.toLowerCase()).to.equal(POLICY.address);
    });

    it("behavior: an API without the key accepts a signature made elsewhere that recovers to the policy address", async () => {
      const message = { fromEpoch: 9n, budgetMicroUsd: 5_000_000n, issuedAt: 1_800_000_000n };
      const signature = signTypedMessage({
        domain: DOMAIN,
        primaryType: "EpochBudget",
        message,
        privateKey: POLICY.privateKey,
      });
      const r = await send(`${keylessBase}/v1/admin/budget`, "PUT", {
        fromEpoch: 9,
        budgetMicroUsd: "5000000",
        issuedAt: 1_800_000_000,
        policySignature: signature,
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.signer).to.equal(POLICY.address);
    });

    it("attack: a signature by another key, or of another figure, is 400 POLICY_SIGNATURE_INVALID and stores nothing", async () => {
      const before = (await db.query("SELECT 1 FROM epoch_budgets")).rows.length;
      const attacker = newKey();
      const message = { fromEpoch: 9n, budgetMicroUsd: 5_000_000n, issuedAt: 1_800_000_000n };
      const forged = signTypedMessage({
        domain: DOMAIN,
        primaryType: "EpochBudget",
        message,
        privateKey: attacker.privateKey,
      });
      const a = await send(`${keylessBase}/v1/admin/budget`, "PUT", {
        fromEpoch: 9,
        budgetMicroUsd: "5000000",
        issuedAt: 1_800_000_000,
        policySignature: forged,
      });
      expect([a.status, a.body.code]).to.deep.equal([400, "POLICY_SIGNATURE_INVALID"]);
      expect(a.body.message).to.include(`recovers to ${attacker.address}, not the policy key ${POLICY.address}`);
      // the policy key's real signature of $5, pasted onto $5 000 000
      const real = signTypedMessage({
        domain: DOMAIN,
        primaryType: "EpochBudget",
        message,
        privateKey: POLICY.privateKey,
      });
      const b = await send(`${keylessBase}/v1/admin/budget`, "PUT", {
        fromEpoch: 9,
        budgetMicroUsd: "5000000000000",
        issuedAt: 1_800_000_000,
        policySignature: real,
      });
      expect([b.status, b.body.code]).to.deep.equal([400, "POLICY_SIGNATURE_INVALID"]);
      const c = await send(`${keylessBase}/v1/admin/budget`, "PUT", {
        fromEpoch: 9,
        budgetMicroUsd: "5000000",
        policySignature: real,
      });
      expect([c.status, c.body.code]).to.deep.equal([400, "VALIDATION_FAILED"]); // issuedAt is part of what was signed
      expect((await db.query("SELECT 1 FROM epoch_budgets")).rows.length).to.equal(before);
    });

    it("error: an API with neither key nor submitted signature answers 409 POLICY_KEY_NOT_CONFIGURED", async () => {
      const r = await send(`${keylessBase}/v1/admin/budget`, "PUT", { fromEpoch: 1, budgetMicroUsd: "1" });
      expect([r.status, r.body.code]).to.deep.equal([409, "POLICY_KEY_NOT_CONFIGURED"]);
      expect(r.body.message).to.match(/submit it as policySignature/);
    });

    it("error: malformed input — a negative or fractional budget, unknown fields, a short signature — is a 400", async () => {
      for (const body of [
        { fromEpoch: 1, budgetMicroUsd: "-1" },
        { fromEpoch: 1, budgetMicroUsd: "1.5" },
        { fromEpoch: 1, budgetMicroUsd: "1", extra: true },
        { fromEpoch: 1, budgetMicroUsd: "1", policySignature: "0x12" as Hex, issuedAt: 1 },
        { fromEpoch: 1, budgetMicroUsd: "1000000000000000001" },
      ]) {
        const r = await send(`${base}/v1/admin/budget`, "PUT", body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
      }
    });
  });
}
