import type { Logger } from "pino";
import { InvalidDatasetError } from "../core/dataset.ts";
import type { Address, EpochRoot } from "../core/eip712.ts";
import type { Hex } from "../core/hex.ts";
import { isChainUnavailable } from "../core/chain-unavailable.ts";
import { isRetryable } from "../core/errors.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import type { Db } from "../db/types.ts";
import { domainOf, firstLine } from "../chain/client.ts";
import type { OracleChain } from "./chain.ts";
import type { OracleConfig } from "./config.ts";
import { crashPoint } from "./crash.ts";
import { EpochStateError, InsufficientFundingError, SignerRefusedError } from "./errors.ts";
import type { Leadership } from "./leader.ts";
import * as epochs from "./repositories/epochs.ts";
import type { EpochRow } from "./repositories/epochs.ts";
import { accrualLines, bookEpoch, bookJournals, payoutDiff } from "./repositories/ledger.ts";
import { replaceResults } from "./repositories/results.ts";
import { readSignatures, saveSignature } from "./repositories/signatures.ts";
import { checkEpoch } from "./signer.ts";
import { assertPolicyRoles, policyRoleReader } from "./policy-roles.ts";
import { aggregateEpoch } from "./stages/aggregate.ts";
import { cachedDataset, publishDataset } from "../db/dataset-store.ts";
import { buildEpoch, storedDataset } from "./stages/build.ts";
import { computeEpoch } from "./stages/compute.ts";
import { planPayouts } from "./stages/payouts.ts";
import {
  finalizeEpochRoot,
  isAuthorizedSigner,
  proposeEpochRoot,
  readThreshold,
  readVetoReason,
} from "./stages/post.ts";
import { epochRootSigner, signEpochRoot } from "./stages/sign.ts";
import type { EpochStatus } from "../core/epoch-lifecycle.ts";

/**
 * The epoch state machine — the only module that wires every stage:
 *
 *   OPEN ─(ends_at + grace)→ CLOSED ─aggregate·compute·build→ COMPUTED ─M-of-N sign→ SIGNED
 *   ─propose→ POSTED ─(dispute window)→ FINALIZED;   POSTED ─RootVetoed→ VETOED ─recompute→ COMPUTED …
 *
 * `advanceEpoch` makes at most one transition. Each transition is one database transaction
 * guarded by the status it starts from, so running it twice (two processes, a restart) changes
 * nothing the second time. Anything written before the transaction is either content-
 * addressed (the dataset file) or keyed idempotently (a signature per signer and attempt).
 * The chain is the source of truth for posting: the submitter reads it before it writes.
 *
 * Invariant relied on: epochs are processed in number order; epoch N is computed only once
 * N − 1 is FINALIZED, so its previous leaves and checkpoints are final.
 */

export type OracleContext = {
  db: Db;
  chain: OracleChain;
  config: Pick<
    OracleConfig,
    | "chainId"
    | "distributor"
    | "coordinator"
    | "graceSeconds"
    | "heartbeatSlotSeconds"
    | "budgetMicroUsd"
    | "dataDir"
    | "signerKeys"
    | "allowVetoedRoot"
  >;
  log: Logger;
  /** The wall clock (tests move it). */
  now?: () => Date;
  /** Called after each stage with its wall time (the bench, progress output). */
  onStage?: (stage: string, ms: number, epoch: bigint) => void;
};

/** Times `fn` as stage `stage` through `ctx.onStage`. */
async function timed<T>(ctx: OracleContext, stage: string, epoch: bigint, fn: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const result = await fn();
  ctx.onStage?.(stage, performance.now() - t, epoch);
  return result;
}

export type StepResult =
  | { epoch: bigint; moved: true; from: EpochStatus; to: EpochStatus }
  | { epoch: bigint; moved: false; status: EpochStatus; waiting: string };

const wait = (row: EpochRow, waiting: string): StepResult => ({
  epoch: row.epoch,
  moved: false,
  status: row.status,
  waiting,
});
const moved = (row: EpochRow, to: EpochStatus): StepResult => ({ epoch: row.epoch, moved: true, from: row.status, to });

