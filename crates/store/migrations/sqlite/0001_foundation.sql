-- Hub identity, parties, API keys, catalog, orders, idempotency records.
-- Money: integer minor units beside an ISO 4217 code. Times: Unix milliseconds (UTC).

CREATE TABLE hub_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE parties (
    id                  TEXT PRIMARY KEY,
    role                TEXT NOT NULL,
    legal_name          TEXT NOT NULL,
    country             TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    contact_name        TEXT,
    contact_email       TEXT,
    contact_phone       TEXT,
    status              TEXT NOT NULL,
    created_at_ms       INTEGER NOT NULL
);
CREATE INDEX parties_role ON parties (role, id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    party_id      TEXT NOT NULL REFERENCES parties (id),
    token_sha256  TEXT NOT NULL UNIQUE,
    token_prefix  TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);
CREATE INDEX api_keys_party ON api_keys (party_id);

CREATE TABLE products (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES parties (id),
    sku           TEXT NOT NULL,
    title         TEXT NOT NULL,
    hs_code       TEXT NOT NULL,
    origin        TEXT NOT NULL,
    unit_price    INTEGER NOT NULL CHECK (unit_price >= 0),
    currency      TEXT NOT NULL,
    net_weight_g  INTEGER NOT NULL CHECK (net_weight_g > 0),
    version       INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    CONSTRAINT products_merchant_sku UNIQUE (merchant_id, sku)
);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    merchant_id     TEXT NOT NULL REFERENCES parties (id),
    submitted_by    TEXT NOT NULL REFERENCES parties (id),
    order_no        TEXT,
    status          TEXT NOT NULL,
    buyer_name      TEXT NOT NULL,
    buyer_id_type   TEXT NOT NULL,
    buyer_id_number TEXT NOT NULL,
    buyer_country   TEXT NOT NULL,
    buyer_address   TEXT NOT NULL,
    buyer_phone     TEXT NOT NULL,
    destination     TEXT NOT NULL,
    currency        TEXT NOT NULL,
    goods_value     INTEGER NOT NULL CHECK (goods_value >= 0),
    freight         INTEGER NOT NULL CHECK (freight >= 0),
    insurance       INTEGER NOT NULL CHECK (insurance >= 0),
    total           INTEGER NOT NULL CHECK (total = goods_value + freight + insurance),
    incoterm        TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    CONSTRAINT orders_merchant_order_no UNIQUE (merchant_id, order_no)
);
CREATE INDEX orders_merchant ON orders (merchant_id, id);
CREATE INDEX orders_submitter ON orders (submitted_by, id);

CREATE TABLE order_lines (
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
);

CREATE TABLE idempotency_keys (
    party_id       TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    response_body  TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (party_id, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at_ms);
