-- The raw event log is the evidence for audits and disputes: the database itself keeps it append-only. A row is never
-- updated (a correction is a new event that references the original), and it is deleted only once it is older than
-- the shortest retention the service accepts (the dedup window, at least 35 days, + 1 day: RetentionJob refuses
-- less), so no statement — a purge with a wrong clock, a hand-typed DELETE — can remove recent evidence.
CREATE FUNCTION usage_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'usage_events is append-only: event (%, %) cannot be changed; send a correction event instead',
            OLD.source, OLD.event_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'usage_events is append-only: it cannot be truncated' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.ingested_at >= now() - interval '36 days' THEN
        RAISE EXCEPTION 'usage_events is append-only: event (%, %) is younger than the shortest retention (36 days)',
            OLD.source, OLD.event_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER usage_events_append_only BEFORE UPDATE OR DELETE ON usage_events
    FOR EACH ROW EXECUTE FUNCTION usage_events_append_only();
CREATE TRIGGER usage_events_no_truncate BEFORE TRUNCATE ON usage_events
    FOR EACH STATEMENT EXECUTE FUNCTION usage_events_append_only();
