-- The submitter index holds only orders a platform submitted for a merchant: a merchant's own
-- orders are found by the merchant index, which every order has (one index fewer written for
-- each order a merchant places itself: docs/performance.md).
DROP INDEX orders_submitter;
CREATE INDEX orders_submitter ON orders (submitted_by, id) WHERE submitted_by <> merchant_id;
