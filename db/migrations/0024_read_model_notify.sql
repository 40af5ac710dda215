-- The API's GraphQL response cache (read-api/graphql/response-cache.ts) keeps the supporter query's
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

-- One row function for the per-address tables: TG_ARGV names the row's address columns (bytea,
-- which to_jsonb renders as '\x…'); the old and the new row's addresses are notified.
CREATE FUNCTION notify_read_model_addresses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text;
BEGIN
  FOREACH col IN ARRAY TG_ARGV LOOP
    IF TG_OP <> 'INSERT' THEN
      PERFORM pg_notify('ledger_read_model', '0x' || substr(to_jsonb(OLD) ->> col, 3));
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM pg_notify('ledger_read_model', '0x' || substr(to_jsonb(NEW) ->> col, 3));
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER nodes_read_model AFTER INSERT OR UPDATE OR DELETE ON nodes
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_addresses('address');
CREATE TRIGGER payout_addresses_read_model AFTER INSERT OR UPDATE OR DELETE ON payout_addresses
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_addresses('node_address', 'payout_address');
CREATE TRIGGER chain_claims_read_model AFTER INSERT OR UPDATE OR DELETE ON chain_claims
  FOR EACH ROW EXECUTE FUNCTION notify_read_model_addresses('account');
