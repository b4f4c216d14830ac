-- An order's creation answer is replayed from the order's own row (rendered as it was created)
-- instead of a stored copy: the copy was about half the bytes an order wrote. When this column
-- is set, response_body is empty.
ALTER TABLE idempotency_keys ADD COLUMN response_order_id TEXT;
