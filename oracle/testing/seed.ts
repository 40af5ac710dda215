/**
 * Test data for the oracle: signed coordinator records (registrations, grants, receipts,
 * heartbeats) written straight into the coordinator's tables, as its ingest would have stored
 * them. Test-only: SQL here stands in for the coordinator's repositories.
 */
import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { SessionGrant } from "../../core/eip712/sessions.ts";
import type { Hex } from "../../core/hex.ts";
import { keccak256Utf8 } from "../../core/keccak.ts";
import { ALL_SESSIONS } from "../../core/policy.ts";
import { privateKeyToAddress, signTypedMessage } from "../../core/sign.ts";
import type { Queryable } from "../../db/types.ts";

export const EPOCH_SECONDS = 3_600n;
export const GENESIS = 1_700_000_000n;

export function testKey(label: string): Hex {
  return `0x${Buffer.from(keccak256Utf8(`streamr-oracle-test:${label}`)).toString("hex")}`;
}

export const COORDINATOR_KEY = testKey("coordinator");
export const COORDINATOR = privateKeyToAddress(COORDINATOR_KEY);
/** Holds POLICY_ROLE on the test chain (oracle/testing/chain.ts): signs the budget and founder status. */
export const POLICY_KEY = testKey("policy");
export const POLICY = privateKeyToAddress(POLICY_KEY);

const b = (hex: string) => Buffer.from(hex.slice(2), "hex");

export type SeedOptions = {
  domain: RewardsDomain;
  /** Coordinator epoch numbers to create (each EPOCH_SECONDS long from GENESIS). */
  epochs: bigint[];
  nodes?: number;
  sessionsPerNode?: number;
  receiptsPerStream?: number;
  /** Bytes per receipt step. */
  stepBytes?: bigint;
  /** Node indexes that are founders. */
  founders?: number[];
  /** The signed budget recorded from epoch 0 on (the latest recorded wins); default 10¹² µUSD. */
  budgetMicroUsd?: bigint;
};

/** Records an `EpochBudget` from `fromEpoch` on, signed by the test policy key (as the admin API would). */
export async function recordTestBudget(
  db: Queryable,
  domain: RewardsDomain,
  fromEpoch: bigint,
  budgetMicroUsd: bigint,
  issuedAt: bigint = BigInt(Math.floor(Date.now() / 1000)),
): Promise<void> {
  const message = { fromEpoch, budgetMicroUsd, issuedAt };
  const signature = signTypedMessage({ domain, primaryType: "EpochBudget", message, privateKey: POLICY_KEY });
  await db.query(
    `INSERT INTO epoch_budgets (from_epoch, budget_micro_usd, issued_at, signer, signature, created_by)
     VALUES ($1, $2, $3, $4, $5, 'test')`,
    [fromEpoch.toString(), budgetMicroUsd.toString(), issuedAt.toString(), b(POLICY), b(signature)],
  );
}

/** Records an admin's flag decision (all sessions of `node`), signed by the test policy key. */
export async function recordTestFlagDecision(
  db: Queryable,
  domain: RewardsDomain,
  d: { epoch: bigint; node: Address; reasonCode: string; include: boolean; note: string },
): Promise<void> {
  const message = {
    ...d,
    sessionId: ALL_SESSIONS,
    issuedAt: BigInt(Math.floor(Date.now() / 1000)),
  };
  const signature = signTypedMessage({ domain, primaryType: "FlagDecision", message, privateKey: POLICY_KEY });
  await db.query(
    `INSERT INTO flag_overrides (epoch, node_address, reason_code, decision, note, created_by, issued_at, policy_signature)
     VALUES ($1, $2, $3, $4, $5, 'admin', $6, $7)`,
    [
      d.epoch.toString(),
      b(d.node),
      d.reasonCode,
      d.include ? "include" : "exclude",
      d.note,
      message.issuedAt.toString(),
      b(signature),
    ],
  );
}

/** Records a node's `FounderStatus` from `effectiveEpoch` on, signed by the test policy key. */
export async function recordTestFounder(
  db: Queryable,
  domain: RewardsDomain,
  node: Address,
  founder: boolean,
  effectiveEpoch: bigint,
): Promise<void> {
  const message = { node, founder, effectiveEpoch, issuedAt: BigInt(Math.floor(Date.now() / 1000)), reason: "test" };
  const signature = signTypedMessage({ domain, primaryType: "FounderStatus", message, privateKey: POLICY_KEY });
  await db.query(
    `INSERT INTO founder_statuses (node_address, founder, effective_epoch, issued_at, reason, signer, signature, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')`,
    [b(node), founder, effectiveEpoch.toString(), message.issuedAt.toString(), message.reason, b(POLICY), b(signature)],
  );
}

export function epochBounds(epoch: bigint): { start: bigint; end: bigint } {
  const start = GENESIS + epoch * EPOCH_SECONDS;
  return { start, end: start + EPOCH_SECONDS };
}

