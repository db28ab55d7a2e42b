-- Archiving changes a published version's status (also mirrored inside the document) and nothing else.
CREATE OR REPLACE FUNCTION plan_versions_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND (NEW.document - 'status') IS DISTINCT FROM (OLD.document - 'status') THEN
        RAISE EXCEPTION 'plan %:% is % and immutable', OLD.code, OLD.version, OLD.status;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
