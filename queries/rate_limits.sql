-- name: incr
-- Count a hit in a fixed window: a new or expired key starts a window of :expiry_seconds; returns the count so far.
INSERT INTO rate_limits AS r (key, count, expires_at)
VALUES (:key, :amount, now() + make_interval(secs => :expiry_seconds))
ON CONFLICT (key) DO UPDATE
   SET count = CASE WHEN r.expires_at <= now() THEN excluded.count ELSE r.count + excluded.count END,
       expires_at = CASE WHEN r.expires_at <= now() THEN excluded.expires_at ELSE r.expires_at END
RETURNING count;

-- name: current
-- The count of a live window; no row when the key is unknown or its window is over.
SELECT count FROM rate_limits WHERE key = :key AND expires_at > now();

-- name: expiry
-- When the key's window ends, as Unix seconds; no row when the key is unknown.
SELECT extract(epoch FROM expires_at)::float8 AS expires_at FROM rate_limits WHERE key = :key;

-- name: clear
-- Forget one key; the row count is 0 when it was unknown.
DELETE FROM rate_limits WHERE key = :key;

-- name: clear_all
-- Forget every counter; returns how many there were.
DELETE FROM rate_limits;

-- name: purge_expired
-- Drop windows that ended more than an hour ago; returns how many.
DELETE FROM rate_limits WHERE expires_at < now() - interval '1 hour';

-- name: ping
-- One row when the database answers.
SELECT 1 AS ok;

-- name: account_key
-- The per-account limit key for a submitted email: the id of the account users.login_candidate would find (the
-- same lower() in PostgreSQL, so every spelling that reaches one account shares its counter), else the email as
-- PostgreSQL lower-cases it; always one row.
SELECT coalesce(
         (SELECT 'user:' || id FROM users WHERE lower(email) = lower(:email) AND deleted_at IS NULL),
         'email:' || lower(:email)
       ) AS key;
