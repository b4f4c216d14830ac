-- The ledger: double-entry, multi-currency accounts and transfers (crates/ledger), the payouts
-- made from it. Amounts: integer minor units of the account's currency.
--
-- Balance flags (bit 1: debits must not exceed credits, bit 2: credits must not exceed debits)
-- are enforced here as well as in the ledger crate: a bug there cannot store a violation.

CREATE TABLE ledger_accounts (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL,
    currency        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    code            TEXT NOT NULL,
    flags           BIGINT NOT NULL,
    debits_pending  BIGINT NOT NULL CHECK (debits_pending >= 0),
    debits_posted   BIGINT NOT NULL CHECK (debits_posted >= 0),
    credits_pending BIGINT NOT NULL CHECK (credits_pending >= 0),
    credits_posted  BIGINT NOT NULL CHECK (credits_posted >= 0),
    created_at_ms   BIGINT NOT NULL,
    CONSTRAINT ledger_accounts_owner_currency_code UNIQUE (owner_id, currency, code),
    CHECK ((flags & 1) = 0 OR debits_pending + debits_posted <= credits_posted),
    CHECK ((flags & 2) = 0 OR credits_pending + credits_posted <= debits_posted)
);

CREATE TABLE ledger_transfers (
    id                TEXT PRIMARY KEY,
    debit_account_id  TEXT NOT NULL REFERENCES ledger_accounts (id),
    credit_account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount            BIGINT NOT NULL CHECK (amount >= 0),
    currency          TEXT NOT NULL,
    pending_id        TEXT,
    timeout_ms        BIGINT NOT NULL,
    code              TEXT NOT NULL,
    user_ref          TEXT NOT NULL,
    flags             BIGINT NOT NULL,
    fx_base           TEXT,
    fx_quote          TEXT,
    fx_rate           TEXT,
    fx_source         TEXT,
    timestamp_ms      BIGINT NOT NULL,
    -- For a pending transfer: pending, posted, voided or expired; and when it expires.
    pending_state     TEXT,
    posted_amount     BIGINT,
    expires_at_ms     BIGINT
);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, id);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, id);
CREATE INDEX ledger_transfers_due ON ledger_transfers (expires_at_ms) WHERE pending_state = 'pending';
-- The writer loads the newest pending transfers at start.
CREATE INDEX ledger_transfers_pending ON ledger_transfers (id) WHERE pending_state = 'pending';

CREATE TABLE payouts (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES parties (id),
    source_account_id  TEXT NOT NULL REFERENCES ledger_accounts (id),
    source_currency    TEXT NOT NULL,
    source_amount      BIGINT NOT NULL CHECK (source_amount > 0),
    currency           TEXT NOT NULL,
    amount             BIGINT NOT NULL CHECK (amount > 0),
    fx_rate            TEXT,
    fx_source          TEXT,
    fx_as_of_ms        BIGINT,
    creditor_name      TEXT NOT NULL,
    creditor_account   TEXT NOT NULL,
    creditor_agent_bic TEXT NOT NULL,
    transfer_ids       TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at_ms      BIGINT NOT NULL
);
CREATE INDEX payouts_merchant ON payouts (merchant_id, id);
