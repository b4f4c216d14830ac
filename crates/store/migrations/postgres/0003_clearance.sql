-- Customs clearance: what an order carries for matching, the other two documents (payment
-- notices and waybills), declarations with their channel and risk hits, the append-only audit
-- trail of every decision, the buyers' annual quotas, risk rules, and CEB messages received.
-- Money: integer minor units beside an ISO 4217 code. Times: Unix milliseconds (UTC).

-- Parties that trade through customs messages carry their customs registration code.
ALTER TABLE parties ADD COLUMN customs_code TEXT;
CREATE UNIQUE INDEX parties_customs_code ON parties (customs_code) WHERE customs_code IS NOT NULL;

ALTER TABLE orders ADD COLUMN consignee_name TEXT;
ALTER TABLE orders ADD COLUMN consignee_address TEXT;
ALTER TABLE orders ADD COLUMN consignee_phone TEXT;
ALTER TABLE orders ADD COLUMN discount BIGINT NOT NULL DEFAULT 0 CHECK (discount >= 0);
ALTER TABLE orders ADD COLUMN tax_withheld BIGINT NOT NULL DEFAULT 0 CHECK (tax_withheld >= 0);
ALTER TABLE orders ADD COLUMN actual_paid BIGINT NOT NULL DEFAULT 0 CHECK (actual_paid >= 0);
ALTER TABLE orders ADD COLUMN payment_transaction_id TEXT;
-- The other two documents and the declaration, once the hub has matched them to the order.
ALTER TABLE orders ADD COLUMN payment_id TEXT;
ALTER TABLE orders ADD COLUMN waybill_id TEXT;
ALTER TABLE orders ADD COLUMN declaration_id TEXT;
-- Orders placed before these columns existed were paid their total.
UPDATE orders SET actual_paid = total;
-- Payments and waybills find their order by its number (order_no, or the id when it has none).
CREATE INDEX orders_order_no ON orders (order_no);

CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL REFERENCES parties (id),
    transaction_id  TEXT NOT NULL,
    order_no        TEXT NOT NULL,
    merchant_id     TEXT,
    platform_id     TEXT,
    payer_name      TEXT NOT NULL,
    payer_id_type   TEXT NOT NULL,
    payer_id_number TEXT NOT NULL,
    payer_phone     TEXT,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    paid_at_ms      BIGINT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    -- The order it belongs to, once that order is known.
    order_id        TEXT,
    -- The pending ledger transfer that holds the payment in escrow.
    hold_transfer_id TEXT,
    CONSTRAINT payments_provider_transaction UNIQUE (provider_id, transaction_id)
);
-- Documents that came before their order wait by its number; once attached, by the order.
CREATE INDEX payments_waiting ON payments (order_no) WHERE order_id IS NULL;
CREATE INDEX payments_order ON payments (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE waybills (
    id                TEXT PRIMARY KEY,
    carrier_id        TEXT NOT NULL REFERENCES parties (id),
    waybill_no        TEXT NOT NULL,
    bill_no           TEXT,
    order_no          TEXT NOT NULL,
    merchant_id       TEXT,
    consignee_name    TEXT NOT NULL,
    consignee_address TEXT NOT NULL,
    consignee_phone   TEXT NOT NULL,
    gross_weight_g    BIGINT NOT NULL CHECK (gross_weight_g > 0),
    package_count     BIGINT NOT NULL CHECK (package_count > 0),
    freight           BIGINT CHECK (freight >= 0),
    insurance         BIGINT CHECK (insurance >= 0),
    currency          TEXT,
    goods_description TEXT,
    created_at_ms     BIGINT NOT NULL,
    order_id          TEXT,
    CONSTRAINT waybills_carrier_number UNIQUE (carrier_id, waybill_no)
);
CREATE INDEX waybills_waiting ON waybills (order_no) WHERE order_id IS NULL;
CREATE INDEX waybills_order ON waybills (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE declarations (
    id             TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL UNIQUE REFERENCES orders (id),
    payment_id     TEXT NOT NULL REFERENCES payments (id),
    waybill_id     TEXT NOT NULL REFERENCES waybills (id),
    merchant_id    TEXT NOT NULL,
    submitted_by   TEXT NOT NULL,
    destination    TEXT NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL,
    channel        TEXT,
    score          BIGINT NOT NULL,
    -- The failed automatic checks and the risk rules that fired, as JSON arrays.
    failures       TEXT NOT NULL,
    hits           TEXT NOT NULL,
    -- The random-selection seed: with the rules' versions it replays the channel.
    seed           BIGINT NOT NULL,
    computed_tax   BIGINT NOT NULL CHECK (computed_tax >= 0),
    inventory_no   TEXT NOT NULL UNIQUE,
    -- What this declaration took from the buyer's annual quota, to give back exactly.
    quota_buyer    TEXT,
    quota_year     BIGINT,
    quota_amount   BIGINT NOT NULL DEFAULT 0,
    created_at_ms  BIGINT NOT NULL,
    decided_at_ms  BIGINT,
    released_at_ms BIGINT,
    -- The ledger transfers of this parcel: the escrow hold (from the payment), and once released
    -- the tax moved to customs revenue and the pending shares of the merchant and of the hub.
    hold_transfer_id     TEXT,
    tax_transfer_id      TEXT,
    merchant_transfer_id TEXT,
    fee_transfer_id      TEXT,
    version        BIGINT NOT NULL
);
CREATE INDEX declarations_queue ON declarations (status, channel, id);
CREATE INDEX declarations_merchant ON declarations (merchant_id, id);
-- The first-shipment rule asks whether a merchant ever had a declaration released.
CREATE INDEX declarations_merchant_released ON declarations (merchant_id) WHERE released_at_ms IS NOT NULL;

-- Append-only: the hub only inserts here, and the triggers below refuse any change.
CREATE TABLE declaration_audit (
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
);

CREATE TABLE buyer_quotas (
    destination TEXT NOT NULL,
    year        BIGINT NOT NULL,
    -- SHA-256 of the buyer's ID type and number: the quota needs no second clear copy of them.
    buyer_ref   TEXT NOT NULL,
    currency    TEXT NOT NULL,
    used        BIGINT NOT NULL CHECK (used >= 0),
    PRIMARY KEY (destination, year, buyer_ref)
);

CREATE TABLE risk_rules (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    enabled       BOOLEAN NOT NULL,
    version       BIGINT NOT NULL,
    -- The rule as the API shows it (JSON): condition, score, channel.
    body          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    updated_by    TEXT NOT NULL
);

-- Every CEB message received, kept as sent (the hub's record of what it was told).
CREATE TABLE ceb_messages (
    id            TEXT PRIMARY KEY,
    sender_id     TEXT NOT NULL,
    message_type  TEXT NOT NULL,
    guid          TEXT,
    body          TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL
);
-- A message is sent again with its guid: the hub answers the receipt it gave.
CREATE UNIQUE INDEX ceb_messages_sender_guid ON ceb_messages (sender_id, guid) WHERE guid IS NOT NULL;

CREATE FUNCTION ewtp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER declaration_audit_append_only BEFORE UPDATE OR DELETE ON declaration_audit
FOR EACH ROW EXECUTE FUNCTION ewtp_append_only();
