-- A customer's spend alert thresholds: a budget with percentages, a spend cap, and a credits-low amount.
CREATE TABLE spend_alert_settings (
    customer_id       TEXT PRIMARY KEY,
    budget            NUMERIC,
    percentages       INT[]       NOT NULL,
    spend_cap         NUMERIC,
    credits_low_below NUMERIC,
    updated_at        TIMESTAMPTZ NOT NULL
);

-- Every alert sent; the unique key makes each threshold fire once per customer and period, however often spend is
-- recomputed (redeliveries and replays included). The payload is what went to billing.alerts.
CREATE TABLE spend_alerts (
    seq          BIGSERIAL PRIMARY KEY,
    customer_id  TEXT        NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    kind         TEXT        NOT NULL,
    threshold    TEXT        NOT NULL,
    event_type   TEXT        NOT NULL,
    payload      JSONB       NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, period_start, kind, threshold)
);
CREATE INDEX spend_alerts_customer ON spend_alerts (customer_id, seq);
