CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    name        TEXT        NOT NULL,
    email       TEXT,
    currency    CHAR(3)     NOT NULL,
    attributes  JSONB       NOT NULL DEFAULT '{}'::jsonb,
    status      TEXT        NOT NULL DEFAULT 'active',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_attributes ON customers USING GIN (attributes);
