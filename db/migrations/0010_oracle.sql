-- The oracle's tables (issue 6): the epoch state machine's details, what each close computed
-- (statements, leaves, stream checkpoints, non-accepted verdicts), M-of-N signatures, the
-- double-entry ledger in µUSD, and the oracle signer registry.
--
-- Writers: the oracle's repositories (oracle/repositories/) only. The coordinator's
-- `epochs.status` stays the one state of an epoch (OPEN … FINALIZED / VETOED); `epoch_state`
-- holds everything the oracle learned on the way.
-- Conventions as in 0002: addresses bytea(20), hashes bytea(32), signatures bytea(65), money
-- µUSD numeric(78,0) ≥ 0, server times timestamptz, chain times unix seconds int8.

CREATE TABLE epoch_state (
  epoch                 int8 PRIMARY KEY REFERENCES epochs (number),
  -- The contract numbers epochs consecutively from 1; coordinator epochs are clock-based.
  -- Assigned at the first COMPUTED, kept across a veto (the contract rolls back to it).
  chain_epoch           int8 UNIQUE CHECK (chain_epoch >= 1),
  -- 1 for the first computation, +1 after each veto.
  attempt               int4 NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  closed_at             timestamptz,
  computed_at           timestamptz,
  signed_at             timestamptz,
  posted_at             timestamptz,
  finalized_at          timestamptz,
  vetoed_at             timestamptz,
  -- computed totals (µUSD)
  budget_micro_usd      numeric(78,0) CHECK (budget_micro_usd >= 0),
  earned_micro_usd      numeric(78,0) CHECK (earned_micro_usd >= 0),
  payout_micro_usd      numeric(78,0) CHECK (payout_micro_usd >= 0),
  unallocated_micro_usd numeric(78,0) CHECK (unallocated_micro_usd >= 0),
  rounding_dust_micro_usd text,          -- exact decimal (fractions of a µUSD)
  pro_rata_numerator    numeric(78,0),
  pro_rata_denominator  numeric(78,0),
  cumulative_total      numeric(78,0) CHECK (cumulative_total >= 0),
  supporters            int4,
  receipts_total        int8,
  receipts_counted      int8,
  counted_bytes         numeric(78,0),
  -- commitments (the EpochRoot fields)
  root                  bytea CHECK (length(root) = 32),
  receipts_root         bytea CHECK (length(receipts_root) = 32),
  dataset_hash          bytea CHECK (length(dataset_hash) = 32),
  rate_card_hash        bytea CHECK (length(rate_card_hash) = 32),
  rate_card_version     int8,
  -- chain
  propose_tx            bytea CHECK (length(propose_tx) = 32),
  propose_block         int8,
  valid_at              int8,                -- unix seconds: end of the dispute window
  finalize_tx           bytea CHECK (length(finalize_tx) = 32),
  vetoed_root           bytea CHECK (length(vetoed_root) = 32),
  veto_reason           text,
  -- the last reason the epoch is waiting (e.g. insufficient funding); NULL when not waiting
  alert                 text,
  alert_at              timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The itemized statement of every supporter (payout account) of an epoch, replaced when a
-- vetoed epoch is recomputed.
CREATE TABLE epoch_statements (
  epoch                 int8 NOT NULL REFERENCES epochs (number),
  account               bytea NOT NULL CHECK (length(account) = 20),
  counted_bytes         numeric(78,0) NOT NULL CHECK (counted_bytes >= 0),
  payout_micro_usd      numeric(78,0) NOT NULL CHECK (payout_micro_usd >= 0),
  cumulative_micro_usd  numeric(78,0) NOT NULL CHECK (cumulative_micro_usd >= 0),
  statement             jsonb NOT NULL,      -- core's Statement, integers as decimal strings
  PRIMARY KEY (epoch, account)
);

-- The leaves of the epoch's payout tree: every account's cumulative entitlement after this
-- epoch (accounts without activity carry their previous amount). Proofs are computed on
-- demand from these rows (oracle/proofs.ts): the tree is rebuilt in well under a second.
CREATE TABLE epoch_leaves (
  epoch                 int8 NOT NULL REFERENCES epochs (number),
  account               bytea NOT NULL CHECK (length(account) = 20),
  cumulative_micro_usd  numeric(78,0) NOT NULL CHECK (cumulative_micro_usd >= 0),
  PRIMARY KEY (epoch, account)
);

-- Where each (session, supporter) stream stood after an epoch (core's StreamCheckpoint):
-- carried into the next epoch's fraud rules.
CREATE TABLE epoch_checkpoints (
  epoch             int8 NOT NULL REFERENCES epochs (number),
  session_id        bytea NOT NULL,
  supporter         bytea NOT NULL,
  cumulative_bytes  numeric(78,0) NOT NULL,
  counted_bytes     numeric(78,0) NOT NULL,
  seq               int8 NOT NULL,
  timestamp         int8 NOT NULL,
  PRIMARY KEY (epoch, session_id, supporter)
);
CREATE INDEX epoch_checkpoints_stream ON epoch_checkpoints (session_id, supporter, epoch DESC);

-- Verdicts other than `accepted` (every verdict is in the epoch's dataset; these rows make the
-- exceptions queryable): reasons are core's stable codes.
CREATE TABLE epoch_verdicts (
  epoch          int8 NOT NULL REFERENCES epochs (number),
  session_id     bytea NOT NULL,
  supporter      bytea NOT NULL,
  seq            int8 NOT NULL,
  receipt_id     bytea,
  status         text NOT NULL CHECK (status IN ('clipped', 'flagged', 'rejected', 'duplicate')),
  reasons        text[] NOT NULL,
  claimed_bytes  numeric(78,0) NOT NULL,
  counted_bytes  numeric(78,0) NOT NULL,
  PRIMARY KEY (epoch, session_id, supporter, seq)
);

-- Oracle signers known to this deployment (the contract's signer set is authoritative).
CREATE TABLE oracle_signers (
  address     bytea PRIMARY KEY CHECK (length(address) = 20),
  label       text NOT NULL DEFAULT '',
  added_at    timestamptz NOT NULL DEFAULT now()
);

-- EpochRoot signatures, per computation attempt; a signer signs an attempt at most once.
CREATE TABLE epoch_signatures (
  epoch       int8 NOT NULL REFERENCES epochs (number),
  attempt     int4 NOT NULL,
  signer      bytea NOT NULL CHECK (length(signer) = 20),
  root        bytea NOT NULL CHECK (length(root) = 32),
  dataset_hash bytea NOT NULL CHECK (length(dataset_hash) = 32),
  signature   bytea NOT NULL CHECK (length(signature) = 65),
  signed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (epoch, attempt, signer)
);

-- Double-entry ledger in µUSD. Accounts: `rewards_pool` (the platform's reward expense),
-- `supporter_payable:0x…` (what the platform owes a supporter), `distributor_cash` (the
-- stablecoin paid out by the contract). Each journal balances (Σ debit = Σ credit) and is
-- written once: (epoch, attempt, kind) is unique, so a re-run never books twice.
CREATE TABLE ledger_accounts (
  code        text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('expense', 'liability', 'asset')),
  holder      bytea CHECK (length(holder) = 20),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_journals (
  id          int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  epoch       int8 NOT NULL,
  attempt     int4 NOT NULL,
  -- accrual: at COMPUTED (pool → payable); reversal: at VETOED (undoes that attempt's
  -- accrual); payout: claims indexed from the chain (payable → cash), written by the indexer.
  kind        text NOT NULL CHECK (kind IN ('accrual', 'reversal', 'payout')),
  ref         text NOT NULL DEFAULT '',       -- payouts: the claim's tx hash and log index
  memo        text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (epoch, attempt, kind, ref)
);

CREATE TABLE ledger_entries (
  journal_id        int8 NOT NULL REFERENCES ledger_journals (id),
  account           text NOT NULL REFERENCES ledger_accounts (code),
  debit_micro_usd   numeric(78,0) NOT NULL DEFAULT 0 CHECK (debit_micro_usd >= 0),
  credit_micro_usd  numeric(78,0) NOT NULL DEFAULT 0 CHECK (credit_micro_usd >= 0),
  CHECK ((debit_micro_usd = 0) <> (credit_micro_usd = 0))
);
CREATE INDEX ledger_entries_journal ON ledger_entries (journal_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account);

-- Debits and credits per epoch: every row must have debit = credit (the API exposes this).
CREATE VIEW ledger_epoch_balances AS
  SELECT j.epoch,
         COALESCE(sum(e.debit_micro_usd), 0)  AS debit_micro_usd,
         COALESCE(sum(e.credit_micro_usd), 0) AS credit_micro_usd,
         COALESCE(sum(e.debit_micro_usd), 0) = COALESCE(sum(e.credit_micro_usd), 0) AS balanced
    FROM ledger_journals j
    LEFT JOIN ledger_entries e ON e.journal_id = j.id
   GROUP BY j.epoch;
