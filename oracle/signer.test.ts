import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { encryptKeystoreJsonSync, Wallet } from "ethers";
import { hashTypedData, recoverTypedDataAddress } from "viem";
import type { Address } from "../core/eip712/domain.ts";
import type { EpochRoot } from "../core/eip712/epoch-root.ts";
import type { Hex } from "../core/hex.ts";
import { toTypedDataDomain } from "../core/eip712/domain.ts";
import { epochRootTypes } from "../core/eip712/epoch-root.ts";
import type { Db } from "../db/types.ts";
import { testBackends } from "../test/helpers/db.ts";
import { canonicalJson } from "../core/dataset/canonical-json.ts";
import { parseDataset } from "../core/dataset/parse.ts";
import { recomputeEpoch } from "../core/recompute-epoch.ts";
import { SignerRefusedError } from "./errors.ts";
import { decryptKeystore, encryptKeystore, KeystoreError, loadKey } from "./keystore.ts";
import { createVerifyPool } from "../core/verify-pool.ts";
import type { VerifyPool } from "../core/verify-pool.ts";
import { checkEpoch, checkEpochWithPool, signCheckedEpoch } from "./signer.ts";
import { aggregateEpoch } from "./stages/aggregate.ts";
import { buildEpoch, bytesHash as datasetHash } from "./stages/build.ts";
import { computeEpoch } from "./stages/compute.ts";
import { COORDINATOR, epochBounds, POLICY, seedEpochs, testKey } from "./testing/seed.ts";

/** The distributor's answer to hasRole(POLICY_ROLE, signer) on the test chain: only the test policy key. */
const hasPolicyRole = async (signer: string) => signer.toLowerCase() === POLICY.toLowerCase();

const domain = { chainId: 31_337, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Address };
const KEY = testKey("independent-signer");

/** Rewrites one line of a dataset and returns the new bytes. */
function tamper(
  bytes: Uint8Array,
  type: string,
  index: number,
  edit: (o: Record<string, unknown>) => void,
): Uint8Array {
  const lines = new TextDecoder().decode(bytes).slice(0, -1).split("\n");
  let seen = 0;
  const out = lines.map((line) => {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.t !== type || seen++ !== index) return line;
    edit(o);
    return canonicalJson(o);
  });
  return new TextEncoder().encode(out.map((l) => `${l}\n`).join(""));
}

