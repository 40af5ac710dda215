-- The chain indexer's tables (issue 7): the RewardsDistributor's events as immutable rows, the
-- blocks the indexer has seen (for reorg detection by hash), and its checkpoint.
--
-- Writer: the indexer (api/indexer/, through indexer/repositories/chain.ts) only.
-- Event rows are never updated; a reorg deletes the rows above the last common block and the
-- indexer re-reads them. Aggregates (per-epoch status, per-account totals, reconciliation) are
-- derived from these rows by queries, so a rewind never leaves a stale aggregate behind.
-- Conventions as in 0002: addresses bytea(20), hashes bytea(32), µUSD numeric(78,0), chain
-- times unix seconds int8. Event ids are the subgraph's: transaction hash ‖ int32 LE log index.

-- Where the indexer stands: every block up to block_number (with this hash) has been read.
CREATE TABLE chain_checkpoint (
  chain_id      int8 NOT NULL,
  contract      bytea NOT NULL CHECK (length(contract) = 20),
  block_number  int8 NOT NULL CHECK (block_number >= 0),
  block_hash    bytea NOT NULL CHECK (length(block_hash) = 32),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, contract)
);

-- Blocks the indexer read (those that carried events, and each range's last block), kept while
-- a reorg can still reach them: walked back to find the last common block after a reorg.
CREATE TABLE chain_blocks (
  chain_id      int8 NOT NULL,
  block_number  int8 NOT NULL,
  block_hash    bytea NOT NULL CHECK (length(block_hash) = 32),
  parent_hash   bytea NOT NULL CHECK (length(parent_hash) = 32),
  timestamp     int8 NOT NULL,
  PRIMARY KEY (chain_id, block_number)
);

-- Every distributor log, decoded (integers as decimal strings in args).
CREATE TABLE chain_events (
  id               bytea PRIMARY KEY,
  block_number     int8 NOT NULL,
  log_index        int4 NOT NULL,
  block_hash       bytea NOT NULL,
  block_timestamp  int8 NOT NULL,
  transaction_hash bytea NOT NULL,
  event_name       text NOT NULL,
  args             jsonb NOT NULL,
  UNIQUE (block_number, log_index)
);

CREATE TABLE chain_root_proposals (
  id                   bytea PRIMARY KEY,
  epoch                int8 NOT NULL,
  root                 bytea NOT NULL,
  cumulative_total     numeric(78,0) NOT NULL,
  receipts_root        bytea NOT NULL,
  dataset_hash         bytea NOT NULL,
  rate_card_hash       bytea NOT NULL,
  valid_at             int8 NOT NULL,
  signers              bytea[] NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_root_proposals_epoch ON chain_root_proposals (epoch, block_number DESC, log_index DESC);

CREATE TABLE chain_root_vetoes (
  id                   bytea PRIMARY KEY,
  epoch                int8 NOT NULL,
  guardian             bytea NOT NULL,
  reason               text NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_root_vetoes_epoch ON chain_root_vetoes (epoch, block_number DESC, log_index DESC);

CREATE TABLE chain_root_finalizations (
  id                   bytea PRIMARY KEY,
  epoch                int8 NOT NULL,
  cumulative_total     numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_root_finalizations_epoch ON chain_root_finalizations (epoch);

CREATE TABLE chain_claims (
  id                   bytea PRIMARY KEY,
  account              bytea NOT NULL,
  recipient            bytea NOT NULL,
  amount               numeric(78,0) NOT NULL,
  cumulative_claimed   numeric(78,0) NOT NULL,
  epoch                int8 NOT NULL,
  -- set when the same transaction emitted ClaimAuthorizationUsed (claimWithSig)
  relayer              bytea,
  relayer_fee          numeric(78,0),
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_claims_account ON chain_claims (account, block_number DESC, log_index DESC);
CREATE INDEX chain_claims_epoch ON chain_claims (epoch);
CREATE INDEX chain_claims_order ON chain_claims (block_number DESC, log_index DESC);

CREATE TABLE chain_fundings (
  id                   bytea PRIMARY KEY,
  funder               bytea NOT NULL,
  amount               numeric(78,0) NOT NULL,
  net_funded           numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_fundings_order ON chain_fundings (block_number DESC, log_index DESC);

CREATE TABLE chain_withdrawals (
  id                   bytea PRIMARY KEY,
  recipient            bytea NOT NULL,
  amount               numeric(78,0) NOT NULL,
  net_funded           numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_withdrawals_order ON chain_withdrawals (block_number DESC, log_index DESC);

-- The contract's token balance as last read by the indexer at its checkpoint (reconciliation).
CREATE TABLE chain_balances (
  chain_id      int8 NOT NULL,
  contract      bytea NOT NULL CHECK (length(contract) = 20),
  block_number  int8 NOT NULL,
  token         bytea NOT NULL CHECK (length(token) = 20),
  balance       numeric(78,0) NOT NULL,
  PRIMARY KEY (chain_id, contract)
);
