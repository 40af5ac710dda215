-- The API's GraphQL response cache (api/graphql/response-cache.ts) keeps the supporter query's
-- answers in memory and must learn, from any process, when a row behind an answer changed. Every
-- table those answers read NOTIFYs `ledger_read_model` in the writer's transaction (delivered at
-- commit, only if it commits, in commit order):
--
-- - the payload '*' for tables that change many supporters at once (the oracle's statements and
--   leaves, and every table behind `lifecycle_version`: epochs, epoch_state, the indexed root
--   proposals, finalizations and vetoes), a few times per epoch;
-- - the payload '0x<address>' per row for the per-supporter tables: nodes (registration, founder
--   status), payout_addresses (both the node and the payout address) and chain_claims (the
--   claiming account; a reorg's rewind deletes, which notifies too).
--
-- PostgreSQL folds identical payloads of one transaction into one notification, so a bulk write
-- of 100 000 statements sends one '*'.
CREATE FUNCTION notify_read_model_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ledger_read_model', '*');
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION bump_lifecycle_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lifecycle_version SET version = version + 1;
  PERFORM pg_notify('ledger_read_model', '*');
  RETURN NULL;
END
$$;

CREATE TRIGGER epoch_statements_read_model AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON epoch_statements
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_model_all();
CREATE TRIGGER epoch_leaves_read_model AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON epoch_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_model_all();
CREATE TRIGGER nodes_read_model_truncate AFTER TRUNCATE ON nodes
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_model_all();
CREATE TRIGGER payout_addresses_read_model_truncate AFTER TRUNCATE ON payout_addresses
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_model_all();
CREATE TRIGGER chain_claims_read_model_truncate AFTER TRUNCATE ON chain_claims
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_model_all();

CREATE FUNCTION notify_read_model_address(address bytea) RETURNS void LANGUAGE sql AS $$
  SELECT pg_notify('ledger_read_model', '0x' || encode(address, 'hex'))
$$;

CREATE FUNCTION notify_read_model_node() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM notify_read_model_address(OLD.address); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM notify_read_model_address(NEW.address); END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_read_model_payout_address() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM notify_read_model_address(OLD.node_address);
    PERFORM notify_read_model_address(OLD.payout_address);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM notify_read_model_address(NEW.node_address);
    PERFORM notify_read_model_address(NEW.payout_address);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION notify_read_model_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM notify_read_model_address(OLD.account); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM notify_read_model_address(NEW.account); END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER nodes_read_model AFTER INSERT OR UPDATE OR DELETE ON nodes
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_node();
CREATE TRIGGER payout_addresses_read_model AFTER INSERT OR UPDATE OR DELETE ON payout_addresses
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_payout_address();
CREATE TRIGGER chain_claims_read_model AFTER INSERT OR UPDATE OR DELETE ON chain_claims
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_claim();
