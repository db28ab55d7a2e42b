-- Credits a voided invoice had burnt go back through rating-service (POST /v1/customers/{id}/credits/reversals,
-- idempotent per invoice id). The job is written in the transaction that voids the invoice and worked with retries,
-- so a rating-service outage delays the reversal but never loses it.
CREATE TABLE credit_reversals (
    invoice_id      TEXT PRIMARY KEY REFERENCES invoices (id),
    customer_id     TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'running', 'succeeded')),
    attempts        INT         NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    restored        NUMERIC(30, 10),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX credit_reversals_due ON credit_reversals (next_attempt_at) WHERE status IN ('pending', 'running');
