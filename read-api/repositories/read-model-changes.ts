/**
 * The change feed of the supporter read model: the NOTIFYs of migration 0024 on
 * `ledger_read_model`, parsed. A change is either one address's rows (a node, its payout
 * addresses, an account's claims) or everything (statements, leaves, epoch lifecycle). The feed
 * also carries the cache's own sync markers (`sync:<instance>:<n>`), sent through the same
 * channel so that they arrive after every change committed before them.
 */
import type { Db, DbListener } from "../../db/types.ts";
import type { Hex } from "../../core/hex.ts";

export const READ_MODEL_CHANNEL = "ledger_read_model";

export type ReadModelChange =
  { kind: "all" } | { kind: "address"; address: Hex } | { kind: "sync"; instance: string; seq: number };

const ADDRESS_RE = /^0x[0-9a-f]{40}$/;
const SYNC_RE = /^sync:([0-9a-z-]{1,64}):(\d{1,15})$/;

/** A payload of the channel; anything unrecognised counts as a change of everything. */
export function parseReadModelChange(payload: string): ReadModelChange {
  if (ADDRESS_RE.test(payload)) return { kind: "address", address: payload as Hex };
  const m = SYNC_RE.exec(payload);
  if (m) return { kind: "sync", instance: m[1]!, seq: Number(m[2]) };
  return { kind: "all" };
}

export type ReadModelFeed = {
  /** Sends a sync marker; it comes back through `onChange` after every earlier commit's changes. */
  sync(instance: string, seq: number): Promise<void>;
  close(): Promise<void>;
};

/** LISTENs to the read model's changes (`onLost`: the session failed; changes may have been missed). */
export async function listenReadModelChanges(
  db: Db,
  onChange: (c: ReadModelChange) => void,
  onLost: (err: Error) => void,
): Promise<ReadModelFeed> {
  const listener: DbListener = await db.listen(READ_MODEL_CHANNEL, (p) => onChange(parseReadModelChange(p)), onLost);
  return {
    sync: (instance, seq) => listener.notify(`sync:${instance}:${seq}`),
    close: () => listener.close(),
  };
}
