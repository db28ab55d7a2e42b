-- Rollups of usage_hours for simulations over thousands of customers: 10,000 customers x 3 months of hourly buckets
-- are 22 million rows. Both rollups are cut at the customer's period anchor, so its billing periods are made of them:
--   usage_days:   days starting at the anchor's time of day (UTC);
--   usage_months: months starting at anchor + k months (end-of-month clamped exactly like BillingPeriods: Jan 31 ->
--                 Feb 28 -> Mar 31), i.e. each monthly billing period is one row per meter, a yearly one twelve.
-- Each level is recomputed from the level below on every change (never deltas), so they stay exact.

-- The anchor the customer's rollups are cut at (its subscription's period anchor). No row: 2000-01-01T00:00Z, that is
-- UTC days and calendar months.
CREATE TABLE usage_rollup_anchors (
    customer_id TEXT PRIMARY KEY,
    anchor      TIMESTAMPTZ NOT NULL
);

-- Covering primary keys: a simulation reads a customer's rows with an index-only scan, contiguous in the index.
CREATE TABLE usage_days (
    customer_id  TEXT            NOT NULL,
    env          TEXT            NOT NULL,
    day_start    TIMESTAMPTZ     NOT NULL,
    meter        TEXT            NOT NULL,
    aggregation  TEXT            NOT NULL,
    sum_value    NUMERIC(38, 12) NOT NULL,
    max_value    NUMERIC(38, 12) NOT NULL,
    min_value    NUMERIC(38, 12) NOT NULL,
    latest_at    TIMESTAMPTZ     NOT NULL,
    latest_value NUMERIC(38, 12) NOT NULL,
    PRIMARY KEY (customer_id, env, day_start, meter) INCLUDE (aggregation, sum_value, max_value, min_value, latest_at, latest_value)
);

CREATE TABLE usage_months (
    customer_id  TEXT            NOT NULL,
    env          TEXT            NOT NULL,
    month_start  TIMESTAMPTZ     NOT NULL,
    meter        TEXT            NOT NULL,
    aggregation  TEXT            NOT NULL,
    sum_value    NUMERIC(38, 12) NOT NULL,
    max_value    NUMERIC(38, 12) NOT NULL,
    min_value    NUMERIC(38, 12) NOT NULL,
    latest_at    TIMESTAMPTZ     NOT NULL,
    latest_value NUMERIC(38, 12) NOT NULL,
    PRIMARY KEY (customer_id, env, month_start, meter) INCLUDE (aggregation, sum_value, max_value, min_value, latest_at, latest_value)
);

