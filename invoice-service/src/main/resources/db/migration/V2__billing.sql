-- invoice-service: period close, immutable invoices, numbering, adjustments, credit notes, subscriptions view,
-- Stripe sync outbox, webhook inbox and dunning. Amounts are NUMERIC; the service rounds each line once to the
-- currency's minor units before storing it.

-- ---------------------------------------------------------------- invoices
ALTER TABLE invoices
    ADD COLUMN kind            TEXT        NOT NULL DEFAULT 'period',
    ADD COLUMN subscription_id TEXT,
    ADD COLUMN plan_code       TEXT,
    ADD COLUMN plan_version    INT,
    ADD COLUMN credits_applied NUMERIC(30, 10) NOT NULL DEFAULT 0,
    ADD COLUMN rated_basis     NUMERIC(30, 10),
    ADD COLUMN tax_region      TEXT,
    ADD COLUMN tax_rate        NUMERIC(12, 8),
    ADD COLUMN finalize_after  TIMESTAMPTZ,
    ADD COLUMN finalized_at    TIMESTAMPTZ,
    ADD COLUMN paid_at         TIMESTAMPTZ,
    ADD COLUMN voided_at       TIMESTAMPTZ,
    ADD COLUMN void_reason     TEXT,
    -- what the lines were generated from (rated period, fee in advance, tax rate, credits): a draft is regenerated
    -- from it, and a finalized invoice keeps it as its audit trail
    ADD COLUMN inputs          JSONB,
    ADD COLUMN updated_at      TIMESTAMPTZ;

ALTER TABLE invoices ADD CONSTRAINT invoices_status_known
    CHECK (status IN ('draft', 'finalized', 'paid', 'void', 'uncollectible'));
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_known CHECK (kind IN ('opening', 'period'));
ALTER TABLE invoices ADD CONSTRAINT invoices_numbered_when_final CHECK (status = 'draft' OR status = 'void' OR number IS NOT NULL);

