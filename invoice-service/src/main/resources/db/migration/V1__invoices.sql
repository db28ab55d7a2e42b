CREATE TABLE invoices (
    id           TEXT PRIMARY KEY,
    number       TEXT UNIQUE,
    customer_id  TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    currency     CHAR(3)     NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    subtotal     NUMERIC(30, 10) NOT NULL,
    tax          NUMERIC(30, 10) NOT NULL,
    total        NUMERIC(30, 10) NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_customer ON invoices (customer_id, id);
