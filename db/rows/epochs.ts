/**
 * The columns of `epochs` joined with `epoch_state` that every room reads first: takes a raw row
 * and hands on the epoch's number, status, window, chain epoch and attempt. The SQL (and the rest
 * of each room's columns) stays in each room's repository.
 */

/** The leading columns of an epoch row, status narrowed by the reader. */
export type EpochHeadColumns<S extends string = string> = {
  number: bigint;
  status: S;
  starts_at: Date;
  ends_at: Date;
  chain_epoch: bigint | null;
  attempt: number | null;
};

/** The leading fields of an epoch (`attempt` 0 before the first computation). */
export function epochHeadOf<S extends string>(r: EpochHeadColumns<S>) {
  return {
    epoch: r.number,
    status: r.status,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    chainEpoch: r.chain_epoch,
    attempt: r.attempt ?? 0,
  };
}