export function epochRootOf(row: EpochRow): EpochRoot {
  if (
    !row.chainEpoch ||
    !row.root ||
    !row.receiptsRoot ||
    !row.datasetHash ||
    !row.rateCardHash ||
    row.cumulativeTotal === null
  )
    throw new EpochStateError(`Epoch ${row.epoch} has no computed root.`);
  return {
    epoch: row.chainEpoch,
    attempt: BigInt(row.attempt),
    root: row.root,
    cumulativeTotal: row.cumulativeTotal,
    receiptsRoot: row.receiptsRoot,
    datasetHash: row.datasetHash,
    rateCardHash: row.rateCardHash,
  };
}

/** Makes at most one transition of `epoch`; returns what happened or why it waits. */
export async function advanceEpoch(
  ctx: OracleContext,
  epoch: bigint,
  options: { force?: boolean } = {},
): Promise<StepResult> {
  const row = await epochs.getEpoch(ctx.db, epoch);
  if (!row) throw new EpochStateError(`No epoch ${epoch}.`);
  switch (row.status) {
    case "OPEN":
      return close(ctx, row, options.force ?? false);
    case "CLOSED":
    case "VETOED":
      return compute(ctx, row);
    case "COMPUTED":
      return sign(ctx, row);
    case "SIGNED":
      return post(ctx, row);
    case "POSTED":
      return finalize(ctx, row);
    case "FINALIZED":
      return wait(row, "done");
  }
}

// --- OPEN → CLOSED --------------------------------------------------------------------------------

async function close(ctx: OracleContext, row: EpochRow, force: boolean): Promise<StepResult> {
  const now = (ctx.now ?? (() => new Date()))();
  const closesAt = new Date(row.endsAt.getTime() + ctx.config.graceSeconds * 1000);
  if (now < row.endsAt || (!force && now < closesAt))
    return wait(row, `open until ${closesAt.toISOString()} (grace ${ctx.config.graceSeconds} s after the end)`);
  const done = await ctx.db.transaction(async (tx) => {
    // Waits for any coordinator transaction that share-locked this epoch to store receipts.
    const ok = await epochs.closeEpoch(tx, row.epoch);
    crashPoint("close:before-commit");
    return ok;
  });
  crashPoint("close:after-commit");
  if (!done) return wait(row, "closed by another process");
  ctx.log.info({ epoch: row.epoch.toString() }, "epoch closed");
  return moved(row, "CLOSED");
}

// --- CLOSED | VETOED → COMPUTED --------------------------------------------------------------------

