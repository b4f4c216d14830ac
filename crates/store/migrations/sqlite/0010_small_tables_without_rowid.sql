-- Three small tables keyed by a composite primary key are stored as WITHOUT ROWID tables.
--
-- A rowid table with a primary key that is not an integer is two B-trees: the rows, in rowid
-- order, and an index from the key to the rowid. Every insert writes both, and a commit writes at
-- least one page of each B-tree it touches. Order lines, audit entries and buyer quotas are only
-- ever read by their key (or its prefix), and their rows are small, so keeping the rows in the
-- key's B-tree itself halves what an insert writes there: every parcel inserts into all three.
-- Measured in docs/performance.md (decision 37). PostgreSQL has no rowid: nothing changes there.
--
-- Each is a leaf table (no other table references it), so it is rebuilt in place: the new table
-- is filled, the old one dropped (its triggers go with it; a DROP fires no trigger), and the new
-- one renamed. Rows are copied unchanged.

CREATE TABLE order_lines_new (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    line_no     INTEGER NOT NULL,
    product_id  TEXT,
    sku         TEXT,
    hs_code     TEXT NOT NULL,
    description TEXT NOT NULL,
    origin      TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    line_value  INTEGER NOT NULL CHECK (line_value = quantity * unit_price),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
INSERT INTO order_lines_new (order_id, line_no, product_id, sku, hs_code, description, origin,
                             quantity, unit_price, line_value)
    SELECT order_id, line_no, product_id, sku, hs_code, description, origin,
           quantity, unit_price, line_value
    FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;

CREATE TABLE declaration_audit_new (
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    seq            BIGINT NOT NULL,
    at_ms          BIGINT NOT NULL,
    actor_id       TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    channel        TEXT,
    reason         TEXT NOT NULL,
    PRIMARY KEY (declaration_id, seq)
) WITHOUT ROWID;
INSERT INTO declaration_audit_new (declaration_id, seq, at_ms, actor_id, action, from_status,
                                   to_status, channel, reason)
    SELECT declaration_id, seq, at_ms, actor_id, action, from_status, to_status, channel, reason
    FROM declaration_audit;
DROP TABLE declaration_audit;
ALTER TABLE declaration_audit_new RENAME TO declaration_audit;
-- Append-only, as before: the hub only inserts here.
CREATE TRIGGER declaration_audit_no_update BEFORE UPDATE ON declaration_audit
BEGIN SELECT RAISE(ABORT, 'declaration_audit is append-only'); END;
CREATE TRIGGER declaration_audit_no_delete BEFORE DELETE ON declaration_audit
BEGIN SELECT RAISE(ABORT, 'declaration_audit is append-only'); END;

CREATE TABLE buyer_quotas_new (
    destination TEXT NOT NULL,
    year        BIGINT NOT NULL,
    -- SHA-256 of the buyer's ID type and number: the quota needs no second clear copy of them.
    buyer_ref   TEXT NOT NULL,
    currency    TEXT NOT NULL,
    used        BIGINT NOT NULL CHECK (used >= 0),
    PRIMARY KEY (destination, year, buyer_ref)
) WITHOUT ROWID;
INSERT INTO buyer_quotas_new (destination, year, buyer_ref, currency, used)
    SELECT destination, year, buyer_ref, currency, used FROM buyer_quotas;
DROP TABLE buyer_quotas;
ALTER TABLE buyer_quotas_new RENAME TO buyer_quotas;