/** Creates epochs (OPEN) with their receipt partitions, and fills each with signed activity. */
export async function seedEpochs(db: Queryable, o: SeedOptions): Promise<{ nodes: Address[]; payouts: Address[] }> {
  const nodeCount = o.nodes ?? 3;
  const sessions = o.sessionsPerNode ?? 2;
  const perStream = o.receiptsPerStream ?? 5;
  const step = o.stepBytes ?? 250_000_000n;
  const nodeKeys = Array.from({ length: nodeCount }, (_, i) => testKey(`node-${i}`));
  const nodes = nodeKeys.map((k) => privateKeyToAddress(k));
  const payouts = nodes.map((_, i) => privateKeyToAddress(testKey(`payout-${i}`)));
  const first = o.epochs.reduce((a, c) => (c < a ? c : a), o.epochs[0] ?? 0n);
  // signed for this deployment's domain (a test may deploy a fresh contract over the same database)
  await recordTestBudget(db, o.domain, 0n, o.budgetMicroUsd ?? 10n ** 12n);

  for (let i = 0; i < nodeCount; i++) {
    await db.query(
      "INSERT INTO nodes (address, founder, registration_nonce) VALUES ($1, $2, 0) ON CONFLICT (address) DO NOTHING",
      [b(nodes[i]!), (o.founders ?? [0]).includes(i)],
    );
    if ((o.founders ?? [0]).includes(i)) await recordTestFounder(db, o.domain, nodes[i]!, true, first);
    const reg = { node: nodes[i]!, payout: payouts[i]!, effectiveEpoch: first, nonce: 0n };
    const sig = signTypedMessage({
      domain: o.domain,
      primaryType: "SupporterRegistration",
      message: reg,
      privateKey: nodeKeys[i]!,
    });
    await db.query(
      `INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
       VALUES ($1, $2, $3, 0, $4, $2) ON CONFLICT DO NOTHING`,
      [b(nodes[i]!), first.toString(), b(payouts[i]!), b(sig)],
    );
  }

  for (const epoch of o.epochs) {
    const { start, end } = epochBounds(epoch);
    await db.query(
      "INSERT INTO epochs (number, status, starts_at, ends_at) VALUES ($1, 'OPEN', $2, $3) ON CONFLICT DO NOTHING",
      [epoch.toString(), new Date(Number(start) * 1000), new Date(Number(end) * 1000)],
    );
    await db.exec(`CREATE TABLE IF NOT EXISTS receipts_e${epoch} PARTITION OF receipts FOR VALUES IN (${epoch})`);
    const rows: unknown[][] = [];
    for (let n = 0; n < nodeCount; n++) {
      // heartbeats every 60 s over the whole epoch (100 % uptime); node 2 only in the second
      // half (50 %), so its receipts (in the first minutes) are flagged NODE_OFFLINE
      for (let t = start; t < end; t += 60n) {
        if (n === 2 && t < start + EPOCH_SECONDS / 2n) continue;
        const sig = signTypedMessage({
          domain: o.domain,
          primaryType: "Heartbeat",
          message: { node: nodes[n]!, timestamp: t },
          privateKey: nodeKeys[n]!,
        });
        await db.query(
          "INSERT INTO heartbeats (node_address, timestamp, epoch, signature) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          [b(nodes[n]!), t.toString(), epoch.toString(), b(sig)],
        );
      }
      for (let s = 0; s < sessions; s++) {
        const viewerKey = testKey(`viewer-${epoch}-${n}-${s}`);
        const viewer = privateKeyToAddress(viewerKey);
        const sessionId: Hex = `0x${Buffer.from(keccak256Utf8(`session-${epoch}-${n}-${s}`)).toString("hex")}`;
        const grant: SessionGrant = {
          sessionId,
          viewer,
          streamId: `0x${"ab".repeat(32)}`,
          maxBitsPerSecond: 100_000_000n,
          notBefore: start,
          notAfter: end,
        };
        const gsig = signTypedMessage({
          domain: o.domain,
          primaryType: "SessionGrant",
          message: grant,
          privateKey: COORDINATOR_KEY,
        });
        await db.query(
          `INSERT INTO grants (session_id, viewer, stream_id, max_bits_per_second, not_before, not_after, signature, issued_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'test') ON CONFLICT DO NOTHING`,
          [
            b(sessionId),
            b(viewer),
            b(grant.streamId),
            grant.maxBitsPerSecond.toString(),
            start.toString(),
            end.toString(),
            b(gsig),
          ],
        );
        for (let k = 0; k < perStream; k++) {
          const receipt = {
            sessionId,
            supporter: nodes[n]!,
            viewer,
            seq: BigInt(k),
            cumulativeBytes: step * BigInt(k + 1) * BigInt(n + 1),
            timestamp: start + 60n * BigInt(k + 1),
          };
          const rsig = signTypedMessage({
            domain: o.domain,
            primaryType: "Receipt",
            message: receipt,
            privateKey: viewerKey,
          });
          rows.push([
            epoch.toString(),
            b(sessionId),
            b(nodes[n]!),
            b(viewer),
            receipt.seq.toString(),
            receipt.cumulativeBytes.toString(),
            (step * BigInt(n + 1)).toString(),
            receipt.timestamp.toString(),
            b(rsig),
          ]);
        }
      }
    }
    for (const r of rows)
      await db.query(
        `INSERT INTO receipts (epoch, session_id, supporter, viewer, seq, cumulative_bytes, delta_bytes, timestamp, signature, verdict)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'accepted')`,
        r,
      );
  }
  return { nodes, payouts };
}
