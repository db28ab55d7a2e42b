-- Idempotent consumption: a consumer records each CloudEvent id it applied, in the same transaction as the
-- effect, so a redelivered or replayed event changes nothing.
CREATE TABLE inbox (
    consumer     TEXT        NOT NULL,
    event_id     TEXT        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