async function compute(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const previous = await epochs.getPreviousEpoch(ctx.db, row.epoch);
  if (previous && previous.status !== "FINALIZED")
    return wait(row, `waiting for epoch ${previous.epoch} (${previous.status}) to be finalized first`);
  const vetoed = row.status === "VETOED";
  const attempt = vetoed ? row.attempt + 1 : 1;
  const chainEpoch = row.chainEpoch ?? (await epochs.maxChainEpoch(ctx.db)) + 1n;
  const started = Date.now();
  const aggregated = await timed(ctx, "aggregate", row.epoch, () =>
    aggregateEpoch(ctx.db, aggregateInputs(ctx, row, chainEpoch)),
  );
  const computed = await timed(ctx, "compute", row.epoch, () => computeEpoch({ aggregated }));
  if (vetoed && row.vetoedRoot === computed.root && !ctx.config.allowVetoedRoot)
    return wait(
      row,
      `recomputed root ${computed.root} equals the vetoed root: add flag overrides, or allow re-proposing it (LEDGER_ALLOW_VETOED_ROOT=1)`,
    );
  // serialize, hash and write the dataset in one streaming pass (content-addressed rename)
  const built = await timed(ctx, "build", row.epoch, () =>
    buildEpoch({ chainEpoch, attempt: BigInt(attempt), computed, dataDir: ctx.config.dataDir }),
  );
  crashPoint("compute:after-dataset-write");
  const persistStarted = performance.now();
  const done = await ctx.db.transaction(async (tx) => {
    const current = await epochs.getEpoch(tx, row.epoch, true);
    if (current?.status !== row.status || current.attempt !== row.attempt) return false;
    // published with the epoch: every API replica and every oracle reads it from the database
    await publishDataset(tx, built.datasetHash, built.file);
    await replaceResults(tx, row.epoch, {
      statements: computed.statements,
      leaves: computed.leaves,
      checkpoints: computed.checkpoints,
      verdicts: computed.verdicts,
      receipts: computed.inputs.receipts,
    });
    await bookEpoch(tx, {
      epoch: row.epoch,
      attempt,
      kind: "accrual",
      lines: computed.statements.map((s) => ({ account: s.account, amountMicroUsd: s.payoutMicroUsd })),
      memo: `epoch ${row.epoch} accrual (chain epoch ${chainEpoch}, attempt ${attempt})`,
    });
    await epochs.recordComputed(tx, {
      epoch: row.epoch,
      chainEpoch,
      attempt,
      budgetMicroUsd: computed.summary.budgetMicroUsd,
      earnedMicroUsd: computed.summary.earnedMicroUsd,
      payoutMicroUsd: computed.summary.payoutMicroUsd,
      unallocatedMicroUsd: computed.summary.unallocatedMicroUsd,
      roundingDustMicroUsd: computed.summary.roundingDustMicroUsd,
      proRata: computed.summary.proRata,
      cumulativeTotal: computed.cumulativeTotal,
      supporters: computed.statements.length,
      receiptsTotal: computed.verdicts.length,
      receiptsCounted: computed.verdicts.filter((v) => v.countedBytes > 0n).length,
      countedBytes: computed.statements.reduce((s, x) => s + x.countedBytes, 0n),
      root: built.root,
      receiptsRoot: built.receiptsRoot,
      datasetHash: built.datasetHash,
      rateCardHash: built.rateCardHash,
      rateCardVersion: computed.inputs.rateCard.version,
    });
    const ok = await epochs.transition(tx, row.epoch, [row.status], "COMPUTED");
    crashPoint("compute:before-commit");
    return ok;
  });
  ctx.onStage?.("persist", performance.now() - persistStarted, row.epoch);
  crashPoint("compute:after-commit");
  if (!done) return wait(row, "computed by another process");
  ctx.log.info(
    {
      epoch: row.epoch.toString(),
      chainEpoch: chainEpoch.toString(),
      attempt,
      root: built.root,
      datasetHash: built.datasetHash,
      supporters: computed.statements.length,
      receipts: computed.verdicts.length,
      payoutMicroUsd: computed.summary.payoutMicroUsd.toString(),
      ms: Date.now() - started,
    },
    "epoch computed",
  );
  return moved(row, "COMPUTED");
}

/** What aggregate reads for an epoch: the same for its first computation and for a rebuild. */
function aggregateInputs(ctx: OracleContext, row: EpochRow, chainEpoch: bigint) {
  return {
    epoch: row.epoch,
    chainEpoch,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    domain: domainOf(ctx.config.chainId, ctx.config.distributor),
    coordinator: ctx.config.coordinator,
    heartbeatSlotSeconds: ctx.config.heartbeatSlotSeconds,
  };
}

/**
 * The dataset of a computed epoch: this oracle's cached file, else the copy published in the
 * database (db/dataset-store.ts; an oracle with its own data directory that took over after
 * another computed the epoch). An epoch computed before datasets were published (or whose
 * rows are gone) is rebuilt from the database's inputs — they are closed, so aggregate →
 * compute → build write the same bytes — and published; a rebuild that hashes differently is
 * refused, naming both hashes.
 */
