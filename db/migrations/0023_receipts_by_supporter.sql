-- A supporter's receipts, newest first (GraphQL `Supporter.receipts`, `Supporter.sessions`,
-- api/repositories/graphql-supporters.ts and graphql-receipts.ts): without this index each page
-- walked the primary key (epoch, session_id, supporter, seq) of every partition backwards until
-- it found the supporter's rows — ≈ 65 ms at 10⁶ receipts in two epochs, growing with every
-- epoch — on a public endpoint; with it ≈ 0.6 ms. Created on every partition, present and future.
-- It costs ingest one more B-tree insert per receipt.
CREATE INDEX receipts_supporter ON receipts (supporter, epoch, session_id, seq);
