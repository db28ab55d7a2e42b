-- An hour whose events corrections voided or moved to another group (usage.aggregates with "events": 0) has no
-- value: it is stored as NULL, so max, min and latest skip it (a 0 there would be a reading nobody made) and sums
-- ignore it. Days and months made only of such hours hold NULLs too.
ALTER TABLE usage_hours ALTER COLUMN value DROP NOT NULL;
ALTER TABLE usage_days ALTER COLUMN sum_value DROP NOT NULL, ALTER COLUMN max_value DROP NOT NULL,
    ALTER COLUMN min_value DROP NOT NULL, ALTER COLUMN latest_at DROP NOT NULL, ALTER COLUMN latest_value DROP NOT NULL;
ALTER TABLE usage_months ALTER COLUMN sum_value DROP NOT NULL, ALTER COLUMN max_value DROP NOT NULL,
    ALTER COLUMN min_value DROP NOT NULL, ALTER COLUMN latest_at DROP NOT NULL, ALTER COLUMN latest_value DROP NOT NULL;

-- As in V7, with the latest value and its time taken from hours (days) that have one.
CREATE OR REPLACE FUNCTION usage_rollups_refresh() RETURNS trigger AS $$
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
    SELECT NEW.customer_id, NEW.env, d, NEW.meter, NEW.aggregation, sum(h.value), max(h.value), min(h.value),
           max(h.window_start) FILTER (WHERE h.value IS NOT NULL),
           (array_agg(h.value ORDER BY h.window_start DESC, h.group_key DESC) FILTER (WHERE h.value IS NOT NULL))[1]
    FROM usage_hours h
    WHERE h.customer_id = NEW.customer_id AND h.meter = NEW.meter AND h.env = NEW.env
      AND h.window_start >= d AND h.window_start < d + INTERVAL '24 hours'
    ON CONFLICT (customer_id, env, day_start, meter) DO UPDATE SET aggregation = EXCLUDED.aggregation,
        sum_value = EXCLUDED.sum_value, max_value = EXCLUDED.max_value, min_value = EXCLUDED.min_value,
        latest_at = EXCLUDED.latest_at, latest_value = EXCLUDED.latest_value;
    INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT NEW.customer_id, NEW.env, m, NEW.meter, NEW.aggregation, sum(x.sum_value), max(x.max_value), min(x.min_value),
           max(x.latest_at), (array_agg(x.latest_value ORDER BY x.latest_at DESC) FILTER (WHERE x.latest_at IS NOT NULL))[1]
    FROM usage_days x
    WHERE x.customer_id = NEW.customer_id AND x.env = NEW.env AND x.day_start >= m
      AND x.day_start < usage_month_start(NEW.window_start, a, 1) AND x.meter = NEW.meter
    ON CONFLICT (customer_id, env, month_start, meter) DO UPDATE SET aggregation = EXCLUDED.aggregation,
        sum_value = EXCLUDED.sum_value, max_value = EXCLUDED.max_value, min_value = EXCLUDED.min_value,
        latest_at = EXCLUDED.latest_at, latest_value = EXCLUDED.latest_value;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION usage_rollups_recut(customer TEXT, a TIMESTAMPTZ) RETURNS void AS $$
BEGIN
    DELETE FROM usage_months WHERE customer_id = customer;
    DELETE FROM usage_days WHERE customer_id = customer;
    INSERT INTO usage_days (customer_id, env, day_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT customer_id, env, usage_day_start(window_start, a), meter, min(aggregation), sum(value), max(value), min(value),
           max(window_start) FILTER (WHERE value IS NOT NULL),
           (array_agg(value ORDER BY window_start DESC, group_key DESC) FILTER (WHERE value IS NOT NULL))[1]
    FROM usage_hours WHERE customer_id = customer
    GROUP BY customer_id, env, usage_day_start(window_start, a), meter;
    INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
    SELECT customer_id, env, usage_month_start(day_start, a), meter, min(aggregation), sum(sum_value), max(max_value), min(min_value),
           max(latest_at), (array_agg(latest_value ORDER BY latest_at DESC) FILTER (WHERE latest_at IS NOT NULL))[1]
    FROM usage_days WHERE customer_id = customer
    GROUP BY customer_id, env, usage_month_start(day_start, a), meter;
END $$ LANGUAGE plpgsql;
