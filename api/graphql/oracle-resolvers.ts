/**
 * Resolvers over the oracle's tables: supporters' statements, lifecycle totals, proofs and
 * uptime; auditors' oracle epochs, ledger, verification and network metrics. Thin: they call
 * repositories (through the per-request DataLoaders) and core's pure functions only.
 */
import { open, readFile, stat } from "node:fs/promises";
import { datasetHash as hashDataset, parseDataset } from "../../core/dataset.ts";
import { bytesToHex, type Hex } from "../../core/hex.ts";
import { keccak256Bytes } from "../../core/keccak.ts";
import { parseRateCard, rateCardHash, type RateCard } from "../../core/ratecard.ts";
import { auditEpochDataset } from "../../core/recompute-epoch.ts";
import { buildTree, type BuildTreeReturnType } from "../../core/tree.ts";
import { cachedDataset } from "../../db/dataset-store.ts";
import { isDatabaseUnavailable } from "../../db/errors.ts";
import { isInt8Decimal } from "../lib/wire.ts";
import type { EpochRow } from "../repositories/graphql-chain.ts";
import {
  latestFinalizedRoot,
  leavesOfEpoch,
  leavesPage,
  ledgerBalances,
  ledgerEntries,
  ledgerEpochBalances,
  listOracleEpochs,
  statementsOfAccounts,
  statementsOfEpoch,
  unpricedBytesOfNodes,
  verdictsOfNodes,
  type LedgerBalanceRow,
  type LedgerEntryRow,
  type LeafRow,
  type NetworkMetricsRow,
  type OracleEpochRow,
  type SignatureRow,
  type StatementRow,
  type VerdictRow,
} from "../repositories/graphql-oracle.ts";
import type { SupporterNodeRow } from "../repositories/graphql-supporters.ts";
import { userError } from "./errors.ts";
import { connectionOf, decodeCursor, encodeCursor, pageArgs } from "./pagination.ts";
import type { GraphqlContext } from "./resolvers.ts";

type Supporter = { address: Hex; nodes: SupporterNodeRow[] };
type Cursor = { first?: number | null; after?: string | null };

const HEX_RE = /^0x(?:[0-9a-f]{2})*$/;
const ADDRESS_RE = /^0x[0-9a-f]{40}$/;
const HASH_RE = /^0x[0-9a-f]{64}$/;
/** At most this many `Epoch.verification` recomputations per request (cached results are free). */
export const MAX_VERIFICATIONS_PER_REQUEST = 2;

type Verification = Awaited<ReturnType<typeof verifyEpoch>>;
/**
 * Verification results by everything they depend on (the content-addressed dataset and the
 * on-chain proposal's fields): both are immutable, so a result never goes stale.
 */
const verifications = new Map<string, Verification>();

const badCursor = () =>
  userError("INVALID_CURSOR", "`after` is not a cursor this field returned.", { argument: "after" });
const uint = (v: unknown): bigint => {
  if (!isInt8Decimal(v)) throw badCursor();
  return BigInt(v);
};
const hexOf = (v: unknown): Hex => {
  if (typeof v !== "string" || !HEX_RE.test(v)) throw badCursor();
  return v as Hex;
};
function address(value: Hex, argument: string): Hex {
  if (!ADDRESS_RE.test(value))
    throw userError("BAD_USER_INPUT", `\`${argument}\` must be a 20-byte address.`, { argument });
  return value;
}
const max = (a: bigint, b: bigint) => (a > b ? a : b);

// --- datasets --------------------------------------------------------------------------------------

/** The local file of a published dataset (db/dataset-store.ts: cached from the database when missing), or null. */
async function datasetFile(ctx: GraphqlContext, hash: Hex): Promise<string | null> {
  if (!HASH_RE.test(hash)) return null;
  try {
    return await cachedDataset(ctx.db, ctx.dataDir, hash);
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    return null; // corrupt rows: no verification from this server
  }
}

