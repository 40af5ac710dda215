-- Migration 0021 bumped `lifecycle_version` with statement-level triggers, which lock its row at
-- the writing statement and hold the lock until the transaction ends: an oracle transaction that
-- updates epoch_state early and then writes 100 000 statements would hold it for seconds, and
-- every other writer of these tables (the indexer's proposals, ingest creating the next epoch's
-- row) would wait behind it. Deferred constraint triggers bump it at commit instead: the lock is
-- taken last and held only while the transaction commits, and the bump is still in the writer's
-- transaction (visible atomically with its rows, which is what readers rely on). A statement that
-- changes no row no longer bumps it (nothing changed).
DROP TRIGGER epochs_lifecycle_version ON epochs;
DROP TRIGGER epoch_state_lifecycle_version ON epoch_state;
DROP TRIGGER chain_root_proposals_lifecycle_version ON chain_root_proposals;
DROP TRIGGER chain_root_finalizations_lifecycle_version ON chain_root_finalizations;
DROP TRIGGER chain_root_vetoes_lifecycle_version ON chain_root_vetoes;

CREATE CONSTRAINT TRIGGER epochs_lifecycle_version AFTER INSERT OR UPDATE OR DELETE ON epochs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_lifecycle_version();
CREATE CONSTRAINT TRIGGER epoch_state_lifecycle_version AFTER INSERT OR UPDATE OR DELETE ON epoch_state
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_lifecycle_version();
CREATE CONSTRAINT TRIGGER chain_root_proposals_lifecycle_version AFTER INSERT OR UPDATE OR DELETE ON chain_root_proposals
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_lifecycle_version();
CREATE CONSTRAINT TRIGGER chain_root_finalizations_lifecycle_version AFTER INSERT OR UPDATE OR DELETE ON chain_root_finalizations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_lifecycle_version();
CREATE CONSTRAINT TRIGGER chain_root_vetoes_lifecycle_version AFTER INSERT OR UPDATE OR DELETE ON chain_root_vetoes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_lifecycle_version();

-- Constraint triggers are per row, so TRUNCATE (tests, manual repair) keeps a statement trigger.
CREATE TRIGGER epochs_lifecycle_version_truncate AFTER TRUNCATE ON epochs
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER epoch_state_lifecycle_version_truncate AFTER TRUNCATE ON epoch_state
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_proposals_lifecycle_version_truncate AFTER TRUNCATE ON chain_root_proposals
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_finalizations_lifecycle_version_truncate AFTER TRUNCATE ON chain_root_finalizations
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
CREATE TRIGGER chain_root_vetoes_lifecycle_version_truncate AFTER TRUNCATE ON chain_root_vetoes
  FOR EACH STATEMENT EXECUTE FUNCTION bump_lifecycle_version();
