-- The due index holds only pending transfers that can expire: a pending transfer without a
-- timeout (every parcel's escrow hold) was entered on its hold and removed on its capture, one
-- index page written each time for nothing (decision 36's measurement, docs/performance.md).
-- The due query's `expires_at_ms <= $1` implies `expires_at_ms IS NOT NULL`, so it still uses it.
DROP INDEX ledger_transfers_due;
CREATE INDEX ledger_transfers_due ON ledger_transfers (expires_at_ms)
    WHERE pending_state = 'pending' AND expires_at_ms IS NOT NULL;
