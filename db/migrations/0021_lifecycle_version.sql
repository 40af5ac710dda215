-- The supporter query's lifecycle totals depend on a few per-epoch facts that do not depend on
-- the account: which chain epoch is finalized / committed (and its validAt) / computed, and
-- which oracle epoch holds the leaves of each. The API caches them in-process
-- (read-api/graphql/lifecycle-facts.ts) and needs to know when they can have changed, including
-- when another process (the oracle, another API replica's indexer) changed them.
--
-- `lifecycle_version` is one row whose `version` grows with every statement that writes a table
-- the facts are read from, in the writer's transaction. A reader that reads `version` in the
-- same statement as the leaves sees the version of exactly the snapshot it read, so a cached
-- fact is only ever used with the snapshot it was computed from: it can never be stale.
CREATE TABLE lifecycle_version (
  id       bool PRIMARY KEY DEFAULT true CHECK (id),
  version  int8 NOT NULL
);
INSERT INTO lifecycle_version (id, version) VALUES (true, 1);

CREATE FUNCTION bump_lifecycle_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lifecycle_version SET version = version + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER epochs_lifecycle_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON epochs
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER epoch_state_lifecycle_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON epoch_state
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_proposals_lifecycle_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chain_root_proposals
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_finalizations_lifecycle_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chain_root_finalizations
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_vetoes_lifecycle_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chain_root_vetoes
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();

-- A supporter's statements, newest first (api/repositories/graphql-oracle.ts statementsOfAccounts):
-- one range scan instead of one primary-key probe per epoch.
CREATE INDEX epoch_statements_account ON epoch_statements (account, epoch DESC);