async function datasetOf(ctx: OracleContext, row: EpochRow, epochRoot: EpochRoot): Promise<string> {
  const cached = await cachedDataset(ctx.db, ctx.config.dataDir, epochRoot.datasetHash);
  if (cached) return cached;
  ctx.log.warn(
    { epoch: row.epoch.toString(), datasetHash: epochRoot.datasetHash, dataDir: ctx.config.dataDir },
    "dataset neither cached here nor published: rebuilding it from the database",
  );
  const chainEpoch = row.chainEpoch ?? epochRoot.epoch;
  const aggregated = await aggregateEpoch(ctx.db, aggregateInputs(ctx, row, chainEpoch));
  const built = await buildEpoch({
    chainEpoch,
    attempt: epochRoot.attempt,
    computed: computeEpoch({ aggregated }),
    dataDir: ctx.config.dataDir,
  });
  if (built.datasetHash !== epochRoot.datasetHash)
    throw new InvalidDatasetError(
      `epoch ${row.epoch}'s dataset rebuilt from the database hashes to ${built.datasetHash}, not the computed ${epochRoot.datasetHash}: its inputs changed after it was computed`,
    );
  await ctx.db.transaction((tx) => publishDataset(tx, built.datasetHash, built.file));
  return storedDataset(ctx.config.dataDir, epochRoot.datasetHash);
}

// --- COMPUTED → SIGNED ----------------------------------------------------------------------------

/** The stored signatures of the current attempt that recover to distinct authorized signers. */
async function validSignatures(ctx: OracleContext, row: EpochRow, epochRoot: EpochRoot): Promise<Map<Address, Hex>> {
  const domain = domainOf(ctx.config.chainId, ctx.config.distributor);
  const valid = new Map<Address, Hex>();
  for (const s of await readSignatures(ctx.db, row.epoch, row.attempt)) {
    if (s.root !== epochRoot.root || s.datasetHash !== epochRoot.datasetHash) continue;
    const signer = epochRootSigner(domain, epochRoot, s.signature);
    if (signer === null || signer !== s.signer || valid.has(signer)) continue;
    if (!(await isAuthorizedSigner(ctx.chain, signer))) continue;
    valid.set(signer, s.signature);
  }
  return valid;
}

async function sign(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const signStarted = performance.now();
  const epochRoot = epochRootOf(row);
  const domain = domainOf(ctx.config.chainId, ctx.config.distributor);
  const threshold = await readThreshold(ctx.chain);
  let valid = await validSignatures(ctx, row, epochRoot);
  if (ctx.config.signerKeys.length > 0 && BigInt(valid.size) < threshold) {
    // Local signer keys (same process and database as the leader, so not independent signers):
    // one check serves every local key — the written bytes re-parsed, their hash checked and
    // every output recomputed, trusting the signatures the coordinator verified at ingest (the
    // independent `ledger oracle sign` recovers every one). A refusal throws (fatal: the
    // leader's own result does not recompute).
    const dataset = await datasetOf(ctx, row, epochRoot);
    const check = checkEpoch({ dataset, expected: epochRoot, domain, signatures: "trusted" });
    if (!check.ok) throw new SignerRefusedError(epochRoot.epoch, check.report);
    await assertPolicyRoles(epochRoot.epoch, check.policySignatures, policyRoleReader(ctx.chain));
    let first = true;
    for (const privateKey of ctx.config.signerKeys) {
      const { signer, signature } = signEpochRoot({ domain, epochRoot, privateKey });
      if (valid.has(signer)) continue;
      await saveSignature(ctx.db, {
        epoch: row.epoch,
        attempt: row.attempt,
        signer,
        root: epochRoot.root,
        datasetHash: epochRoot.datasetHash,
        signature,
      });
      if (first) crashPoint("sign:after-first-signature");
      first = false;
    }
    valid = await validSignatures(ctx, row, epochRoot);
  }
  if (BigInt(valid.size) < threshold)
    return wait(
      row,
      `${valid.size} of ${threshold} signatures from authorized signers; waiting for \`ledger oracle sign --epoch ${row.epoch}\``,
    );
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["COMPUTED"], "SIGNED");
    if (ok) await epochs.recordSigned(tx, row.epoch);
    crashPoint("sign:before-commit");
    return ok;
  });
  ctx.onStage?.("sign", performance.now() - signStarted, row.epoch);
  if (!done) return wait(row, "signed by another process");
  ctx.log.info(
    { epoch: row.epoch.toString(), signatures: valid.size, threshold: threshold.toString() },
    "epoch signed",
  );
  return moved(row, "SIGNED");
}

