-- `supporter(address)` looks a payout address up among the nodes' payout addresses
-- (api/repositories/graphql-supporters.ts nodesOfSupporter): without this index every query
-- scanned payout_addresses and nodes in full (≈ 50 ms at 100 000 supporters, bench/graphql.ts).
CREATE INDEX payout_addresses_payout ON payout_addresses (payout_address);
