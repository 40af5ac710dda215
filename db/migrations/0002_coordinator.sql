-- The coordinator's tables (issue 5): supporter registry, payout addresses, session grants,
-- receipts (partitioned by epoch), heartbeats, rate cards, API keys, feature flags, flag
-- overrides, CDN usage and a minimal epochs table.
--
-- Conventions:
--   * addresses (20 bytes), ids and hashes (32 bytes) and signatures (65 bytes) are bytea of
--     checked length;
--   * bytes and money that may reach uint256 are numeric(78,0) (0 ≤ x ≤ 2^256 − 1);
--   * EIP-712 uint64 fields (seq, timestamps, bit rates, nonces) are int8 and are limited
--     at the API to 0 ≤ x ≤ 2^63 − 1 (larger values are rejected, never wrapped);
--   * timestamps signed into messages are unix seconds (int8); server-side times are timestamptz.
-- Each table has one writer: the coordinator's repositories (api/repositories/), except
-- epochs, whose status the oracle advances.

-- Epochs: the coordinator creates a row (status OPEN) the first time it stores data for an
-- epoch; the oracle moves it on. Anything but OPEN refuses new receipts and heartbeats.
CREATE TABLE epochs (
  number     int8 PRIMARY KEY CHECK (number >= 0),
  status     text NOT NULL DEFAULT 'OPEN'
             CHECK (status IN ('OPEN', 'CLOSED', 'COMPUTED', 'SIGNED', 'POSTED', 'FINALIZED', 'VETOED')),
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);

-- Supporters' relay nodes, keyed by the node's signing address.
CREATE TABLE nodes (
  address           bytea PRIMARY KEY CHECK (length(address) = 20),
  founder           boolean NOT NULL DEFAULT false,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  -- the highest SupporterRegistration nonce accepted (replay protection)
  registration_nonce int8 NOT NULL CHECK (registration_nonce >= 0)
);

-- Where a node's earnings are paid, from an epoch on. A change takes effect from a later
-- epoch than the one it was submitted in; history is never rewritten.
CREATE TABLE payout_addresses (
  node_address    bytea NOT NULL REFERENCES nodes (address),
  effective_epoch int8 NOT NULL CHECK (effective_epoch >= 0),
  payout_address  bytea NOT NULL CHECK (length(payout_address) = 20),
  nonce           int8 NOT NULL CHECK (nonce >= 0),
  signature       bytea NOT NULL CHECK (length(signature) = 65),
  submitted_epoch int8 NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node_address, effective_epoch)
);

-- Session grants signed by the coordinator: a viewer's ephemeral key may sign receipts for
-- this session between not_before and not_after (unix seconds).
CREATE TABLE grants (
  session_id          bytea PRIMARY KEY CHECK (length(session_id) = 32),
  viewer              bytea NOT NULL CHECK (length(viewer) = 20),
  stream_id           bytea NOT NULL CHECK (length(stream_id) = 32),
  max_bits_per_second int8 NOT NULL CHECK (max_bits_per_second >= 0),
  not_before          int8 NOT NULL CHECK (not_before >= 0),
  not_after           int8 NOT NULL CHECK (not_after >= not_before),
  signature           bytea NOT NULL CHECK (length(signature) = 65),
  issued_by           text NOT NULL,          -- API key id
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grants_viewer ON grants (viewer);

-- Signed receipts of served bytes, partitioned by epoch (partitions receipts_e<N> are created
-- on first use). cumulative_bytes is what the viewer signed; delta_bytes is what this
-- receipt added over the previous highest cumulative of its (session, supporter): only the
-- increase counts. verdict/reason: 'accepted' (delta > 0) or 'duplicate' with reason
-- 'NON_MONOTONIC' (a newer seq that did not increase the bytes; kept for the fraud rules).
-- Rejected receipts are never stored. Exact replays (seq not above the head) are not stored
-- again.
CREATE TABLE receipts (
  epoch             int8 NOT NULL,
  session_id        bytea NOT NULL,
  supporter         bytea NOT NULL,
  viewer            bytea NOT NULL,
  seq               int8 NOT NULL CHECK (seq >= 0),
  cumulative_bytes  numeric(78,0) NOT NULL CHECK (cumulative_bytes >= 0),
  delta_bytes       numeric(78,0) NOT NULL CHECK (delta_bytes >= 0),
  timestamp         int8 NOT NULL CHECK (timestamp >= 0),
  signature         bytea NOT NULL,
  verdict           text NOT NULL CHECK (verdict IN ('accepted', 'duplicate')),
  reason            text,
  received_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (epoch, session_id, supporter, seq)
) PARTITION BY LIST (epoch);

-- The highest (seq, cumulative bytes) stored per (session, supporter), across epochs: the
-- row ingest locks to decide monotonicity, so concurrent API processes never double-count.
CREATE TABLE receipt_heads (
  session_id        bytea NOT NULL,
  supporter         bytea NOT NULL,
  last_seq          int8 NOT NULL,          -- -1 before the first receipt
  cumulative_bytes  numeric(78,0) NOT NULL, -- 0 before the first receipt
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, supporter)
);

-- Signed node heartbeats (uptime); a replay of the same (node, timestamp) is a duplicate.
CREATE TABLE heartbeats (
  node_address bytea NOT NULL REFERENCES nodes (address),
  timestamp    int8 NOT NULL CHECK (timestamp >= 0),
  epoch        int8 NOT NULL,
  signature    bytea NOT NULL CHECK (length(signature) = 65),
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node_address, timestamp)
);
CREATE INDEX heartbeats_epoch_node ON heartbeats (epoch, node_address);

-- Rate cards, versioned, each effective from an epoch on.
CREATE TABLE rate_cards (
  version                   int4 PRIMARY KEY CHECK (version > 0),
  effective_epoch           int8 NOT NULL UNIQUE CHECK (effective_epoch >= 0),
  rate_micro_usd_per_gb     int8 NOT NULL CHECK (rate_micro_usd_per_gb >= 0),
  founder_multiplier_bps    int4 NOT NULL CHECK (founder_multiplier_bps >= 0),
  uptime_bonus_bps          int4 NOT NULL CHECK (uptime_bonus_bps >= 0),
  details                   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by                text NOT NULL,
  created_at                timestamptz NOT NULL DEFAULT now()
);

-- API keys: only the SHA-256 of the secret is stored.
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  secret_hash bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
  scopes      text[] NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Feature flags targeted to everyone, to founders, or to listed supporters.
CREATE TABLE feature_flags (
  key         text PRIMARY KEY CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT false,
  target      text NOT NULL DEFAULT 'all' CHECK (target IN ('all', 'founders', 'listed')),
  supporters  bytea[] NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Admin decisions on fraud flags raised at epoch close: include or exclude what a rule flagged.
CREATE TABLE flag_overrides (
  id           int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  epoch        int8 NOT NULL CHECK (epoch >= 0),
  node_address bytea NOT NULL CHECK (length(node_address) = 20),
  session_id   bytea CHECK (length(session_id) = 32),   -- NULL: every flag of the node in the epoch
  reason_code  text NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('include', 'exclude')),
  note         text NOT NULL DEFAULT '',
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flag_overrides_epoch ON flag_overrides (epoch, node_address);

-- Bytes the platform's CDN served per epoch (and provider), for the offload ratio.
CREATE TABLE cdn_usage (
  epoch       int8 NOT NULL CHECK (epoch >= 0),
  provider    text NOT NULL DEFAULT 'default',
  served_bytes numeric(78,0) NOT NULL CHECK (served_bytes >= 0),
  reported_by text NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (epoch, provider)
);
