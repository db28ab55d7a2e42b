-- API keys: only the peppered hash and the display start are stored, never the key.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    customer_id TEXT        NOT NULL REFERENCES customers (id),
    name        TEXT        NOT NULL,
    env         TEXT        NOT NULL CHECK (env IN ('live', 'test')),
    key_hash    TEXT        NOT NULL UNIQUE,
    start       TEXT        NOT NULL,
    scopes      JSONB       NOT NULL DEFAULT '[]'::jsonb,
    metadata    JSONB       NOT NULL DEFAULT '{}'::jsonb,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    rotated_to  TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_customer ON api_keys (customer_id, id);

-- Append-only audit log of every key change: who, what, when, from where.
CREATE TABLE key_audit (
    seq         BIGSERIAL PRIMARY KEY,
    customer_id TEXT        NOT NULL,
    key_id      TEXT        NOT NULL,
    action      TEXT        NOT NULL,
    actor       TEXT        NOT NULL,
    source_ip   TEXT,
    details     JSONB       NOT NULL DEFAULT '{}'::jsonb,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX key_audit_customer ON key_audit (customer_id, seq);

CREATE FUNCTION key_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'key_audit is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER key_audit_append_only BEFORE UPDATE OR DELETE ON key_audit
    FOR EACH ROW EXECUTE FUNCTION key_audit_append_only();
