import type { Address } from "../../core/eip712/domain.ts";
import { type Hex, bytesToHex as hex, hexToBuffer as buf } from "../../core/hex.ts";
import type { Queryable } from "../../db/types.ts";

/** EpochRoot signatures per (epoch, attempt, signer), and the oracle signer registry. */

export type StoredSignature = { signer: Address; signature: Hex; root: Hex; datasetHash: Hex };

/** Stores a signature; a signer signing the same attempt again is a no-op. */
export async function saveSignature(
  q: Queryable,
  s: { epoch: bigint; attempt: number; signer: Address; root: Hex; datasetHash: Hex; signature: Hex },
): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO epoch_signatures (epoch, attempt, signer, root, dataset_hash, signature) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (epoch, attempt, signer) DO NOTHING`,
    [s.epoch.toString(), s.attempt, buf(s.signer), buf(s.root), buf(s.datasetHash), buf(s.signature)],
  );
  await q.query("INSERT INTO oracle_signers (address) VALUES ($1) ON CONFLICT (address) DO NOTHING", [buf(s.signer)]);
  return res.rowCount === 1;
}

export async function readSignatures(q: Queryable, epoch: bigint, attempt: number): Promise<StoredSignature[]> {
  const { rows } = await q.query<{
    signer: Uint8Array;
    signature: Uint8Array;
    root: Uint8Array;
    dataset_hash: Uint8Array;
  }>(
    "SELECT signer, signature, root, dataset_hash FROM epoch_signatures WHERE epoch = $1 AND attempt = $2 ORDER BY signer",
    [epoch.toString(), attempt],
  );
  return rows.map((r) => ({
    signer: hex(r.signer),
    signature: hex(r.signature),
    root: hex(r.root),
    datasetHash: hex(r.dataset_hash),
  }));
}