/** The first line (the header) of a stored dataset, without reading the rest. */
async function datasetHeader(ctx: GraphqlContext, hash: Hex): Promise<Record<string, unknown> | null> {
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

function rateCardOut(card: RateCard) {
  return { ...card, uptimeTiers: [...card.uptimeTiers], hash: rateCardHash(card) };
}

type Check = { name: string; ok: boolean; expected?: string | null; actual?: string | null };

/** Recomputes the dataset the chain names and compares it with the on-chain proposal. */
async function verifyEpoch(ctx: GraphqlContext, e: EpochRow) {
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

// --- proofs ----------------------------------------------------------------------------------------

/** The most recently used trees, by root (rebuilding 100 000 leaves takes ≈ 0.5 s). */
const trees = new Map<Hex, { tree: BuildTreeReturnType; index: Map<Hex, number>; leaves: LeafRow[] }>();

async function treeOf(ctx: GraphqlContext, epoch: bigint, root: Hex) {
  const cached = trees.get(root);
  if (cached) return cached;
  const leaves = await leavesOfEpoch(ctx.db, epoch);
  if (leaves.length === 0) return null;
  const tree = buildTree({ entries: leaves.map((l) => ({ account: l.account, amount: l.cumulativeMicroUsd })) });
  if (tree.root !== root) return null; // the stored leaves are not this root's (never expected)
  const entry = { tree, index: new Map(leaves.map((l, i) => [l.account, i])), leaves };
  trees.set(root, entry);
  while (trees.size > 2) trees.delete(trees.keys().next().value!);
  return entry;
}

/** The address itself and its nodes' payout addresses (history included), deduplicated. */
async function payoutAccounts(s: Supporter, ctx: GraphqlContext): Promise<Hex[]> {
  const accounts = new Set<Hex>([s.address]);
  if (s.nodes.some((n) => n.address === s.address))
    for (const p of await ctx.loaders.payoutAddresses.load(s.address)) accounts.add(p.payoutAddress);
  return [...accounts];
}

/** The default account of `proof`: the address when it holds a leaf, else its node's newest payout address. */
async function defaultProofAccount(s: Supporter, ctx: GraphqlContext): Promise<Hex> {
  if (!s.nodes.some((n) => n.address === s.address)) return s.address;
  const own = await ctx.loaders.lifecycle.load(s.address);
  if (own.finalizedMicroUsd > 0n) return s.address;
  const history = await ctx.loaders.payoutAddresses.load(s.address);
  return history.at(-1)?.payoutAddress ?? s.address;
}

// --- cursors ---------------------------------------------------------------------------------------

const statementCursor = (r: StatementRow) => encodeCursor("statement", [r.epoch.toString(), r.account]);
const leafCursor = (r: LeafRow) => encodeCursor("leaf", [r.account]);
function afterLeaf(after: string | null | undefined): Hex | undefined {
  if (!after) return undefined;
  const [account] = decodeCursor("leaf", after, 1);
  return hexOf(account);
}

export const oracleResolvers = {
  Query: {
    oracleEpoch: (_: unknown, args: { epoch: bigint }, ctx: GraphqlContext) => ctx.loaders.oracleEpoch.load(args.epoch),
    oracleEpochs: async (_: unknown, args: Cursor & { status?: string | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const before = args.after ? uint(decodeCursor("oracleEpoch", args.after, 1)[0]) : undefined;
      const rows = await listOracleEpochs(ctx.db, { limit: limit + 1, before, status: args.status ?? undefined });
      for (const r of rows) ctx.loaders.oracleEpoch.prime(r.epoch, r);
      return connectionOf(rows, limit, (r) => encodeCursor("oracleEpoch", [r.epoch.toString()]));
    },
    ledgerEntries: async (
      _: unknown,
      args: Cursor & {
        epoch?: bigint | null;
        account?: string | null;
        holder?: Hex | null;
        kind?: string | null;
      },
      ctx: GraphqlContext,
    ) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [journal, account] = decodeCursor("ledgerEntry", args.after, 2);
        if (typeof account !== "string") throw badCursor();
        after = { journalId: uint(journal), account };
      }
      const rows = await ledgerEntries(
        ctx.db,
        {
          epoch: args.epoch ?? undefined,
          account: args.account ?? undefined,
          holder: args.holder ? address(args.holder, "holder") : undefined,
          kind: args.kind ?? undefined,
        },
        { limit: limit + 1, after },
      );
      return connectionOf(rows, limit, (r) => encodeCursor("ledgerEntry", [r.journalId.toString(), r.account]));
    },
    ledgerBalances: async (
      _: unknown,
      args: Cursor & { kind?: string | null; holder?: Hex | null; epoch?: bigint | null },
      ctx: GraphqlContext,
    ) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after: string | undefined;
      if (args.after) {
        const [code] = decodeCursor("ledgerBalance", args.after, 1);
        if (typeof code !== "string") throw badCursor();
        after = code;
      }
      const rows = await ledgerBalances(
        ctx.db,
        {
          kind: args.kind ?? undefined,
          holder: args.holder ? address(args.holder, "holder") : undefined,
          epoch: args.epoch ?? undefined,
        },
        { limit: limit + 1, after },
      );
      return connectionOf(rows, limit, (r) => encodeCursor("ledgerBalance", [r.account]));
    },
    ledgerEpochBalances: (_: unknown, args: { first?: number | null; skip?: number | null }, ctx: GraphqlContext) =>
      ledgerEpochBalances(ctx.db, pageArgs(args.first, args.skip)),
    networkMetrics: (_: unknown, args: { epoch: bigint }, ctx: GraphqlContext) => ctx.loaders.metrics.load(args.epoch),
  },

  Epoch: {
    oracle: async (e: EpochRow, _: unknown, ctx: GraphqlContext) => {
      const o = await ctx.loaders.oracleEpochByChainEpoch.load(e.epoch);
      return o && o.root === e.root ? o : null;
    },
    leaves: async (e: EpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const o = await ctx.loaders.oracleEpochByChainEpoch.load(e.epoch);
      if (!o || o.root !== e.root) return connectionOf([], limit, leafCursor);
      return connectionOf(
        await leavesPage(ctx.db, o.epoch, { limit: limit + 1, after: afterLeaf(args.after) }),
        limit,
        leafCursor,
      );
    },
    verification: async (e: EpochRow, _: unknown, ctx: GraphqlContext) => {
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
      while (verifications.size > 1_000) verifications.delete(verifications.keys().next().value!);
      return result;
    },
  },

  OracleEpoch: {
    startsAt: (o: OracleEpochRow) => o.startsAt.toISOString(),
    endsAt: (o: OracleEpochRow) => o.endsAt.toISOString(),
    timeline: (o: OracleEpochRow) =>
      (
        [
          ["CLOSED", o.closedAt],
          ["COMPUTED", o.computedAt],
          ["SIGNED", o.signedAt],
          ["POSTED", o.postedAt],
          ["VETOED", o.vetoedAt],
          ["FINALIZED", o.finalizedAt],
        ] as const
      )
        .filter(([, at]) => at !== null)
        .map(([status, at]) => ({ status, at: at! }))
        .sort((a, b) => a.at.getTime() - b.at.getTime())
        .map((c) => ({ status: c.status, at: c.at.toISOString() })),
    proRata: (o: OracleEpochRow) =>
      o.proRataNumerator !== null && o.proRataDenominator !== null
        ? { numerator: o.proRataNumerator, denominator: o.proRataDenominator }
        : null,
    rateCard: async (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => {
      if (!o.datasetHash) return null;
      const header = await datasetHeader(ctx, o.datasetHash);
      if (!header || typeof header.rateCard !== "string") return null;
      return rateCardOut(parseRateCard(header.rateCard));
    },
    datasetUrl: (o: OracleEpochRow) =>
      o.datasetHash && o.chainEpoch !== null ? `/v1/epochs/${o.chainEpoch}/dataset` : null,
    proposeTransactionHash: (o: OracleEpochRow) => o.proposeTx,
    finalizeTransactionHash: (o: OracleEpochRow) => o.finalizeTx,
    signatures: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.signatures.load(o.epoch),
    chain: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) =>
      o.chainEpoch === null ? null : ctx.loaders.epoch.load(o.chainEpoch),
    statements: async (o: OracleEpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after: Hex | undefined;
      if (args.after) {
        const [, account] = decodeCursor("statement", args.after, 2);
        after = hexOf(account);
      }
      return connectionOf(
        await statementsOfEpoch(ctx.db, o.epoch, { limit: limit + 1, after }),
        limit,
        statementCursor,
      );
    },
    leaves: async (o: OracleEpochRow, args: Cursor, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      return connectionOf(
        await leavesPage(ctx.db, o.epoch, { limit: limit + 1, after: afterLeaf(args.after) }),
        limit,
        leafCursor,
      );
    },
    metrics: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.metrics.load(o.epoch),
    ledger: (o: OracleEpochRow, _: unknown, ctx: GraphqlContext) => ctx.loaders.ledgerEpochBalance.load(o.epoch),
  },

  EpochSignature: { signedAt: (s: SignatureRow) => s.signedAt.toISOString() },

  Statement: {
    ...Object.fromEntries(
      [
        "rateCardVersion",
        "receipts",
        "claimedBytes",
        "countedBytes",
        "ratePerGbMicroUsd",
        "baseMicroUsd",
        "founder",
        "multiplierBps",
        "uptimeBps",
        "uptimeTier",
        "uptimeBonusBps",
        "exactMicroUsd",
        "earnedMicroUsd",
        "proRata",
        "scaledFloorMicroUsd",
        "remainderMicroUsd",
        "payoutMicroUsd",
        "previousCumulativeMicroUsd",
        "cumulativeMicroUsd",
        "withheld",
      ].map((k) => [k, (r: StatementRow) => r.statement[k as keyof StatementRow["statement"]]]),
    ),
    withheldBytes: (r: StatementRow) => r.statement.claimedBytes - r.statement.countedBytes,
  },

  LedgerEntry: { createdAt: (r: LedgerEntryRow) => r.createdAt.toISOString() },
  LedgerBalance: {
    balanceMicroUsd: (r: LedgerBalanceRow) =>
      r.kind === "liability" ? r.creditMicroUsd - r.debitMicroUsd : r.debitMicroUsd - r.creditMicroUsd,
  },
  NetworkMetrics: {
    supporterCountedBytes: (m: NetworkMetricsRow) => m.countedBytes,
    supporterSubmittedBytes: (m: NetworkMetricsRow) => m.submittedBytes,
    offloadBps: (m: NetworkMetricsRow) => {
      const s = m.countedBytes ?? m.submittedBytes;
      return s + m.cdnBytes === 0n ? null : (s * 10_000n) / (s + m.cdnBytes);
    },
  },

  LifecycleTotals: {
    /** Its own read, only when asked for (receipts of epochs the oracle has not computed yet). */
    unpricedBytes: (t: { nodes: SupporterNodeRow[] }, _: unknown, ctx: GraphqlContext) =>
      unpricedBytesOfNodes(
        ctx.db,
        t.nodes.map((n) => n.address),
      ),
  },

  Supporter: {
    payoutAccounts: (s: Supporter, _: unknown, ctx: GraphqlContext) => payoutAccounts(s, ctx),
    statements: async (s: Supporter, args: Cursor & { epoch?: bigint | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [epoch, account] = decodeCursor("statement", args.after, 2);
        after = { epoch: uint(epoch), account: hexOf(account) };
      }
      const prefetched =
        after || (args.epoch !== null && args.epoch !== undefined)
          ? undefined
          : ctx.loaders.newestStatements.get(`${s.address}:${limit + 1}`);
      const rows =
        prefetched ??
        (await statementsOfAccounts(ctx.db, await payoutAccounts(s, ctx), {
          limit: limit + 1,
          epoch: args.epoch ?? undefined,
          after,
        }));
      return connectionOf(rows, limit, statementCursor);
    },
    totals: async (s: Supporter, _: unknown, ctx: GraphqlContext) => {
      const rows = await ctx.loaders.lifecycle.loadMany(await payoutAccounts(s, ctx));
      const t = {
        nodes: s.nodes,
        accruedMicroUsd: 0n,
        committedMicroUsd: 0n,
        claimableMicroUsd: 0n,
        claimedMicroUsd: 0n,
        entitledMicroUsd: 0n,
        accruedThroughEpoch: null as bigint | null,
        committedEpoch: null as bigint | null,
        committedValidAt: null as bigint | null,
        finalizedEpoch: null as bigint | null,
      };
      for (const r of rows) {
        if (r instanceof Error) throw r;
        // Cumulative amounts that only grow along the lifecycle: claimed ≤ finalized ≤ committed ≤
        // computed (max() keeps the order should one source lag). Each stage is the difference of two
        // neighbours, so accrued + committed + claimable + claimed = entitled by construction.
        const finalized = max(r.finalizedMicroUsd, r.claimedMicroUsd);
        const committed = max(r.committedMicroUsd, finalized);
        const entitled = max(r.computedMicroUsd, committed);
        t.claimedMicroUsd += r.claimedMicroUsd;
        t.claimableMicroUsd += finalized - r.claimedMicroUsd;
        t.committedMicroUsd += committed - finalized;
        t.accruedMicroUsd += entitled - committed;
        t.entitledMicroUsd += entitled;
        t.accruedThroughEpoch = r.computedEpoch;
        t.committedEpoch = r.committedEpoch;
        t.committedValidAt = r.committedValidAt;
        t.finalizedEpoch = r.finalizedEpoch;
      }
      return t;
    },
    proof: async (s: Supporter, args: { account?: Hex | null }, ctx: GraphqlContext) => {
      const account = args.account ? address(args.account, "account") : await defaultProofAccount(s, ctx);
      if (args.account && !(await payoutAccounts(s, ctx)).includes(account))
        throw userError("BAD_USER_INPUT", `${account} is not one of this supporter's payout accounts.`, {
          argument: "account",
        });
      const fin = await latestFinalizedRoot(ctx.db);
      if (!fin || fin.epoch === null) return null;
      const t = await treeOf(ctx, fin.epoch, fin.root);
      const i = t?.index.get(account);
      if (!t || i === undefined) return null;
      const cumulative = t.leaves[i]!.cumulativeMicroUsd;
      const claimed = (await ctx.loaders.lifecycle.load(account)).claimedMicroUsd;
      return {
        account,
        epoch: fin.chainEpoch,
        root: fin.root,
        cumulativeMicroUsd: cumulative,
        claimedMicroUsd: claimed,
        claimableMicroUsd: cumulative > claimed ? cumulative - claimed : 0n,
        proof: t.tree.getProof(i),
      };
    },
    uptime: async (s: Supporter, args: { first?: number | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      const rows = await statementsOfAccounts(ctx.db, await payoutAccounts(s, ctx), { limit });
      return rows.map((r) => ({
        epoch: r.epoch,
        account: r.account,
        uptimeBps: r.statement.uptimeBps,
        uptimeTier: r.statement.uptimeTier,
        uptimeBonusBps: r.statement.uptimeBonusBps,
      }));
    },
    flaggedReceipts: async (s: Supporter, args: Cursor & { epoch?: bigint | null }, ctx: GraphqlContext) => {
      const { limit } = pageArgs(args.first ?? 20);
      let after;
      if (args.after) {
        const [epoch, sessionId, supporter, seq] = decodeCursor("verdict", args.after, 4);
        after = { epoch: uint(epoch), sessionId: hexOf(sessionId), supporter: hexOf(supporter), seq: uint(seq) };
      }
      const rows = await verdictsOfNodes(
        ctx.db,
        s.nodes.map((n) => n.address),
        { limit: limit + 1, epoch: args.epoch ?? undefined, after },
      );
      return connectionOf(rows, limit, (r: VerdictRow) =>
        encodeCursor("verdict", [r.epoch.toString(), r.sessionId, r.supporter, r.seq.toString()]),
      );
    },
  },
};
