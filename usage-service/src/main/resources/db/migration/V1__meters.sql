-- Meter definitions. A meter counts events of one CloudEvent type (optionally filtered on data) into hourly
-- buckets; its aggregation is fixed once it has data.
CREATE TABLE meters (
    slug           TEXT PRIMARY KEY,
    event_type     TEXT        NOT NULL,
    aggregation    TEXT        NOT NULL CHECK (aggregation IN ('count', 'sum', 'max', 'min', 'unique_count', 'latest')),
    value_property TEXT,
    group_by       JSONB       NOT NULL DEFAULT '{}'::jsonb,
    filter         JSONB       NOT NULL DEFAULT '{}'::jsonb,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX meters_event_type ON meters (event_type);
