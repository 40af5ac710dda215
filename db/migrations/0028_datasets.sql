-- Published epoch datasets, content-addressed (issue 16, part 3): every API replica and every
-- oracle reads an epoch's dataset here, so none needs the disk of the oracle that computed it;
-- a process's `<dataDir>/datasets/<hash>.jsonl` is only a cache of these rows.
-- One writer: the oracle, in the transaction that records the epoch COMPUTED. Never updated.
CREATE TABLE IF NOT EXISTS epoch_dataset_chunks (
  dataset_hash bytea   NOT NULL CHECK (octet_length(dataset_hash) = 32),
  chunk_no     integer NOT NULL CHECK (chunk_no >= 0),
  bytes        bytea   NOT NULL,
  PRIMARY KEY (dataset_hash, chunk_no)
);

-- A dataset is readable once its row here exists (written after all of its chunks).
CREATE TABLE IF NOT EXISTS epoch_datasets (
  dataset_hash bytea       PRIMARY KEY CHECK (octet_length(dataset_hash) = 32),
  byte_length  int8        NOT NULL CHECK (byte_length >= 0),
  chunk_bytes  integer     NOT NULL CHECK (chunk_bytes > 0),
  chunk_count  integer     NOT NULL CHECK (chunk_count >= 0),
  stored_at    timestamptz NOT NULL DEFAULT now()
);
