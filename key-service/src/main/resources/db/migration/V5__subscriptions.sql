-- One current subscription per customer (subscriptions.events is keyed by customer id). A new assignment after a
-- cancellation replaces the row with a new subscription id; subscription_history keeps everything.
CREATE TABLE subscriptions (
    customer_id            TEXT PRIMARY KEY REFERENCES customers (id),
    id                     TEXT        NOT NULL UNIQUE,
    plan_code              TEXT        NOT NULL,
    plan_version           INT         NOT NULL,
    status                 TEXT        NOT NULL CHECK (status IN ('active', 'suspended', 'canceled')),
    period_anchor          TIMESTAMPTZ NOT NULL,
    current_period_start   TIMESTAMPTZ NOT NULL,
    current_period_end     TIMESTAMPTZ NOT NULL,
    cancel_at              TIMESTAMPTZ,
    scheduled_plan_code    TEXT,
    scheduled_plan_version INT,
    scheduled_at           TIMESTAMPTZ,
    scheduled_reason       TEXT,
    changed_at             TIMESTAMPTZ NOT NULL,
    suspended_at           TIMESTAMPTZ,
    suspend_reason         TEXT,
    canceled_at            TIMESTAMPTZ,
    restore_plan_code      TEXT,
    restore_plan_version   INT,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    CHECK (current_period_end > current_period_start)
);
CREATE INDEX subscriptions_plan ON subscriptions (plan_code, plan_version) WHERE status <> 'canceled';
CREATE INDEX subscriptions_due ON subscriptions (current_period_end) WHERE status <> 'canceled';

-- Append-only history of every subscription change: what, who, from where, the state after it.
CREATE TABLE subscription_history (
    seq             BIGSERIAL PRIMARY KEY,
    customer_id     TEXT        NOT NULL,
    subscription_id TEXT        NOT NULL,
    action          TEXT        NOT NULL,
    actor           TEXT        NOT NULL,
    source_ip       TEXT,
    details         JSONB       NOT NULL DEFAULT '{}'::jsonb,
    snapshot        JSONB       NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscription_history_customer ON subscription_history (customer_id, seq);

CREATE FUNCTION subscription_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'subscription_history is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER subscription_history_append_only BEFORE UPDATE OR DELETE ON subscription_history
    FOR EACH ROW EXECUTE FUNCTION subscription_history_append_only();

-- Admin-scheduled migrations of a plan version's subscribers to a newer version (at each one's next period).
CREATE TABLE plan_migrations (
    id           TEXT PRIMARY KEY,
    plan_code    TEXT        NOT NULL,
    from_version INT         NOT NULL,
    to_version   INT         NOT NULL,
    scheduled    INT         NOT NULL,
    skipped      JSONB       NOT NULL DEFAULT '[]'::jsonb,
    actor        TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
