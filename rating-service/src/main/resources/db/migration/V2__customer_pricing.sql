-- Credits: grants (a plan's credit_grant per period, promotional) and prepaid wallets (top-ups).
CREATE TABLE credit_sources (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT           NOT NULL,
    kind            TEXT           NOT NULL CHECK (kind IN ('grant', 'promotional', 'prepaid')),
    currency        CHAR(3)        NOT NULL,
    amount          NUMERIC(30, 10) NOT NULL CHECK (amount > 0),
    remaining       NUMERIC(30, 10) NOT NULL CHECK (remaining >= 0),
    priority        INT            NOT NULL DEFAULT 100,
    expires_at      TIMESTAMPTZ,
    description     TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ    NOT NULL,
    UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX credit_sources_customer ON credit_sources (customer_id);

-- Append-only ledger: every change of a credit balance, with the balance after it.
CREATE TABLE credit_ledger (
    seq           BIGSERIAL PRIMARY KEY,
    customer_id   TEXT            NOT NULL,
    source_id     TEXT            NOT NULL REFERENCES credit_sources (id),
    delta         NUMERIC(30, 10) NOT NULL,
    balance_after NUMERIC(30, 10) NOT NULL,
    reason        TEXT            NOT NULL,
    reference     TEXT,
    at            TIMESTAMPTZ     NOT NULL
);
CREATE INDEX credit_ledger_customer ON credit_ledger (customer_id, seq);
CREATE FUNCTION credit_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit_ledger is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();

-- Per-customer price overrides: replace the plan's charge for one meter.
CREATE TABLE price_overrides (
    customer_id TEXT        NOT NULL,
    meter       TEXT        NOT NULL,
    charge      JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, meter)
);

-- Coupons and the discounts they grant customers (percent or amount, for N periods or forever).
CREATE TABLE coupons (
    code             TEXT PRIMARY KEY,
    percent          NUMERIC(10, 4),
    amount           NUMERIC(30, 10),
    currency         CHAR(3),
    duration_periods INT,
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK ((percent IS NULL) <> (amount IS NULL))
);
CREATE TABLE customer_discounts (
    id          BIGSERIAL PRIMARY KEY,
    customer_id TEXT        NOT NULL,
    coupon_code TEXT        NOT NULL REFERENCES coupons (code),
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_discounts_customer ON customer_discounts (customer_id);
