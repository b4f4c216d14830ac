-- Exchange rates the operator sets (PUT /v1/fx-rates): the current rate per pair, and every
-- rate ever set, so a quote or a conversion that names a rate can be traced to who set it when.
CREATE TABLE fx_rates (
    base_currency TEXT NOT NULL CHECK (length(base_currency) = 3),
    quote_currency TEXT NOT NULL CHECK (length(quote_currency) = 3),
    -- One unit of base in quote, as an exact decimal string.
    rate TEXT NOT NULL,
    source TEXT NOT NULL,
    as_of_ms BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms BIGINT NOT NULL,
    PRIMARY KEY (base_currency, quote_currency),
    CHECK (base_currency <> quote_currency)
);

CREATE TABLE fx_rate_history (
    base_currency TEXT NOT NULL,
    quote_currency TEXT NOT NULL,
    rate TEXT NOT NULL,
    source TEXT NOT NULL,
    as_of_ms BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms BIGINT NOT NULL
);
CREATE INDEX fx_rate_history_pair ON fx_rate_history (base_currency, quote_currency, set_at_ms);
