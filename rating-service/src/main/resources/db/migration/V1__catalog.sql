-- Plan catalog: one row per plan version; the document is the plan-version JSON of ARCHITECTURE.md.
-- Published versions never change (enforced in code and by the trigger below).
CREATE TABLE plan_versions (
    code         TEXT        NOT NULL,
    version      INT         NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    document     JSONB       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    PRIMARY KEY (code, version)
);

CREATE FUNCTION plan_versions_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND NEW.document IS DISTINCT FROM OLD.document THEN
        RAISE EXCEPTION 'plan %:% is % and immutable', OLD.code, OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER plan_versions_immutable BEFORE UPDATE ON plan_versions
    FOR EACH ROW EXECUTE FUNCTION plan_versions_immutable();
