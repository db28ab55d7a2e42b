-- Simulation jobs: the request, progress while running and the whole answer once completed.
CREATE TABLE simulations (
    id           TEXT PRIMARY KEY,
    status       TEXT        NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    request      JSONB       NOT NULL,
    result       JSONB,
    processed    INT         NOT NULL DEFAULT 0,
    total        INT         NOT NULL,
    error        TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ
);
