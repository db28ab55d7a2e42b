-- Customers can be archived (terminal): their keys are revoked and their subscription canceled in the same
-- transaction, so quota-service (which reads keys.events and subscriptions.events) stops accepting their keys.
ALTER TABLE customers ADD COLUMN archived_at TIMESTAMPTZ;
ALTER TABLE customers ADD CONSTRAINT customers_status_check CHECK (status IN ('active', 'archived'));
CREATE INDEX customers_status ON customers (status, id);

-- Idempotency-Key: the first result of a POST, returned again for a repeat by the same caller.
-- The row is claimed in the transaction that creates the resource, so a concurrent repeat waits for it.
CREATE TABLE idempotency_keys (
    scope        TEXT        NOT NULL,
    idem_key     TEXT        NOT NULL,
    request_hash TEXT        NOT NULL,
    status_code  INT,
    response     TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