// --- SIGNED → POSTED ------------------------------------------------------------------------------

async function post(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const threshold = await readThreshold(ctx.chain);
  const valid = await validSignatures(ctx, row, epochRoot);
  if (BigInt(valid.size) < threshold) return wait(row, `only ${valid.size} of ${threshold} valid signatures`);
  const signatures = [...valid.values()].slice(0, Number(threshold));
  let result;
  try {
    const logsFromBlock = await epochs.logSearchFloor(ctx.db, row.epoch, epochRoot.epoch);
    result = await timed(ctx, "post", row.epoch, () =>
      proposeEpochRoot(ctx.chain, {
        epochRoot,
        signatures,
        allowVetoedRoot: ctx.config.allowVetoedRoot,
        logsFromBlock,
      }),
    );
  } catch (err) {
    if (err instanceof InsufficientFundingError) {
      if (await epochs.setAlert(ctx.db, row.epoch, err.shortMessage))
        ctx.log.warn(
          {
            epoch: row.epoch.toString(),
            alert: "insufficient_funding",
            requiredMicroUsd: err.requiredMicroUsd.toString(),
            availableMicroUsd: err.availableMicroUsd.toString(),
          },
          err.shortMessage,
        );
      oracleMetrics.insufficientFunding.add(row.epoch);
      return wait(row, err.shortMessage);
    }
    throw err;
  }
  oracleMetrics.insufficientFunding.delete(row.epoch);
  if (result.kind === "vetoed") return markVetoed(ctx, row, ["SIGNED"]);
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["SIGNED"], "POSTED");
    if (ok)
      await epochs.recordPosted(tx, row.epoch, {
        tx: result.txHash,
        block: result.blockNumber,
        validAt: result.validAt,
      });
    return ok;
  });
  crashPoint("post:after-commit");
  if (!done) return wait(row, "posted by another process");
  ctx.log.info(
    {
      epoch: row.epoch.toString(),
      chainEpoch: epochRoot.epoch.toString(),
      root: epochRoot.root,
      kind: result.kind,
      tx: result.txHash ?? undefined,
    },
    result.kind === "posted" ? "root proposed" : "root already on-chain",
  );
  return moved(row, "POSTED");
}

// --- POSTED → FINALIZED | VETOED ------------------------------------------------------------------

async function finalize(ctx: OracleContext, row: EpochRow): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const result = await timed(ctx, "finalize", row.epoch, () =>
    finalizeEpochRoot(ctx.chain, epochRoot.epoch, epochRoot.root),
  );
  if (result.kind === "waiting")
    return wait(row, `dispute window open until ${result.validAt} (chain time ${result.now})`);
  if (result.kind === "vetoed") return markVetoed(ctx, row, ["POSTED"]);
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, ["POSTED"], "FINALIZED");
    if (ok) await epochs.recordFinalized(tx, row.epoch, result.txHash);
    return ok;
  });
  crashPoint("finalize:after-commit");
  if (!done) return wait(row, "finalized by another process");
  ctx.log.info({ epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString() }, "epoch finalized");
  return moved(row, "FINALIZED");
}

/**
 * Runs in a row, per context and epoch attempt, in which a veto's reason could not be read.
 * After MAX_VETO_REASON_ATTEMPTS the veto (certain: the contract's record says Vetoed) is
 * recorded with the reason unknown, so a reason the RPC never returns cannot hold back the
 * re-proposal; the log scan is bounded and chunked, so a refused range alone never gets here.
 */
const vetoReasonFailures = new WeakMap<OracleContext, Map<string, number>>();
export const MAX_VETO_REASON_ATTEMPTS = 5;

