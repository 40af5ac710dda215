-- Signed discretionary inputs (issue 16, part 2): every input an epoch's payout depends on that
-- a person decides — the budget, rate cards, founder status, flag decisions — is an EIP-712
-- message signed by a key holding the distributor's POLICY_ROLE (core/policy.ts). The
-- signature is stored with the input; the oracle puts both in the epoch's dataset. One writer:
-- the admin service (coordinator/services/admin.ts). Rows are never updated: a later statement wins.

-- The funded budget of every epoch from from_epoch on (EpochBudget).
CREATE TABLE IF NOT EXISTS epoch_budgets (
  id               int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_epoch       int8 NOT NULL CHECK (from_epoch >= 0),
  budget_micro_usd numeric(78,0) NOT NULL CHECK (budget_micro_usd >= 0),
  issued_at        int8 NOT NULL CHECK (issued_at >= 0),
  signer           bytea NOT NULL CHECK (length(signer) = 20),
  signature        bytea NOT NULL CHECK (length(signature) = 65),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS epoch_budgets_from ON epoch_budgets (from_epoch DESC, issued_at DESC);

-- Founder grants and revocations of a node from an epoch on (FounderStatus). nodes.founder
-- stays the read model of the latest status.
CREATE TABLE IF NOT EXISTS founder_statuses (
  id              int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  node_address    bytea NOT NULL CHECK (length(node_address) = 20),
  founder         boolean NOT NULL,
  effective_epoch int8 NOT NULL CHECK (effective_epoch >= 0),
  issued_at       int8 NOT NULL CHECK (issued_at >= 0),
  reason          text NOT NULL DEFAULT '',
  signer          bytea NOT NULL CHECK (length(signer) = 20),
  signature       bytea NOT NULL CHECK (length(signature) = 65),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS founder_statuses_node ON founder_statuses (node_address, effective_epoch DESC, issued_at DESC);

-- A rate card's RateCardApproval; a flag override's FlagDecision. NULL on rows from before
-- this migration: the oracle refuses to close an epoch with an unsigned input and says which.
ALTER TABLE rate_cards ADD COLUMN IF NOT EXISTS approval_signature bytea CHECK (length(approval_signature) = 65);
ALTER TABLE flag_overrides ADD COLUMN IF NOT EXISTS issued_at int8;
ALTER TABLE flag_overrides ADD COLUMN IF NOT EXISTS policy_signature bytea CHECK (length(policy_signature) = 65);