-- All arithmetic on UTC timestamps without time zone, so the session time zone cannot shift a boundary.
CREATE FUNCTION usage_day_start(t TIMESTAMPTZ, anchor TIMESTAMPTZ) RETURNS TIMESTAMPTZ AS $$
    SELECT (date_trunc('day', (t AT TIME ZONE 'UTC') - ((anchor AT TIME ZONE 'UTC') - date_trunc('day', anchor AT TIME ZONE 'UTC')))
            + ((anchor AT TIME ZONE 'UTC') - date_trunc('day', anchor AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC'
$$ LANGUAGE sql IMMUTABLE;

-- anchor + (k + shift) months where anchor + k months is the last month start at or before t (the anchor's day of
-- month clamped to each month's length, as java.time's plusMonths from the anchor).
CREATE FUNCTION usage_month_start(t TIMESTAMPTZ, anchor TIMESTAMPTZ, shift INT DEFAULT 0) RETURNS TIMESTAMPTZ AS $$
DECLARE
    a TIMESTAMP := anchor AT TIME ZONE 'UTC';
    w TIMESTAMP := t AT TIME ZONE 'UTC';
    k INT := (extract(year FROM w)::int - extract(year FROM a)::int) * 12 + extract(month FROM w)::int - extract(month FROM a)::int;
BEGIN
    IF a + make_interval(months => k) > w THEN
        k := k - 1;
    END IF;
    RETURN (a + make_interval(months => k + shift)) AT TIME ZONE 'UTC';
END $$ LANGUAGE plpgsql IMMUTABLE;

CREATE FUNCTION usage_rollup_anchor(customer TEXT) RETURNS TIMESTAMPTZ AS $$
    SELECT COALESCE((SELECT anchor FROM usage_rollup_anchors WHERE customer_id = customer), TIMESTAMPTZ '2000-01-01T00:00:00Z')
$$ LANGUAGE sql STABLE;

-- Both triggers below take this customer's lock first: the usage and subscription consumers write in parallel
-- transactions, and a recut must see every hour committed before it while a bucket must see the anchor in force.
-- (Each statement after the lock takes a new snapshot under READ COMMITTED.)
CREATE FUNCTION usage_rollup_lock(customer TEXT) RETURNS void AS $$
    SELECT pg_advisory_xact_lock(hashtext('usage_rollup:' || customer))
$$ LANGUAGE sql;

-- The changed bucket's day from its hours (at most 24 per group, by the primary key of usage_hours), then that month
-- from its days (at most 31).
CREATE FUNCTION usage_rollups_refresh() RETURNS trigger AS $$
DECLARE
    a TIMESTAMPTZ;
    d TIMESTAMPTZ;
    m TIMESTAMPTZ;
BEGIN
    PERFORM usage_rollup_lock(NEW.customer_id);
    a := usage_rollup_anchor(NEW.customer_id);
    d := usage_day_start(NEW.window_start, a);
    m := usage_month_start(NEW.window_start, a);
    INSERT INTO usage_days (customer_id, env, day_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT NEW.customer_id, NEW.env, d, NEW.meter, NEW.aggregation, sum(h.value), max(h.value), min(h.value), max(h.window_start),
           (array_agg(h.value ORDER BY h.window_start DESC, h.group_key DESC))[1]
    FROM usage_hours h
    WHERE h.customer_id = NEW.customer_id AND h.meter = NEW.meter AND h.env = NEW.env
      AND h.window_start >= d AND h.window_start < d + INTERVAL '24 hours'
    ON CONFLICT (customer_id, env, day_start, meter) DO UPDATE SET aggregation = EXCLUDED.aggregation,
        sum_value = EXCLUDED.sum_value, max_value = EXCLUDED.max_value, min_value = EXCLUDED.min_value,
        latest_at = EXCLUDED.latest_at, latest_value = EXCLUDED.latest_value;
    INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT NEW.customer_id, NEW.env, m, NEW.meter, NEW.aggregation, sum(x.sum_value), max(x.max_value), min(x.min_value),
           max(x.latest_at), (array_agg(x.latest_value ORDER BY x.latest_at DESC))[1]
    FROM usage_days x
    WHERE x.customer_id = NEW.customer_id AND x.env = NEW.env AND x.day_start >= m
      AND x.day_start < usage_month_start(NEW.window_start, a, 1) AND x.meter = NEW.meter
    ON CONFLICT (customer_id, env, month_start, meter) DO UPDATE SET aggregation = EXCLUDED.aggregation,
        sum_value = EXCLUDED.sum_value, max_value = EXCLUDED.max_value, min_value = EXCLUDED.min_value,
        latest_at = EXCLUDED.latest_at, latest_value = EXCLUDED.latest_value;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER usage_rollups_refresh AFTER INSERT OR UPDATE ON usage_hours
    FOR EACH ROW EXECUTE FUNCTION usage_rollups_refresh();

-- Recuts one customer's rollups at an anchor, set-based (the same statements build them for a whole database).
CREATE FUNCTION usage_rollups_recut(customer TEXT, a TIMESTAMPTZ) RETURNS void AS $$
BEGIN
    DELETE FROM usage_months WHERE customer_id = customer;
    DELETE FROM usage_days WHERE customer_id = customer;
    INSERT INTO usage_days (customer_id, env, day_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT customer_id, env, usage_day_start(window_start, a), meter, min(aggregation), sum(value), max(value), min(value),
           max(window_start), (array_agg(value ORDER BY window_start DESC, group_key DESC))[1]
    FROM usage_hours WHERE customer_id = customer
    GROUP BY customer_id, env, usage_day_start(window_start, a), meter;
    INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT customer_id, env, usage_month_start(day_start, a), meter, min(aggregation), sum(sum_value), max(max_value), min(min_value),
           max(latest_at), (array_agg(latest_value ORDER BY latest_at DESC))[1]
    FROM usage_days WHERE customer_id = customer
    GROUP BY customer_id, env, usage_month_start(day_start, a), meter;
END $$ LANGUAGE plpgsql;

-- A subscription with another anchor (usually the first one, when usage came in before it) recuts the customer's rollups.
CREATE FUNCTION usage_rollups_realign() RETURNS trigger AS $$
BEGIN
    PERFORM usage_rollup_lock(NEW.customer_id);
    IF usage_rollup_anchor(NEW.customer_id) IS DISTINCT FROM NEW.period_anchor THEN
        INSERT INTO usage_rollup_anchors (customer_id, anchor) VALUES (NEW.customer_id, NEW.period_anchor)
        ON CONFLICT (customer_id) DO UPDATE SET anchor = EXCLUDED.anchor;
        PERFORM usage_rollups_recut(NEW.customer_id, NEW.period_anchor);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER usage_rollups_realign AFTER INSERT OR UPDATE OF period_anchor ON rating_subscriptions
    FOR EACH ROW EXECUTE FUNCTION usage_rollups_realign();

-- What was stored before this migration (bench/rating/run.sh builds its rollups with equivalent statements).
INSERT INTO usage_rollup_anchors (customer_id, anchor) SELECT customer_id, period_anchor FROM rating_subscriptions;

INSERT INTO usage_days (customer_id, env, day_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
SELECT h.customer_id, h.env, usage_day_start(h.window_start, usage_rollup_anchor(h.customer_id)), h.meter, min(h.aggregation),
       sum(h.value), max(h.value), min(h.value), max(h.window_start), (array_agg(h.value ORDER BY h.window_start DESC, h.group_key DESC))[1]
FROM usage_hours h
GROUP BY h.customer_id, h.env, usage_day_start(h.window_start, usage_rollup_anchor(h.customer_id)), h.meter;

INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
SELECT x.customer_id, x.env, usage_month_start(x.day_start, usage_rollup_anchor(x.customer_id)), x.meter, min(x.aggregation),
       sum(x.sum_value), max(x.max_value), min(x.min_value), max(x.latest_at), (array_agg(x.latest_value ORDER BY x.latest_at DESC))[1]
FROM usage_days x
GROUP BY x.customer_id, x.env, usage_month_start(x.day_start, usage_rollup_anchor(x.customer_id)), x.meter;