/** The guardian's reason, or after MAX_VETO_REASON_ATTEMPTS retryable failures, `unknown (…)`. */
async function vetoReason(
  ctx: OracleContext,
  row: EpochRow,
  chainEpoch: bigint,
): Promise<{ reason: string; known: boolean }> {
  let failures = vetoReasonFailures.get(ctx);
  if (!failures) vetoReasonFailures.set(ctx, (failures = new Map<string, number>()));
  const key = `${row.epoch}:${row.attempt}`;
  try {
    const floor = await epochs.logSearchFloor(ctx.db, row.epoch, chainEpoch);
    const reason = await readVetoReason(ctx.chain, chainEpoch, floor);
    failures.delete(key);
    return { reason, known: true };
  } catch (err) {
    const n = (failures.get(key) ?? 0) + 1;
    if (!isRetryable(err) || n < MAX_VETO_REASON_ATTEMPTS) {
      failures.set(key, n);
      throw err;
    }
    failures.delete(key);
    return {
      reason: `unknown (the RootVetoed event was not readable in ${n} attempts: ${firstLine(err)})`,
      known: false,
    };
  }
}

/** Records a veto seen on-chain and reverses the attempt's accrual, in one transaction. */
async function markVetoed(ctx: OracleContext, row: EpochRow, from: EpochStatus[]): Promise<StepResult> {
  const epochRoot = epochRootOf(row);
  const { reason, known } = await vetoReason(ctx, row, epochRoot.epoch);
  const alert = known ? null : `Chain epoch ${epochRoot.epoch} was vetoed; its reason is ${reason}.`;
  const done = await ctx.db.transaction(async (tx) => {
    const ok = await epochs.transition(tx, row.epoch, from, "VETOED");
    if (!ok) return false;
    await epochs.recordVetoed(tx, row.epoch, epochRoot.root, reason);
    if (alert) await epochs.setAlert(tx, row.epoch, alert);
    await bookEpoch(tx, {
      epoch: row.epoch,
      attempt: row.attempt,
      kind: "reversal",
      lines: await accrualLines(tx, row.epoch, row.attempt),
      memo: `epoch ${row.epoch} attempt ${row.attempt} vetoed: ${reason}`,
    });
    return true;
  });
  if (!done) return wait(row, "vetoed by another process");
  if (alert)
    ctx.log.error(
      { epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString(), alert: "veto_reason_unknown" },
      alert,
    );
  ctx.log.warn(
    { epoch: row.epoch.toString(), chainEpoch: epochRoot.epoch.toString(), root: epochRoot.root, reason },
    "root vetoed",
  );
  return moved(row, "VETOED");
}

// --- driving every epoch ---------------------------------------------------------------------------

// --- payouts: claims indexed from the chain -------------------------------------------------------

export type PayoutResult = { booked: number; reversed: number; unmapped: number };

/**
 * Books the ledger's payout journals for the claims the indexer stored (`chain_claims`, read
 * only): one journal per claim (payable → distributor cash), and a reversal for each payout
 * whose claim row a reorg deleted. One transaction; journals are unique per (kind, claim event
 * id, attempt), so a re-run or a second oracle books nothing twice. Claims against a chain
 * epoch this oracle never computed (`unmapped`) are not booked (logged).
 */
export async function bookPayouts(ctx: OracleContext): Promise<PayoutResult> {
  const started = performance.now();
  const result = await ctx.db.transaction(async (tx) => {
    const diff = await payoutDiff(tx);
    const journals = planPayouts(diff);
    await bookJournals(tx, journals);
    return { booked: diff.unbooked.length, reversed: diff.orphaned.length, unmapped: diff.unmapped };
  });
  ctx.onStage?.("payouts", performance.now() - started, -1n);
  if (result.booked > 0 || result.reversed > 0)
    ctx.log.info({ booked: result.booked, reversed: result.reversed }, "claim payouts booked");
  if (result.unmapped > 0)
    ctx.log.warn({ unmapped: result.unmapped }, "claims against chain epochs this oracle never computed: not booked");
  return result;
}

/**
 * Advances every unfinished epoch, oldest first, as far as it goes now, then books the payouts
 * of newly indexed (or reorged-away) claims. Returns the steps taken and, per epoch, why it waits.
 */
