import type { Address } from "../../core/eip712/domain.ts";
import type { JournalToBook, OrphanedPayout, UnbookedClaim } from "../repositories/ledger.ts";
import { CASH_ACCOUNT, payableAccount } from "../repositories/ledger.ts";

/**
 * Stage — payouts (pure): turns the difference between the claims the indexer stored and the
 * payout journals already booked into journals. Each claim gets one `payout` journal
 * (supporter payable debit = distributor cash credit, the claimed µUSD); a payout whose claim
 * row a reorg deleted (or changed) gets a `payout_reversal`, the mirror image, with the same
 * ref and attempt. Reversals come first, so a claim re-mined differently is reversed, then
 * booked again as the next attempt.
 */
export type PlanPayoutsParameters = { unbooked: readonly UnbookedClaim[]; orphaned: readonly OrphanedPayout[] };

const line = (account: string, holder: Address | null, debitMicroUsd: bigint, creditMicroUsd: bigint) => ({
  account,
  holder,
  debitMicroUsd,
  creditMicroUsd,
});

export function planPayouts(p: PlanPayoutsParameters): JournalToBook[] {
  const reversals: JournalToBook[] = p.orphaned.map((o) => ({
    epoch: o.epoch,
    attempt: o.attempt,
    kind: "payout_reversal",
    ref: o.claimId,
    memo: `claim ${o.claimId} no longer on-chain (reorg): payout journal ${o.journalId} reversed`,
    lines: [
      line(CASH_ACCOUNT, null, o.amountMicroUsd, 0n),
      line(payableAccount(o.account), o.account, 0n, o.amountMicroUsd),
    ],
  }));
  const payouts: JournalToBook[] = p.unbooked
    .filter((c) => c.amountMicroUsd > 0n)
    .map((c) => ({
      epoch: c.epoch,
      attempt: c.attempt,
      kind: "payout",
      ref: c.claimId,
      memo:
        `claim by ${c.account} to ${c.recipient} against chain epoch ${c.chainEpoch}` +
        (c.relayerFeeMicroUsd !== null ? ` (relayer fee ${c.relayerFeeMicroUsd} µUSD)` : "") +
        ` (tx ${c.transactionHash}, block ${c.blockNumber})`,
      lines: [
        line(payableAccount(c.account), c.account, c.amountMicroUsd, 0n),
        line(CASH_ACCOUNT, null, 0n, c.amountMicroUsd),
      ],
    }));
  return [...reversals, ...payouts];
}
