import type { Address } from "../../core/eip712/domain.ts";
import type { SignedHeartbeat, SignedReceipt } from "../../core/eip712/receipts.ts";
import type { SignedSessionGrant, SignedSupporterRegistration } from "../../core/eip712/sessions.ts";
import { type Hex, bytesToHex as hex, hexToBuffer as buf } from "../../core/hex.ts";
import type { RateCard } from "../../core/ratecard.ts";
import type { TreeEntry } from "../../core/tree.ts";
import type { StreamCheckpoint } from "../../core/verdict.ts";
import type { Queryable } from "../../db/types.ts";
import { signedGrantOfColumns, type GrantColumns } from "../../db/rows/grants.ts";
import { treeEntryOfLeaf, type LeafColumns } from "../../db/rows/leaves.ts";
import { RATE_CARD_COLUMNS, rateCardOfColumns, type RateCardColumns } from "../../db/rows/rate-cards.ts";

/**
 * Reads of the coordinator's tables (written by api/): what the aggregate stage needs to close
 * one epoch. Every query orders its rows canonically (see `EpochInputs`).
 */

/**
 * The epoch's receipts, in the dataset's canonical order (core's `canonicalizeInputs` then
 * only checks it, one comparison a receipt, instead of sorting a million): by the canonical
 * JSON's key order — cumulativeBytes, seq, sessionId, supporter, timestamp, viewer, then the
 * signature — with numbers compared as their decimal text and bytea as bytes (= its lower-case
 * hex), both in the "C" collation, exactly as core compares them (core/canonical-signed.ts).
 * Hex is encoded by PostgreSQL (`'0x' || encode(…)`: one string per field, no Buffer round
 * trip); the session, supporter and viewer strings, repeated along a stream, are shared (one
 * copy each, not one per receipt: ~200 MB less at a million receipts).
 */
export async function readReceipts(q: Queryable, epoch: bigint): Promise<SignedReceipt[]> {
  const { rows } = await q.query<{
    session_id: Hex;
    supporter: Address;
    viewer: Address;
    seq: bigint;
    cumulative_bytes: bigint;
    timestamp: bigint;
    signature: Hex;
  }>(
    `SELECT '0x' || encode(session_id, 'hex') AS session_id, '0x' || encode(supporter, 'hex') AS supporter,
            '0x' || encode(viewer, 'hex') AS viewer, seq, cumulative_bytes, timestamp,
            '0x' || encode(signature, 'hex') AS signature
       FROM receipts WHERE epoch = $1
      ORDER BY cumulative_bytes::text COLLATE "C", seq::text COLLATE "C", session_id, supporter,
               timestamp::text COLLATE "C", viewer, signature`,
    [epoch.toString()],
  );
  const shared = new Map<string, string>();
  const share = <T extends string>(v: T): T => {
    const seen = shared.get(v);
    if (seen !== undefined) return seen as T;
    shared.set(v, v);
    return v;
  };
  const out = new Array<SignedReceipt>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = {
      message: {
        sessionId: share(r.session_id),
        supporter: share(r.supporter),
        viewer: share(r.viewer),
        seq: r.seq,
        cumulativeBytes: r.cumulative_bytes,
        timestamp: r.timestamp,
      },
      signature: r.signature,
    };
    rows[i] = undefined as never; // let the row go as soon as it is converted
  }
  return out;
}

/**
 * The sessions and supporter nodes with receipts in the epoch (from `readReceipts`'s rows):
 * the other reads take them as array parameters instead of each scanning the epoch's
 * receipts again for its distinct values (four scans of a million rows).
 */
export type EpochScope = { sessions: Buffer[]; supporters: Buffer[] };

export function scopeOf(receipts: readonly SignedReceipt[]): EpochScope {
  const sessions = new Set<string>();
  const supporters = new Set<string>();
  for (const r of receipts) {
    sessions.add(r.message.sessionId);
    supporters.add(r.message.supporter);
  }
  return { sessions: [...sessions].map(buf), supporters: [...supporters].map(buf) };
}

/** Grants of every session with a receipt in the epoch. */
export async function readGrants(q: Queryable, scope: EpochScope): Promise<SignedSessionGrant[]> {
  const { rows } = await q.query<GrantColumns>(
    `SELECT g.session_id, g.viewer, g.stream_id, g.max_bits_per_second, g.not_before, g.not_after, g.signature
       FROM grants g
      WHERE g.session_id = ANY($1::bytea[])
      ORDER BY g.session_id, g.signature`,
    [scope.sessions],
  );
  return rows.map(signedGrantOfColumns);
}

