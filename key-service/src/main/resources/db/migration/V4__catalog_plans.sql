-- key-service's copy of billing.catalog (compacted, key code:version): enough to validate plan references and
-- key scopes. Upserted idempotently by the catalog consumer; archived is terminal.
CREATE TABLE catalog_plans (
    code         TEXT        NOT NULL,
    version      INT         NOT NULL CHECK (version > 0),
    status       TEXT        NOT NULL CHECK (status IN ('published', 'archived')),
    name         TEXT,
    currency     TEXT,
    fee          NUMERIC,
    entitlements JSONB       NOT NULL DEFAULT '[]'::jsonb,
    document     JSONB       NOT NULL,
    event_id     TEXT,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (code, version)
);
