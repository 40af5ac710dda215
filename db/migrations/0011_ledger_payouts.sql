-- Payout journals (issue 6, item 3): the oracle books one journal per claim the indexer stored
-- in `chain_claims` (supporter_payable:0x… debit → distributor_cash credit, µUSD), and a
-- `payout_reversal` (the mirror image) when a reorg deleted that claim row.
--
-- Writer: the oracle (oracle/repositories/ledger.ts); it only reads `chain_claims`.
-- `ref` is the claim's event id (0x hex of transaction hash ‖ int32 LE log index) and `attempt`
-- the claim's booking generation: 1 for the first payout, n + 1 if the claim came back after
-- its payout n was reversed. A reversal carries the attempt of the payout it undoes, so
-- (kind, ref, attempt) unique makes booking either of them twice impossible.

ALTER TABLE ledger_journals DROP CONSTRAINT ledger_journals_kind_check;
ALTER TABLE ledger_journals ADD CONSTRAINT ledger_journals_kind_check
  CHECK (kind IN ('accrual', 'reversal', 'payout', 'payout_reversal'));

CREATE UNIQUE INDEX ledger_journals_claim ON ledger_journals (kind, ref, attempt)
  WHERE kind IN ('payout', 'payout_reversal');

INSERT INTO ledger_accounts (code, kind) VALUES ('distributor_cash', 'asset') ON CONFLICT (code) DO NOTHING;
