import type { Queryable } from "../../db/types.ts";
import { bytesToHex, hexToBuffer, type Hex } from "../../core/hex.ts";

export type NodeRow = { address: Hex; founder: boolean; registeredAt: Date; registrationNonce: bigint };
export type PayoutRow = { payoutAddress: Hex; effectiveEpoch: number; nonce: bigint; submittedEpoch: number };

type RawNode = { address: Uint8Array; founder: boolean; registered_at: Date; registration_nonce: bigint };
const toNode = (r: RawNode): NodeRow => ({
  address: bytesToHex(r.address),
  founder: r.founder,
  registeredAt: r.registered_at,
  registrationNonce: r.registration_nonce,
});

/** Creates the node if new (returns whether it did), without touching an existing one. */
export async function insertNodeIfAbsent(q: Queryable, address: Hex, nonce: bigint): Promise<boolean> {
  const { rowCount } = await q.query(
    "INSERT INTO nodes (address, registration_nonce) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING",
    [hexToBuffer(address), nonce.toString()],
  );
  return rowCount > 0;
}

/** The node, row-locked for the rest of the transaction. */
export async function lockNode(q: Queryable, address: Hex): Promise<NodeRow | undefined> {
  const { rows } = await q.query<RawNode>(
    "SELECT address, founder, registered_at, registration_nonce FROM nodes WHERE address = $1 FOR UPDATE",
    [hexToBuffer(address)],
  );
  return rows[0] ? toNode(rows[0]) : undefined;
}

export async function getNode(q: Queryable, address: Hex): Promise<NodeRow | undefined> {
  const { rows } = await q.query<RawNode>(
    "SELECT address, founder, registered_at, registration_nonce FROM nodes WHERE address = $1",
    [hexToBuffer(address)],
  );
  return rows[0] ? toNode(rows[0]) : undefined;
}

/** Which of these addresses are registered nodes (lowercase hex). */
export async function registeredNodes(q: Queryable, addresses: Hex[]): Promise<Set<Hex>> {
  if (addresses.length === 0) return new Set();
  const { rows } = await q.query<{ address: Uint8Array }>(
    "SELECT address FROM nodes WHERE address = ANY($1::bytea[])",
    [addresses.map(hexToBuffer)],
  );
  return new Set(rows.map((r) => bytesToHex(r.address)));
}

/**
 * The earliest epoch each of these nodes is registered from (its first payout entry), keyed by
 * lowercase hex; nodes without one are absent. A node is registered for an epoch iff this is at
 * or before it (core/admission.ts `isRegistrationEffective`, as the epoch close decides).
 */
export async function registeredFromEpochs(q: Queryable, addresses: Hex[]): Promise<Map<Hex, bigint>> {
  if (addresses.length === 0) return new Map();
  const { rows } = await q.query<{ node_address: Uint8Array; effective_epoch: bigint }>(
    `SELECT node_address, min(effective_epoch)::int8 AS effective_epoch FROM payout_addresses
      WHERE node_address = ANY($1::bytea[]) GROUP BY node_address`,
    [addresses.map(hexToBuffer)],
  );
  return new Map(rows.map((r) => [bytesToHex(r.node_address), BigInt(r.effective_epoch)]));
}

export async function setRegistrationNonce(q: Queryable, address: Hex, nonce: bigint): Promise<void> {
  await q.query("UPDATE nodes SET registration_nonce = $2 WHERE address = $1", [
    hexToBuffer(address),
    nonce.toString(),
  ]);
}

/** Sets founder status; `undefined` when the node is unknown. */
export async function setFounder(q: Queryable, address: Hex, founder: boolean): Promise<NodeRow | undefined> {
  const { rows } = await q.query<RawNode>(
    `UPDATE nodes SET founder = $2 WHERE address = $1
     RETURNING address, founder, registered_at, registration_nonce`,
    [hexToBuffer(address), founder],
  );
  return rows[0] ? toNode(rows[0]) : undefined;
}

/**
 * Records a payout address from `effectiveEpoch` on. A not-yet-effective entry for the same
 * epoch is replaced; later not-yet-effective entries are superseded (deleted).
 */
export async function schedulePayout(
  q: Queryable,
  p: { node: Hex; payout: Hex; effectiveEpoch: number; nonce: bigint; signature: Hex; submittedEpoch: number },
): Promise<void> {
  const node = hexToBuffer(p.node);
  await q.query("DELETE FROM payout_addresses WHERE node_address = $1 AND effective_epoch > $2", [
    node,
    p.effectiveEpoch,
  ]);
  await q.query(
    `INSERT INTO payout_addresses (node_address, effective_epoch, payout_address, nonce, signature, submitted_epoch)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (node_address, effective_epoch) DO UPDATE
       SET payout_address = EXCLUDED.payout_address, nonce = EXCLUDED.nonce, signature = EXCLUDED.signature,
           submitted_epoch = EXCLUDED.submitted_epoch, created_at = now()`,
    [node, p.effectiveEpoch, hexToBuffer(p.payout), p.nonce.toString(), hexToBuffer(p.signature), p.submittedEpoch],
  );
}

/** Every payout entry of a node, oldest first. */
export async function payoutHistory(q: Queryable, node: Hex): Promise<PayoutRow[]> {
  const { rows } = await q.query<{
    payout_address: Uint8Array;
    effective_epoch: bigint;
    nonce: bigint;
    submitted_epoch: bigint;
  }>(
    `SELECT payout_address, effective_epoch, nonce, submitted_epoch FROM payout_addresses
      WHERE node_address = $1 ORDER BY effective_epoch`,
    [hexToBuffer(node)],
  );
  return rows.map((r) => ({
    payoutAddress: bytesToHex(r.payout_address),
    effectiveEpoch: Number(r.effective_epoch),
    nonce: r.nonce,
    submittedEpoch: Number(r.submitted_epoch),
  }));
}