-- each subscription period is invoiced exactly once (opening = the first period's fee in advance)
CREATE UNIQUE INDEX invoices_once_per_period ON invoices (customer_id, kind, period_start);
CREATE INDEX invoices_due_drafts ON invoices (finalize_after) WHERE status = 'draft';
CREATE INDEX invoices_status ON invoices (status, id);

CREATE TABLE invoice_lines (
    invoice_id   TEXT            NOT NULL REFERENCES invoices (id),
    line_no      INT             NOT NULL,
    type         TEXT            NOT NULL,
    description  TEXT            NOT NULL,
    meter        TEXT,
    quantity     NUMERIC(30, 10),
    amount       NUMERIC(30, 10) NOT NULL,
    period_start TIMESTAMPTZ,
    period_end   TIMESTAMPTZ,
    PRIMARY KEY (invoice_id, line_no)
);

-- Finalized invoices are immutable: the database refuses to change their lines or amounts, whatever the code does.
CREATE FUNCTION invoice_lines_only_on_drafts() RETURNS trigger AS $$
DECLARE
    s TEXT;
BEGIN
    SELECT status INTO s FROM invoices WHERE id = COALESCE(NEW.invoice_id, OLD.invoice_id);
    IF s IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'invoice % is %: its lines are immutable', COALESCE(NEW.invoice_id, OLD.invoice_id), s
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoice_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_only_on_drafts();

CREATE FUNCTION invoices_final_amounts_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND (
        NEW.number IS DISTINCT FROM OLD.number OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
        OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end OR NEW.subtotal IS DISTINCT FROM OLD.subtotal
        OR NEW.tax IS DISTINCT FROM OLD.tax OR NEW.total IS DISTINCT FROM OLD.total
        OR NEW.credits_applied IS DISTINCT FROM OLD.credits_applied OR NEW.inputs IS DISTINCT FROM OLD.inputs) THEN
        RAISE EXCEPTION 'invoice % is %: its number and amounts are immutable', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status IN ('paid', 'void') AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'invoice % is %: no further status change', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_final_amounts_immutable();

-- Gap-free numbers per year: the counter row is locked FOR UPDATE in the finalizing transaction, so a rollback
-- also gives the number back.
CREATE TABLE number_counters (
    scope      TEXT   NOT NULL,
    year       INT    NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (scope, year)
);

-- Corrections are new linked items, never edits: late usage, credit balances, credit notes and manual lines wait
-- here (applied_invoice_id NULL) until an invoice takes them as lines.
CREATE TABLE invoice_adjustments (
    id                 TEXT PRIMARY KEY,
    customer_id        TEXT            NOT NULL,
    currency           CHAR(3)         NOT NULL,
    kind               TEXT            NOT NULL CHECK (kind IN ('late_usage', 'balance', 'credit_note', 'manual')),
    description        TEXT            NOT NULL,
    amount             NUMERIC(30, 10) NOT NULL,
    source_invoice_id  TEXT REFERENCES invoices (id),
    applied_invoice_id TEXT REFERENCES invoices (id),
    idempotency_key    TEXT,
    created_at         TIMESTAMPTZ     NOT NULL
);
-- an operator's line added twice with the same Idempotency-Key is added once
CREATE UNIQUE INDEX invoice_adjustments_idempotent ON invoice_adjustments (source_invoice_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX invoice_adjustments_pending ON invoice_adjustments (customer_id) WHERE applied_invoice_id IS NULL;
CREATE INDEX invoice_adjustments_applied ON invoice_adjustments (applied_invoice_id);
CREATE INDEX invoice_adjustments_source ON invoice_adjustments (source_invoice_id);

CREATE TABLE credit_notes (
    id              TEXT PRIMARY KEY,
    number          TEXT            NOT NULL UNIQUE,
    invoice_id      TEXT            NOT NULL REFERENCES invoices (id),
    customer_id     TEXT            NOT NULL,
    currency        CHAR(3)         NOT NULL,
    amount          NUMERIC(30, 10) NOT NULL CHECK (amount > 0),
    reason          TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ     NOT NULL,
    UNIQUE (invoice_id, idempotency_key)
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);

-- ---------------------------------------------------------------- subscriptions and customers (from Kafka)
CREATE TABLE customers (
    id                 TEXT PRIMARY KEY,
    name               TEXT,
    email              TEXT,
    currency           CHAR(3),
    region             TEXT,
    status             TEXT,
    attributes         JSONB       NOT NULL DEFAULT '{}',
    stripe_customer_id TEXT,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE subscriptions (
    subscription_id      TEXT PRIMARY KEY,
    customer_id          TEXT        NOT NULL,
    plan_code            TEXT        NOT NULL,
    plan_version         INT         NOT NULL,
    status               TEXT        NOT NULL,
    period_anchor        TIMESTAMPTZ NOT NULL,
    current_period_start TIMESTAMPTZ,
    current_period_end   TIMESTAMPTZ,
    cancel_at_period_end BOOLEAN     NOT NULL DEFAULT FALSE,
    scheduled_plan_code  TEXT,
    scheduled_plan_version INT,
    scheduled_at         TIMESTAMPTZ,
    changed_at           TIMESTAMPTZ,
    snapshot             JSONB       NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    -- billing progress: end of the last invoiced period, and when the next one is due (NULL: evaluate again)
    opened               BOOLEAN     NOT NULL DEFAULT FALSE,
    billed_through       TIMESTAMPTZ,
    next_close_at        TIMESTAMPTZ,
    finished             BOOLEAN     NOT NULL DEFAULT FALSE
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);
CREATE INDEX subscriptions_due ON subscriptions (next_close_at) WHERE NOT finished;

CREATE TABLE subscription_plan_history (
    subscription_id TEXT        NOT NULL,
    event_id        TEXT        NOT NULL,
    effective_at    TIMESTAMPTZ NOT NULL,
    plan_code       TEXT        NOT NULL,
    plan_version    INT         NOT NULL,
    PRIMARY KEY (subscription_id, event_id)
);

-- ---------------------------------------------------------------- billing runs
CREATE TABLE billing_runs (
    id              TEXT PRIMARY KEY,
    as_of           TIMESTAMPTZ NOT NULL,
    customer_id     TEXT,
    trigger         TEXT        NOT NULL,
    idempotency_key TEXT UNIQUE,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    opened          INT         NOT NULL DEFAULT 0,
    drafted         INT         NOT NULL DEFAULT 0,
    finalized       INT         NOT NULL DEFAULT 0,
    errors          JSONB       NOT NULL DEFAULT '[]'
);

-- ---------------------------------------------------------------- Stripe sync outbox
-- One row per invoice and action (push, void, pay-<attempt>); the worker claims due rows with a lease, records
-- each Stripe object as soon as it exists, and retries with exponential backoff.
CREATE TABLE stripe_sync (
    invoice_id         TEXT        NOT NULL REFERENCES invoices (id),
    action             TEXT        NOT NULL,
    status             TEXT        NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'disabled', 'canceled')),
    attempts           INT         NOT NULL DEFAULT 0,
    next_attempt_at    TIMESTAMPTZ NOT NULL,
    lease_until        TIMESTAMPTZ,
    last_attempt_at    TIMESTAMPTZ,
    last_error         TEXT,
    stripe_customer_id TEXT,
    stripe_invoice_id  TEXT,
    items_synced       INT         NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (invoice_id, action)
);
CREATE INDEX stripe_sync_due ON stripe_sync (next_attempt_at) WHERE status IN ('pending', 'running');
CREATE INDEX stripe_sync_stripe_invoice ON stripe_sync (stripe_invoice_id);

-- ---------------------------------------------------------------- webhook inbox
CREATE TABLE stripe_events (
    event_id          TEXT PRIMARY KEY,
    type              TEXT        NOT NULL,
    stripe_invoice_id TEXT,
    invoice_id        TEXT,
    payload           TEXT        NOT NULL,
    outcome           TEXT        NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL
);

-- ---------------------------------------------------------------- dunning
CREATE TABLE dunning (
    invoice_id      TEXT PRIMARY KEY REFERENCES invoices (id),
    customer_id     TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('retrying', 'delinquent', 'recovered', 'closed')),
    failures        INT         NOT NULL,
    first_failed_at TIMESTAMPTZ NOT NULL,
    last_failed_at  TIMESTAMPTZ NOT NULL,
    next_retry_at   TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX dunning_due ON dunning (next_retry_at) WHERE status = 'retrying';
CREATE INDEX dunning_customer ON dunning (customer_id, status);
