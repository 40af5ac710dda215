-- The supporter query's read projection (issue 18): every statement's figures as typed columns,
-- keyed (account, epoch DESC) with the figures in the key's index (INCLUDE), so that a
-- supporter's newest statements are one range of adjacent index entries (an index-only scan of
-- one or two pages) instead of 31 jsonb statements scattered over as many heap pages of
-- epoch_statements, and no jsonb is read or parsed (read-api/graphql/lookahead.ts says when a
-- query's statements are answered from here; read-api/repositories/supporters.ts reads it).
--
-- Measured before choosing (bench/graphql.ts data, 20 000 supporters × 30 epochs, PostgreSQL 15):
-- one row per supporter holding its newest 31 statements as arrays reads fastest, but keeping it
-- costs an update of a ~3 KB compressed row per supporter at every epoch close (≈ 70 µs each:
-- seconds per 100 000 supporters); this table costs one narrow insert per statement.
--
-- One writer: the triggers below, in the transaction of the statement that writes epoch_statements
-- (the oracle's replaceResults or any other writer), so the projection never differs from the
-- statements it mirrors. The read-api only reads it. The figures are taken from the statement's
-- jsonb exactly as the read side parses them (statements.ts parseStatement: absent or null = 0),
-- so both paths answer alike.
CREATE TABLE statement_figures (
  account                         bytea NOT NULL CHECK (length(account) = 20),
  epoch                           int8 NOT NULL,
  receipts                        int8 NOT NULL,
  claimed_bytes                   numeric(78,0) NOT NULL,
  counted_bytes                   numeric(78,0) NOT NULL,
  earned_micro_usd                numeric(78,0) NOT NULL,
  payout_micro_usd                numeric(78,0) NOT NULL,
  previous_cumulative_micro_usd   numeric(78,0) NOT NULL,
  cumulative_micro_usd            numeric(78,0) NOT NULL,
  PRIMARY KEY (account, epoch) INCLUDE (receipts, claimed_bytes, counted_bytes, earned_micro_usd, payout_micro_usd,
                                        previous_cumulative_micro_usd, cumulative_micro_usd)
);
-- Index-only scans need the visibility map: vacuum after each epoch's bulk insert, not after 20 %.
ALTER TABLE statement_figures SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);

-- A statement's figures, from its stored row.
CREATE FUNCTION statement_figures_of(account bytea, epoch int8, s jsonb) RETURNS statement_figures
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT account, epoch,
         COALESCE((s ->> 'receipts')::numeric, 0)::int8,
         COALESCE((s ->> 'claimedBytes')::numeric, 0),
         COALESCE((s ->> 'countedBytes')::numeric, 0),
         COALESCE((s ->> 'earnedMicroUsd')::numeric, 0),
         COALESCE((s ->> 'payoutMicroUsd')::numeric, 0),
         COALESCE((s ->> 'previousCumulativeMicroUsd')::numeric, 0),
         COALESCE((s ->> 'cumulativeMicroUsd')::numeric, 0)
$$;

-- Statement-level triggers over the transition tables: a bulk write of 100 000 statements is one
-- set-based insert or delete here, not 100 000 trigger calls.
CREATE FUNCTION statement_figures_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    DELETE FROM statement_figures f USING old_statements o WHERE f.account = o.account AND f.epoch = o.epoch;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO statement_figures
    SELECT f.* FROM new_statements n, LATERAL statement_figures_of(n.account, n.epoch, n.statement) f;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER epoch_statements_figures_insert AFTER INSERT ON epoch_statements
  REFERENCING NEW TABLE AS new_statements FOR EACH STATEMENT EXECUTE FUNCTION statement_figures_sync();
CREATE TRIGGER epoch_statements_figures_update AFTER UPDATE ON epoch_statements
  REFERENCING OLD TABLE AS old_statements NEW TABLE AS new_statements
  FOR EACH STATEMENT EXECUTE FUNCTION statement_figures_sync();
CREATE TRIGGER epoch_statements_figures_delete AFTER DELETE ON epoch_statements
  REFERENCING OLD TABLE AS old_statements FOR EACH STATEMENT EXECUTE FUNCTION statement_figures_sync();

CREATE FUNCTION statement_figures_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM statement_figures;
  RETURN NULL;
END
$$;
CREATE TRIGGER epoch_statements_figures_truncate AFTER TRUNCATE ON epoch_statements
  FOR EACH STATEMENT EXECUTE FUNCTION statement_figures_truncate();

-- Back-fill from the statements already stored.
INSERT INTO statement_figures
SELECT f.* FROM epoch_statements n, LATERAL statement_figures_of(n.account, n.epoch, n.statement) f
 ORDER BY n.account, n.epoch; -- in key order: the index grows at its right edge
