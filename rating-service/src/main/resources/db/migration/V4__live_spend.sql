-- rating-service's view of other services' state, rebuilt from their topics (idempotent upserts).
CREATE TABLE rating_customers (
    id         TEXT PRIMARY KEY,
    currency   CHAR(3)     NOT NULL,
    status     TEXT        NOT NULL,
    attributes JSONB       NOT NULL DEFAULT '{}'::jsonb,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE rating_subscriptions (
    customer_id     TEXT PRIMARY KEY,
    subscription_id TEXT        NOT NULL,
    plan_code       TEXT        NOT NULL,
    plan_version    INT         NOT NULL,
    status          TEXT        NOT NULL,
    period_anchor   TIMESTAMPTZ NOT NULL,
    snapshot        JSONB       NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- Which plan applied from when: the basis of proration and of pricing a past period.
CREATE TABLE subscription_history (
    customer_id  TEXT        NOT NULL,
    event_id     TEXT        NOT NULL,
    effective_at TIMESTAMPTZ NOT NULL,
    plan_code    TEXT        NOT NULL,
    plan_version INT         NOT NULL,
    status       TEXT        NOT NULL,
    PRIMARY KEY (customer_id, event_id)
);
CREATE INDEX subscription_history_at ON subscription_history (customer_id, effective_at);

-- Hourly usage per (customer, meter, group) from usage.aggregates; the highest version wins, so replays and
-- redeliveries change nothing.
CREATE TABLE usage_hours (
    customer_id  TEXT            NOT NULL,
    meter        TEXT            NOT NULL,
    window_start TIMESTAMPTZ     NOT NULL,
    group_key    TEXT            NOT NULL,
    env          TEXT            NOT NULL,
    aggregation  TEXT            NOT NULL,
    value        NUMERIC(38, 12) NOT NULL,
    version      BIGINT          NOT NULL,
    PRIMARY KEY (customer_id, meter, window_start, group_key, env)
);
