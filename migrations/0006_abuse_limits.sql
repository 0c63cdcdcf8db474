-- Issue 9: limits that must hold across several server processes live here.

-- Sign-in attempts are now recorded before their password is checked and counted per address as
-- well as per (username, address); the rows leave once they are older than the window (trimmed every
-- minute), so the table stays bounded.
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, at);
CREATE INDEX sign_in_failures_at_idx ON sign_in_failures (at);

-- Idempotency-Key on creating requests: per user, 24 hours. The row is written in the same
-- transaction as the work it guards, with the answer to replay (see server/src/idempotency.rs).
CREATE TABLE idempotency_keys (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    fingerprint bytea NOT NULL,
    status      smallint NOT NULL DEFAULT 0,
    body        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Which server process serves a viewing session, so that a process starting again closes the audit
-- rows its crashed predecessor left open (and only those: other nodes' sessions are still live).
ALTER TABLE camera_views ADD COLUMN server_id text;
CREATE INDEX camera_views_open_idx ON camera_views (server_id) WHERE ended_at IS NULL;

-- The live event log is trimmed every minute (by age and to the last 2 × IOC_LIVE_RESUME_MAX events)
-- and vacuumed by the server right after; where autovacuum runs, let it come after 2 % of dead rows
-- rather than the default 20 % (the soak saw the table grow 2 MiB a minute at a flat row count).
ALTER TABLE live_events SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 500);