for (const backend of testBackends()) {
  describe(`independent signer (${backend.name})`, () => {
    let db: Db;
    let dataset: Uint8Array;
    let expected: EpochRoot;
    let file: string;
    let pool: VerifyPool;
    let aggregatedReceipts: readonly object[];
    const dataDir = mkdtempSync(path.join(tmpdir(), "signer-test-"));
    before(async () => {
      pool = createVerifyPool({ size: 2 });
      db = await backend.open();
      await seedEpochs(db, { domain, epochs: [0n] });
      const { start, end } = epochBounds(0n);
      const aggregated = await aggregateEpoch(db, {
        epoch: 0n,
        chainEpoch: 1n,
        startsAt: new Date(Number(start) * 1000),
        endsAt: new Date(Number(end) * 1000),
        domain,
        coordinator: COORDINATOR,
        heartbeatSlotSeconds: 60n,
      });
      aggregatedReceipts = aggregated.inputs.receipts;
      const built = await buildEpoch({ chainEpoch: 1n, attempt: 1n, computed: computeEpoch({ aggregated }), dataDir });
      file = built.file;
      dataset = new Uint8Array(readFileSync(file));
      expected = built.epochRoot;
      expect(built.bytes).to.equal(dataset.length);
      expect(datasetHash(dataset)).to.equal(built.datasetHash);
    });
    after(async () => {
      await pool?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("default: recomputes the dataset (verifying every signature) and signs; viem recovers the signer", async () => {
      expect(checkEpoch({ dataset, expected, domain })).to.include({ ok: true });
      expect(checkEpoch({ dataset: file, expected, domain, signatures: "trusted" })).to.include({ ok: true });
      expect(await checkEpochWithPool({ dataset: file, expected, domain, pool })).to.include({ ok: true });
      const { signer, signature } = await signCheckedEpoch({
        dataset,
        expected,
        domain,
        privateKey: KEY,
        pool,
        hasPolicyRole,
      });
      const recovered = await recoverTypedDataAddress({
        domain: toTypedDataDomain(domain),
        types: epochRootTypes,
        primaryType: "EpochRoot",
        message: expected,
        signature,
      });
      expect(recovered.toLowerCase()).to.equal(signer);
      expect(
        hashTypedData({
          domain: toTypedDataDomain(domain),
          types: epochRootTypes,
          primaryType: "EpochRoot",
          message: expected,
        }),
      ).to.match(/^0x/);
    });

    it("error: refuses a dataset whose bytes do not hash to the datasetHash", async () => {
      const forged = tamper(dataset, "statement", 0, (o) => (o.payoutMicroUsd = "999999999"));
      const r = checkEpoch({ dataset: forged, expected, domain });
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.report).to.match(/hashes to/);
      const p = await checkEpochWithPool({ dataset: forged, expected, domain, pool });
      expect(!p.ok && p.report).to.match(/hashes to/);
    });

    it("attack: a budget signed by a key without POLICY_ROLE is refused before anything is signed", async () => {
      let refused: unknown;
      await signCheckedEpoch({
        dataset,
        expected,
        domain,
        privateKey: KEY,
        hasPolicyRole: async () => false,
      }).catch((err: unknown) => (refused = err));
      expect(refused).to.be.instanceOf(SignerRefusedError);
      expect(String((refused as Error).message)).to.match(
        new RegExp(
          `budgetApproval \\(epoch 0\\) is signed by ${POLICY.toLowerCase()}, which does not hold POLICY_ROLE`,
        ),
      );
    });

    it("error: refuses an inflated statement re-hashed by the leader, naming the first differing statement", async () => {
      const forged = tamper(dataset, "statement", 1, (o) => (o.payoutMicroUsd = "999999999"));
      const forgedRoot = { ...expected, datasetHash: datasetHash(forged) };
      const r = checkEpoch({ dataset: forged, expected: forgedRoot, domain });
      expect(r.ok).to.equal(false);
      const report = r.ok ? "" : r.report;
      expect(report).to.match(
        /first differing statement #1 \(account 0x[0-9a-f]{40}\): payoutMicroUsd recorded "999999999", recomputed "\d+"/,
      );
      let refused: unknown;
      await signCheckedEpoch({ dataset: forged, expected: forgedRoot, domain, privateKey: KEY, hasPolicyRole }).catch(
        (err: unknown) => (refused = err),
      );
      expect(refused).to.be.instanceOf(SignerRefusedError);
    });

    it("behavior: trusted mode (the leader's local keys) recovers no signature; the independent check refuses a forged one", async () => {
      const forged = tamper(dataset, "receipt", 0, (o) => {
        const sig = o.signature as string;
        o.signature = `${sig.slice(0, 10)}${sig[10] === "1" ? "2" : "1"}${sig.slice(11)}`;
      });
      const forgedRoot = { ...expected, datasetHash: datasetHash(forged) };
      expect(checkEpoch({ dataset: forged, expected: forgedRoot, domain, signatures: "trusted" }).ok).to.equal(true);
      const full = await checkEpochWithPool({ dataset: forged, expected: forgedRoot, domain, pool });
      expect(full.ok).to.equal(false);
      expect(!full.ok && full.report).to.match(/first differing statement/);
      expect(checkEpoch({ dataset: forged, expected: forgedRoot, domain }).ok).to.equal(false);
    });

    it("error: refuses a dataset whose receipt was altered (bytes inflated, signature no longer valid)", () => {
      const forged = tamper(dataset, "receipt", 0, (o) => {
        const m = o.message as Record<string, string>;
        m.cumulativeBytes = (BigInt(m.cumulativeBytes!) * 10n).toString();
      });
      const r = checkEpoch({ dataset: forged, expected: { ...expected, datasetHash: datasetHash(forged) }, domain });
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.report).to.match(/first differing statement/);
    });

    it("error: refuses a root that is not the dataset's", () => {
      const root: Hex = `0x${"11".repeat(32)}`;
      const r = checkEpoch({ dataset, expected: { ...expected, root }, domain });
      expect(!r.ok && r.report).to.match(/^root differs/);
    });

    it("behavior: the aggregate stage reads the receipts already in the dataset's canonical order", () => {
      const keys = aggregatedReceipts.map((r) => canonicalJson(r));
      expect(keys.length).to.be.greaterThan(10);
      expect(keys).to.deep.equal([...keys].sort());
    });

    it("behavior: the dataset round-trips through core (parse → recomputeEpoch → same hash)", () => {
      const { inputs } = parseDataset(new TextDecoder().decode(dataset).split("\n"));
      expect(recomputeEpoch({ inputs }).datasetHash).to.equal(expected.datasetHash);
    });
  });
}

describe("keystore", () => {
  const key = testKey("keystore");
  it("default: our keystore decrypts in ethers and ethers' keystore decrypts here", async () => {
    const ours = encryptKeystore(key, "correct horse", { scryptN: 1024 });
    expect((await Wallet.fromEncryptedJson(ours, "correct horse")).privateKey).to.equal(key);
    const wallet = new Wallet(key);
    const theirs = encryptKeystoreJsonSync({ address: wallet.address, privateKey: key }, "battery staple", {
      scrypt: { N: 1024 },
    });
    expect(decryptKeystore(theirs, "battery staple").privateKey).to.equal(key);
  });
  it("error: a wrong password fails without revealing anything", () => {
    const ks = encryptKeystore(key, "pw", { scryptN: 1024 });
    expect(() => decryptKeystore(ks, "nope")).to.throw(KeystoreError, /wrong keystore password/);
  });
  it("error: a plain private key is refused outside development mode", () => {
    expect(() => loadKey({ LEDGER_ORACLE_SIGNER_PRIVATE_KEY: key }, "LEDGER_ORACLE_SIGNER")).to.throw(
      KeystoreError,
      /LEDGER_DEV_MODE/,
    );
    expect(
      loadKey({ LEDGER_ORACLE_SIGNER_PRIVATE_KEY: key, LEDGER_DEV_MODE: "1" }, "LEDGER_ORACLE_SIGNER")?.privateKey,
    ).to.equal(key);
  });
});
