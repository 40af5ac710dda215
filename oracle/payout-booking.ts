import type { OracleContext } from "./context.ts";
import { bookJournals, payoutDiff } from "./repositories/ledger.ts";
import { planPayouts } from "./stages/payouts.ts";

/**
 * Payout booking: takes the claims the indexer stored (`chain_claims`) and the ledger's payout
 * journals, and hands on the journals still missing (claims booked, reorged-away claims reversed)
 * in one transaction, with counts of what it did.
 */

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
