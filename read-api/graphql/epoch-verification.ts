/**
 * Published datasets for the GraphQL API: takes a dataset hash (and the database and data
 * directory it is cached from) and hands on the stored file's header and rate card, and
 * `Epoch.verification`: the dataset recomputed with core and compared with the on-chain proposal.
 */
import { open, readFile, stat } from "node:fs/promises";
import { parseDataset } from "../../core/dataset/parse.ts";
import { datasetHash as hashDataset } from "../../core/dataset/serialize.ts";
import { bytesToHex } from "../../core/hex.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { rateCardHash, type RateCard } from "../../core/ratecard.ts";
import { auditEpochDataset } from "../../core/recompute-epoch.ts";
import { cachedDataset } from "../../db/dataset-store.ts";
import { isDatabaseUnavailable } from "../../db/errors.ts";
import type { Queryable } from "../../db/types.ts";
import type { Hex } from "../../core/hex.ts";
import type { EpochRow } from "../repositories/chain-epochs.ts";
import type { Lru } from "./lru.ts";

/** Where datasets are read from: the database and the local cache directory (`<dataDir>/datasets/`). */
export type DatasetSource = { db: Queryable; dataDir: string };

const HASH_RE = /^0x[0-9a-f]{64}$/;
/** At most this many `Epoch.verification` recomputations per request (cached results are free). */
export const MAX_VERIFICATIONS_PER_REQUEST = 2;

export type EpochVerification = Awaited<ReturnType<typeof verifyEpoch>>;

/** The local file of a published dataset (db/dataset-store.ts: cached from the database when missing), or null. */
async function datasetFile(ctx: DatasetSource, hash: Hex): Promise<string | null> {
  if (!HASH_RE.test(hash)) return null;
  try {
    return await cachedDataset(ctx.db, ctx.dataDir, hash);
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    return null; // corrupt rows: no verification from this server
  }
}

/** The first line (the header) of a stored dataset, without reading the rest. */
export async function datasetHeader(ctx: DatasetSource, hash: Hex): Promise<Record<string, unknown> | null> {
  const file = await datasetFile(ctx, hash);
  if (!file) return null;
  let fh;
  try {
    fh = await open(file, "r");
  } catch {
    return null;
  }
  try {
    let text = "";
    const buf = Buffer.alloc(64 * 1024);
    for (let pos = 0; pos < 4 * 1024 * 1024;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      text += buf.subarray(0, bytesRead).toString("utf8");
      pos += bytesRead;
      const nl = text.indexOf("\n");
      if (nl >= 0) return JSON.parse(text.slice(0, nl)) as Record<string, unknown>;
    }
    return null;
  } finally {
    await fh.close();
  }
}

export function rateCardOut(card: RateCard) {
  return { ...card, uptimeTiers: [...card.uptimeTiers], hash: rateCardHash(card) };
}

type Check = { name: string; ok: boolean; expected?: string | null; actual?: string | null };

/** Recomputes the dataset the chain names and compares it with the on-chain proposal. */
async function verifyEpoch(ctx: DatasetSource, e: EpochRow) {
  const checks: Check[] = [];
  const file = await datasetFile(ctx, e.datasetHash);
  let bytes: Uint8Array | null = null;
  if (file)
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch {
      bytes = null;
    }
  if (!bytes)
    return {
      ok: false,
      datasetAvailable: false,
      mismatches: [],
      checks: [{ name: "dataset stored", ok: false, expected: e.datasetHash, actual: null }],
      recomputedRoot: null,
      recomputedReceiptsRoot: null,
      recomputedCumulativeTotalMicroUsd: null,
    };
  const eq = (name: string, expected: string, actual: string) =>
    checks.push({ name, ok: expected.toLowerCase() === actual.toLowerCase(), expected, actual });
  eq("datasetHash (keccak256 of the stored file)", e.datasetHash, bytesToHex(keccak256Bytes(bytes)));
  let audit;
  try {
    const dataset = parseDataset(new TextDecoder().decode(bytes).split("\n"));
    eq("dataset is canonical", e.datasetHash, hashDataset(dataset));
    audit = auditEpochDataset(dataset);
  } catch (err) {
    checks.push({ name: "dataset parses and recomputes", ok: false, actual: (err as Error).message });
    return {
      ok: false,
      datasetAvailable: true,
      mismatches: [],
      checks,
      recomputedRoot: null,
      recomputedReceiptsRoot: null,
      recomputedCumulativeTotalMicroUsd: null,
    };
  }
  const r = audit.recomputed;
  checks.push({
    name: "outputs recompute from the inputs",
    ok: audit.ok,
    ...(audit.ok ? {} : { actual: audit.mismatches.join(", ") }),
  });
  eq("root", e.root, r.root);
  eq("receiptsRoot", e.receiptsRoot, r.receiptsRoot);
  eq("rateCardHash", e.rateCardHash, r.rateCardHash);
  const total = r.leaves.reduce((s, l) => s + l.amount, 0n);
  eq("cumulativeTotal", e.cumulativeTotalMicroUsd.toString(), total.toString());
  return {
    ok: checks.every((c) => c.ok),
    datasetAvailable: true,
    mismatches: audit.mismatches,
    checks,
    recomputedRoot: r.root,
    recomputedReceiptsRoot: r.receiptsRoot,
    recomputedCumulativeTotalMicroUsd: total,
  };
}

/**
 * `Epoch.verification`: the cached result, or — when the dataset is stored and the request's
 * budget allows — a recomputation, cached. Null when the dataset is not here or over budget.
 * `verifications`: results by everything they depend on (the content-addressed dataset and the
 * on-chain proposal's fields): both are immutable, so a result never goes stale.
 */
export async function verificationOf(
  ctx: DatasetSource & { budget: { verifications: number } },
  verifications: Lru<string, EpochVerification>,
  e: EpochRow,
): Promise<EpochVerification | null> {
  const key = [e.epoch, e.root, e.receiptsRoot, e.datasetHash, e.rateCardHash, e.cumulativeTotalMicroUsd].join(":");
  const cached = verifications.get(key);
  if (cached) return cached;
  const file = await datasetFile(ctx, e.datasetHash);
  if (
    !file ||
    !(await stat(file)
      .then((st) => st.isFile())
      .catch(() => false))
  )
    return null;
  if (++ctx.budget.verifications > MAX_VERIFICATIONS_PER_REQUEST) return null;
  const result = await verifyEpoch(ctx, e);
  verifications.set(key, result);
  return result;
}
