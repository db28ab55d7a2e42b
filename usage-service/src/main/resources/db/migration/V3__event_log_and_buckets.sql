-- The raw event log: every usage event exactly once, immutable (only the retention purge deletes).
-- Written by the aggregator from usage.events; its primary key is the aggregator's exactly-once gate:
-- an event whose row already exists (redelivery, replay, a second copy in Kafka) changes nothing.
-- A correction is an event of its own (corrects_source/corrects_id name the original); originals are never updated.
CREATE TABLE usage_events (
    seq             BIGSERIAL,
    customer_id     TEXT COLLATE "C" NOT NULL,
    source          TEXT COLLATE "C" NOT NULL,
    event_id        TEXT COLLATE "C" NOT NULL,
    type            TEXT        NOT NULL,
    time            TIMESTAMPTZ NOT NULL,
    env             TEXT        NOT NULL,
    data            JSONB       NOT NULL,
    corrects_source TEXT COLLATE "C",
    corrects_id     TEXT COLLATE "C",
    ingested_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, source, event_id)
);
CREATE INDEX usage_events_customer_time ON usage_events (customer_id, time, seq);
CREATE INDEX usage_events_corrections ON usage_events (customer_id, corrects_source, corrects_id) WHERE corrects_id IS NOT NULL;
CREATE INDEX usage_events_ingested_at ON usage_events USING brin (ingested_at);

-- Hourly buckets per (customer, meter, env, hour, group). version grows with each change of value; it travels
-- on usage.aggregates so consumers keep the highest. revision grows with every write: writers read without
-- locking and update only the revision they read (optimistic concurrency; a lost race retries the batch).
CREATE TABLE usage_buckets (
    customer_id  TEXT COLLATE "C" NOT NULL,
    meter        TEXT COLLATE "C" NOT NULL,
    env          TEXT        NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    group_key    TEXT COLLATE "C" NOT NULL,
    group_values JSONB       NOT NULL,
    value        NUMERIC     NOT NULL,
    event_count  BIGINT      NOT NULL,
    latest_time  TIMESTAMPTZ,
    latest_seq   BIGINT      NOT NULL DEFAULT -1,
    version      BIGINT      NOT NULL,
    revision     BIGINT      NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, meter, env, window_start, group_key)
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
-- The same rows are rewritten by every batch: free space on each page keeps the updates HOT (no new index
-- entries). No other index on purpose: with one on (meter, window_start) the planner joined a batch's keys by a
-- nested loop over that index — quadratic, 20x slower. Admin queries across all customers scan the table (it
-- holds hourly aggregates, not events).

-- Distinct values of unique_count buckets: hourly counts cannot be summed into days or months, these can.
CREATE TABLE usage_unique_values (
    customer_id  TEXT COLLATE "C" NOT NULL,
    meter        TEXT COLLATE "C" NOT NULL,
    env          TEXT        NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    group_key    TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (customer_id, meter, env, window_start, group_key, value)
);
