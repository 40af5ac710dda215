-- Governance as the chain records it (issue 15, item 10): the RewardsDistributor's role grants and
-- revocations, the attempt of each root proposal, claims the circuit breaker limited, and the
-- operations of the TimelockController that is the distributor's default admin in production
-- (contracts/governance/RewardsTimelock.sol): schedule, salt, execution, cancellation, delay change.
--
-- Writer: the indexer (api/indexer/, through indexer/repositories/chain.ts) only.
-- Conventions as in 0020: immutable event rows, ids transaction hash ‖ int32 LE log index, a reorg
-- deletes the rows above the last common block (rewindAbove) and the indexer re-reads them; who holds
-- a role now and an operation's status are derived from these rows by queries, never stored.
-- Addresses bytea(20), hashes and role ids bytea(32), wei and seconds that are uint256 on-chain
-- numeric(78,0).

-- Which contract emitted a log: the distributor or its timelock (rows from before 0026: the distributor).
ALTER TABLE chain_events ADD COLUMN contract bytea CHECK (contract IS NULL OR length(contract) = 20);

-- RootProposed's `attempt` (1 for an epoch's first proposal, one more after each veto); 0 for
-- rows indexed before the contract had attempts.
ALTER TABLE chain_root_proposals ADD COLUMN attempt int8 NOT NULL DEFAULT 0;

-- ClaimLimited: the breaker let only `paid` of `due` out; the rest stays claimable.
CREATE TABLE chain_claim_limits (
  id                   bytea PRIMARY KEY,
  account              bytea NOT NULL,
  due                  numeric(78,0) NOT NULL,
  paid                 numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_claim_limits_account ON chain_claim_limits (account, block_number DESC, log_index DESC);

-- OpenZeppelin AccessControl RoleGranted / RoleRevoked, of the distributor and of its timelock.
CREATE TABLE chain_role_events (
  id                   bytea PRIMARY KEY,
  contract             bytea NOT NULL CHECK (length(contract) = 20),
  role                 bytea NOT NULL CHECK (length(role) = 32),
  account              bytea NOT NULL CHECK (length(account) = 20),
  sender               bytea NOT NULL CHECK (length(sender) = 20),
  granted              boolean NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_role_events_holder ON chain_role_events (contract, role, account, block_number DESC, log_index DESC);

-- TimelockController CallScheduled: one row per call of a (batch) operation.
CREATE TABLE chain_timelock_calls (
  id                   bytea PRIMARY KEY,
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  operation_id         bytea NOT NULL CHECK (length(operation_id) = 32),
  call_index           numeric(78,0) NOT NULL,
  target               bytea NOT NULL CHECK (length(target) = 20),
  value                numeric(78,0) NOT NULL,
  data                 bytea NOT NULL,
  predecessor          bytea NOT NULL CHECK (length(predecessor) = 32),
  delay_seconds        numeric(78,0) NOT NULL,
  -- block_timestamp + delay: the timelock's own `getTimestamp(id)` for this schedule
  ready_at             numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_timelock_calls_operation ON chain_timelock_calls (timelock, operation_id, block_number, log_index);
CREATE INDEX chain_timelock_calls_order ON chain_timelock_calls (block_number DESC, log_index DESC);

-- CallSalt (emitted with a schedule whose salt is not zero).
CREATE TABLE chain_timelock_salts (
  id                   bytea PRIMARY KEY,
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  operation_id         bytea NOT NULL CHECK (length(operation_id) = 32),
  salt                 bytea NOT NULL CHECK (length(salt) = 32),
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_timelock_salts_operation ON chain_timelock_salts (timelock, operation_id, block_number);

-- CallExecuted: one row per executed call.
CREATE TABLE chain_timelock_executions (
  id                   bytea PRIMARY KEY,
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  operation_id         bytea NOT NULL CHECK (length(operation_id) = 32),
  call_index           numeric(78,0) NOT NULL,
  target               bytea NOT NULL CHECK (length(target) = 20),
  value                numeric(78,0) NOT NULL,
  data                 bytea NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_timelock_executions_operation ON chain_timelock_executions (timelock, operation_id, block_number, log_index);

-- Cancelled.
CREATE TABLE chain_timelock_cancellations (
  id                   bytea PRIMARY KEY,
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  operation_id         bytea NOT NULL CHECK (length(operation_id) = 32),
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);
CREATE INDEX chain_timelock_cancellations_operation ON chain_timelock_cancellations (timelock, operation_id, block_number, log_index);

-- MinDelayChange (the constructor emits one from 0).
CREATE TABLE chain_timelock_delay_changes (
  id                   bytea PRIMARY KEY,
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  old_delay_seconds    numeric(78,0) NOT NULL,
  new_delay_seconds    numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  log_index            int4 NOT NULL,
  block_timestamp      int8 NOT NULL,
  transaction_hash     bytea NOT NULL
);

-- The distributor's timelock as the indexer last read it at its checkpoint (`defaultAdmin()`, and its
-- `getMinDelay()`); like chain_balances, rewritten with every range.
CREATE TABLE chain_timelocks (
  chain_id             int8 NOT NULL,
  contract             bytea NOT NULL CHECK (length(contract) = 20),
  timelock             bytea NOT NULL CHECK (length(timelock) = 20),
  min_delay_seconds    numeric(78,0) NOT NULL,
  block_number         int8 NOT NULL,
  PRIMARY KEY (chain_id, contract)
);
