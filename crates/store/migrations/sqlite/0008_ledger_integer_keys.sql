-- Integer keys for the ledger, and each account's movements as a chain (decision 35).
--
-- Every transfer went into two per-account indexes keyed by text ids (a 34-byte account id and
-- a 30-byte transfer id an entry): random inserts into wide entries, most of the pages a ledger
-- commit wrote. Now accounts and transfers carry an integer `seq` (the rowid; rows are never
-- deleted), each transfer names its accounts by seq, and there is no per-account index at all:
-- each transfer points to the previous transfer of its debit account and of its credit account
-- (`debit_prev_seq`, `credit_prev_seq`), and each account to its newest (`last_transfer_seq`).
-- An account's movements, newest first, are read by following the chain; a new transfer costs
-- two integers in its own row and one in each account's row, which the batch rewrites anyway.
-- The text ids stay the public keys (unique), and the text account ids stay on each transfer.
--
-- SQLite cannot change a table's primary key in place: the three ledger tables are rebuilt
-- (children dropped before their parent, so no foreign key is ever left dangling; renaming a
-- table rewrites the references other tables make to it). Existing rows keep their order, and
-- the chains are built from it.

CREATE TABLE ledger_accounts_new (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
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
    -- The newest transfer that moved the account (NULL: none yet).
    last_transfer_seq INTEGER,
    CONSTRAINT ledger_accounts_owner_currency_code UNIQUE (owner_id, currency, code),
    CHECK ((flags & 1) = 0 OR debits_pending + debits_posted <= credits_posted),
    CHECK ((flags & 2) = 0 OR credits_pending + credits_posted <= debits_posted)
);
INSERT INTO ledger_accounts_new (seq, id, owner_id, currency, kind, code, flags, debits_pending,
                                 debits_posted, credits_pending, credits_posted, created_at_ms)
SELECT row_number() OVER (ORDER BY rowid), id, owner_id, currency, kind, code, flags, debits_pending,
       debits_posted, credits_pending, credits_posted, created_at_ms
FROM ledger_accounts;

CREATE TABLE ledger_transfers_new (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    debit_seq         INTEGER NOT NULL REFERENCES ledger_accounts_new (seq),
    credit_seq        INTEGER NOT NULL REFERENCES ledger_accounts_new (seq),
    -- The previous transfer of the debit account and of the credit account (NULL: the first).
    debit_prev_seq    INTEGER,
    credit_prev_seq   INTEGER,
    debit_account_id  TEXT NOT NULL,
    credit_account_id TEXT NOT NULL,
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
WITH numbered AS (
    SELECT row_number() OVER (ORDER BY t.rowid) AS seq, d.seq AS dseq, c.seq AS cseq, t.*
    FROM ledger_transfers AS t
    JOIN ledger_accounts_new AS d ON d.id = t.debit_account_id
    JOIN ledger_accounts_new AS c ON c.id = t.credit_account_id
),
postings AS (
    SELECT seq, dseq AS account_seq FROM numbered
    UNION ALL
    SELECT seq, cseq AS account_seq FROM numbered
),
chained AS (
    SELECT seq, account_seq, lag(seq) OVER (PARTITION BY account_seq ORDER BY seq) AS prev
    FROM postings
)
INSERT INTO ledger_transfers_new (seq, id, debit_seq, credit_seq, debit_prev_seq, credit_prev_seq,
                                  debit_account_id, credit_account_id, amount, currency, pending_id,
                                  timeout_ms, code, user_ref, flags, fx_base, fx_quote, fx_rate,
                                  fx_source, timestamp_ms, pending_state, posted_amount, expires_at_ms)
SELECT n.seq, n.id, n.dseq, n.cseq, dp.prev, cp.prev, n.debit_account_id, n.credit_account_id,
       n.amount, n.currency, n.pending_id, n.timeout_ms, n.code, n.user_ref, n.flags,
       n.fx_base, n.fx_quote, n.fx_rate, n.fx_source, n.timestamp_ms,
       n.pending_state, n.posted_amount, n.expires_at_ms
FROM numbered AS n
JOIN chained AS dp ON dp.seq = n.seq AND dp.account_seq = n.dseq
JOIN chained AS cp ON cp.seq = n.seq AND cp.account_seq = n.cseq
ORDER BY n.seq;

UPDATE ledger_accounts_new SET last_transfer_seq = newest.seq
FROM (
    SELECT account_seq, max(seq) AS seq FROM (
        SELECT seq, debit_seq AS account_seq FROM ledger_transfers_new
        UNION ALL
        SELECT seq, credit_seq AS account_seq FROM ledger_transfers_new
    ) GROUP BY account_seq
) AS newest
WHERE newest.account_seq = ledger_accounts_new.seq;

CREATE TABLE payouts_new (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES parties (id),
    source_account_id  TEXT NOT NULL REFERENCES ledger_accounts_new (id),
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
INSERT INTO payouts_new (id, merchant_id, source_account_id, source_currency, source_amount, currency,
                         amount, fx_rate, fx_source, fx_as_of_ms, creditor_name, creditor_account,
                         creditor_agent_bic, transfer_ids, created_by, created_at_ms)
SELECT id, merchant_id, source_account_id, source_currency, source_amount, currency,
       amount, fx_rate, fx_source, fx_as_of_ms, creditor_name, creditor_account,
       creditor_agent_bic, transfer_ids, created_by, created_at_ms
FROM payouts;

DROP TABLE payouts;
DROP TABLE ledger_transfers;
DROP TABLE ledger_accounts;
ALTER TABLE ledger_accounts_new RENAME TO ledger_accounts;
ALTER TABLE ledger_transfers_new RENAME TO ledger_transfers;
ALTER TABLE payouts_new RENAME TO payouts;

CREATE INDEX ledger_transfers_due ON ledger_transfers (expires_at_ms) WHERE pending_state = 'pending';
-- The writer loads the newest pending transfers at start.
CREATE INDEX ledger_transfers_pending ON ledger_transfers (id) WHERE pending_state = 'pending';
CREATE INDEX payouts_merchant ON payouts (merchant_id, id);