export async function runOnce(ctx: OracleContext, options: { maxSteps?: number } = {}): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const max = options.maxSteps ?? 1_000;
  for (;;) {
    let progress = false;
    for (const row of await epochs.listUnfinished(ctx.db)) {
      const step = await advanceEpoch(ctx, row.epoch);
      steps.push(step);
      if (step.moved) {
        progress = true;
        break; // re-read: an earlier epoch's progress may unblock a later one
      }
    }
    if (!progress || steps.length >= max) break;
  }
  await bookPayouts(ctx);
  return steps;
}

/** Drives one epoch as far as it goes now (closing it even within the grace period). */
export async function driveEpoch(
  ctx: OracleContext,
  epoch: bigint,
  options: { force?: boolean } = {},
): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (let i = 0; i < 20; i++) {
    const step = await advanceEpoch(ctx, epoch, options);
    steps.push(step);
    if (!step.moved) break;
  }
  return steps;
}

/** In-process gauges for alerts; across processes the API's /metrics reads `epoch_state.alert` (`ledger_epochs_alerting`). */
export const oracleMetrics = { insufficientFunding: new Set<bigint>() };

export type DaemonOptions = { leadership: Leadership; pollMs: number; signal: AbortSignal };

/** Retries of a general retryable error back off up to this, ms. */
const MAX_BACKOFF_MS = 60_000;
/** While a dependency (database, chain RPC) is down, it is retried at least this often, ms: the oracle resumes soon after it is back. */
const MAX_OUTAGE_BACKOFF_MS = 5_000;

/**
 * The daemon: while leader, `runOnce` every `pollMs`; retryable errors back off exponentially
 * (up to 60 s; up to 5 s while the database or the chain is unreachable); a fatal error stops
 * the loop and is rethrown.
 *
 * An outage of a dependency is logged once when it starts (warn) and once when it ends (info);
 * every attempt in between only at debug level.
 */
export async function runDaemon(ctx: OracleContext, options: DaemonOptions): Promise<void> {
  let backoffMs = options.pollMs;
  let wasLeader = false;
  /** The dependency that is down, as of the last attempt. */
  let down: "database" | "chain" | undefined;
  while (!options.signal.aborted) {
    const leader = await options.leadership.tryAcquire();
    if (leader !== wasLeader)
      ctx.log.info({ leader }, leader ? "leadership acquired" : "following (another oracle leads)");
    wasLeader = leader;
    let delay = options.pollMs;
    if (leader) {
      try {
        const steps = await runOnce(ctx);
        for (const s of steps)
          if (!s.moved && s.waiting !== "done")
            ctx.log.debug({ epoch: s.epoch.toString(), waiting: s.waiting }, "waiting");
        backoffMs = options.pollMs;
        if (down) ctx.log.info({ dependency: down }, `${down} reachable again; resuming`);
        down = undefined;
      } catch (err) {
        const now = isDatabaseUnavailable(err) ? "database" : isChainUnavailable(err) ? "chain" : undefined;
        if (!now && !isRetryable(err)) {
          ctx.log.fatal({ err }, "fatal oracle error; stopping");
          // A process that cannot lead never holds the lock: a standby takes over at once.
          await options.leadership.release().catch(() => {});
          throw err;
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        delay = now ? Math.min(backoffMs, MAX_OUTAGE_BACKOFF_MS) : backoffMs;
        if (!now) ctx.log.warn({ err, retryInMs: delay }, "retryable oracle error");
        else if (now !== down)
          ctx.log.warn(
            { err, dependency: now, retryInMs: delay },
            `${now} unreachable; retrying with backoff up to ${MAX_OUTAGE_BACKOFF_MS / 1000} s`,
          );
        else ctx.log.debug({ err, dependency: now, retryInMs: delay }, "retryable oracle error");
        if (down && now && now !== down) ctx.log.info({ dependency: down }, `${down} reachable again; resuming`);
        down = now;
      }
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      options.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
