import type { Statement } from "../../core/earnings.ts";
import type { ReceiptVerdict, StreamCheckpoint } from "../../core/fraud.ts";
import type { SignedReceipt } from "../../core/eip712/receipts.ts";
import type { TreeEntry } from "../../core/tree.ts";
import type { Queryable } from "../../db/types.ts";
import { treeEntryOfLeaf, type LeafColumns } from "../../db/rows/leaves.ts";
import { canonicalJson } from "../../core/dataset/canonical-json.ts";
import { bytesToHex as hex, hexToBuffer as buf } from "../../core/hex.ts";

/**
 * What an epoch's computation produced, written in bulk (unnest of arrays, chunked): a
 * recomputation (after a veto) replaces the previous rows in the same transaction.
 */

const CHUNK = 20_000;

async function chunked<T>(items: readonly T[], fn: (chunk: readonly T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await fn(items.slice(i, i + CHUNK));
}

export async function replaceResults(
  q: Queryable,
  epoch: bigint,
  r: {
    statements: readonly Statement[];
    leaves: readonly TreeEntry[];
    checkpoints: readonly StreamCheckpoint[];
    verdicts: readonly ReceiptVerdict[];
    receipts: readonly SignedReceipt[];
  },
): Promise<void> {
  const e = epoch.toString();
  for (const table of ["epoch_statements", "epoch_leaves", "epoch_checkpoints", "epoch_verdicts"])
    await q.query(`DELETE FROM ${table} WHERE epoch = $1`, [e]);
  await chunked(r.statements, (c) =>
    q.query(
      `INSERT INTO epoch_statements (epoch, account, counted_bytes, payout_micro_usd, cumulative_micro_usd, statement)
       SELECT $1, * FROM unnest($2::bytea[], $3::numeric[], $4::numeric[], $5::numeric[], $6::jsonb[])`,
      [
        e,
        c.map((s) => buf(s.account)),
        c.map((s) => s.countedBytes.toString()),
        c.map((s) => s.payoutMicroUsd.toString()),
        c.map((s) => s.cumulativeMicroUsd.toString()),
        c.map((s) => canonicalJson(s)),
      ],
    ),
  );
  await chunked(r.leaves, (c) =>
    q.query(
      `INSERT INTO epoch_leaves (epoch, account, cumulative_micro_usd)
       SELECT $1, * FROM unnest($2::bytea[], $3::numeric[])`,
      [e, c.map((l) => buf(l.account)), c.map((l) => l.amount.toString())],
    ),
  );
  await chunked(r.checkpoints, (c) =>
    q.query(
      `INSERT INTO epoch_checkpoints (epoch, session_id, supporter, cumulative_bytes, counted_bytes, seq, timestamp)
       SELECT $1, * FROM unnest($2::bytea[], $3::bytea[], $4::numeric[], $5::numeric[], $6::int8[], $7::int8[])`,
      [
        e,
        c.map((x) => buf(x.sessionId)),
        c.map((x) => buf(x.supporter)),
        c.map((x) => x.cumulativeBytes.toString()),
        c.map((x) => x.countedBytes.toString()),
        c.map((x) => x.seq.toString()),
        c.map((x) => x.timestamp.toString()),
      ],
    ),
  );
  const exceptions = r.verdicts.filter((v) => v.status !== "accepted");
  await chunked(exceptions, (c) =>
    q.query(
      `INSERT INTO epoch_verdicts (epoch, session_id, supporter, seq, receipt_id, status, reasons, claimed_bytes, counted_bytes)
       SELECT $1, t.s, t.p, t.q, t.i, t.st, string_to_array(t.r, ','), t.c, t.n
         FROM unnest($2::bytea[], $3::bytea[], $4::int8[], $5::bytea[], $6::text[], $7::text[], $8::numeric[], $9::numeric[])
              AS t(s, p, q, i, st, r, c, n)
       ON CONFLICT DO NOTHING`,
      [
        e,
        c.map((v) => buf(r.receipts[v.index]!.message.sessionId)),
        c.map((v) => buf(r.receipts[v.index]!.message.supporter)),
        c.map((v) => r.receipts[v.index]!.message.seq.toString()),
        c.map((v) => (v.id ? buf(v.id) : null)),
        c.map((v) => v.status),
        c.map((v) => v.reasons.join(",")),
        c.map((v) => v.claimedBytes.toString()),
        c.map((v) => v.countedBytes.toString()),
      ],
    ),
  );
}

export async function readLeaves(q: Queryable, epoch: bigint): Promise<TreeEntry[]> {
  const { rows } = await q.query<LeafColumns>(
    "SELECT account, cumulative_micro_usd FROM epoch_leaves WHERE epoch = $1 ORDER BY account",
    [epoch.toString()],
  );
  return rows.map(treeEntryOfLeaf);
}

export async function readStatementPayouts(
  q: Queryable,
  epoch: bigint,
): Promise<{ account: `0x${string}`; payoutMicroUsd: bigint }[]> {
  const { rows } = await q.query<{ account: Uint8Array; payout_micro_usd: bigint }>(
    "SELECT account, payout_micro_usd FROM epoch_statements WHERE epoch = $1 ORDER BY account",
    [epoch.toString()],
  );
  return rows.map((r) => ({ account: hex(r.account), payoutMicroUsd: r.payout_micro_usd }));
}
