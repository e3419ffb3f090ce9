-- Rate-limit counters (Flask-Limiter's fixed windows), shared by every process and server. UNLOGGED: counters need
-- no crash safety, and skipping the WAL keeps a login attempt's bookkeeping cheap.
CREATE UNLOGGED TABLE rate_limits (
    key        text PRIMARY KEY,
    count      integer NOT NULL,
    expires_at timestamptz NOT NULL
);