/** Payout registrations effective at or before the epoch, of nodes with receipts in it. */
export async function readRegistrations(
  q: Queryable,
  epoch: bigint,
  scope: EpochScope,
): Promise<SignedSupporterRegistration[]> {
  const { rows } = await q.query<{
    node_address: Uint8Array;
    payout_address: Uint8Array;
    effective_epoch: bigint;
    nonce: bigint;
    signature: Uint8Array;
  }>(
    `SELECT p.node_address, p.payout_address, p.effective_epoch, p.nonce, p.signature
       FROM payout_addresses p
      WHERE p.effective_epoch <= $1
        AND p.node_address = ANY($2::bytea[])
      ORDER BY p.node_address, p.effective_epoch`,
    [epoch.toString(), scope.supporters],
  );
  return rows.map((r) => ({
    message: {
      node: hex(r.node_address),
      payout: hex(r.payout_address),
      effectiveEpoch: r.effective_epoch,
      nonce: r.nonce,
    },
    signature: hex(r.signature),
  }));
}

export async function readHeartbeats(q: Queryable, epoch: bigint): Promise<SignedHeartbeat[]> {
  const { rows } = await q.query<{ node_address: Uint8Array; timestamp: bigint; signature: Uint8Array }>(
    "SELECT node_address, timestamp, signature FROM heartbeats WHERE epoch = $1 ORDER BY node_address, timestamp",
    [epoch.toString()],
  );
  return rows.map((r) => ({
    message: { node: hex(r.node_address), timestamp: r.timestamp },
    signature: hex(r.signature),
  }));
}

/**
 * Where every stream of the epoch's sessions stood before it: the latest checkpoint of each
 * (session, supporter) of those sessions from an earlier epoch.
 */
export async function readCheckpointsBefore(
  q: Queryable,
  epoch: bigint,
  scope: EpochScope,
): Promise<StreamCheckpoint[]> {
  const { rows } = await q.query<{
    session_id: Uint8Array;
    supporter: Uint8Array;
    cumulative_bytes: bigint;
    counted_bytes: bigint;
    seq: bigint;
    timestamp: bigint;
  }>(
    `SELECT DISTINCT ON (c.session_id, c.supporter)
            c.session_id, c.supporter, c.cumulative_bytes, c.counted_bytes, c.seq, c.timestamp
       FROM epoch_checkpoints c
      WHERE c.epoch < $1
        AND c.session_id = ANY($2::bytea[])
      ORDER BY c.session_id, c.supporter, c.epoch DESC`,
    [epoch.toString(), scope.sessions],
  );
  return rows.map((r) => ({
    sessionId: hex(r.session_id),
    supporter: hex(r.supporter),
    cumulativeBytes: r.cumulative_bytes,
    countedBytes: r.counted_bytes,
    seq: r.seq,
    timestamp: r.timestamp,
  }));
}

/**
 * Every rate card version, read as core's `rateCardFromRecord` reads a stored card (the admin
 * API validated the same reading before storing it): `uptime_bonus_bps` is one tier from 95 %
 * uptime unless `details.uptimeTiers` lists them.
 */
export async function readRateCards(q: Queryable): Promise<RateCard[]> {
  const { rows } = await q.query<RateCardColumns>(`SELECT ${RATE_CARD_COLUMNS} FROM rate_cards ORDER BY version`);
  return rows.map(rateCardOfColumns);
}

/** The leaves of the latest epoch before `epoch` that was computed (by chain epoch). */
export async function readPreviousLeaves(q: Queryable, epoch: bigint): Promise<TreeEntry[]> {
  const { rows } = await q.query<LeafColumns>(
    `SELECT l.account, l.cumulative_micro_usd
       FROM epoch_leaves l
      WHERE l.epoch = (SELECT s.epoch FROM epoch_state s
                        WHERE s.epoch < $1 AND s.chain_epoch IS NOT NULL
                        ORDER BY s.chain_epoch DESC LIMIT 1)
      ORDER BY l.account`,
    [epoch.toString()],
  );
  return rows.map(treeEntryOfLeaf);
}

export type { Hex };
export { buf };
