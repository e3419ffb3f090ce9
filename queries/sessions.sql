-- name: create_session
-- Open a server-side session for a user and return its id; the cookie carries the token whose hash is stored.
INSERT INTO user_sessions (user_id, token_hash, remember, ip, user_agent, expires_at)
VALUES (:user_id, :token_hash, :remember, :ip::inet, :user_agent, now() + make_interval(secs => :lifetime_seconds))
RETURNING id;

-- name: user_for_session
-- The logged-in account behind a session token: only a live session (not revoked, not expired) of an active,
-- undeleted account; no row otherwise, which logs the visitor out. The header shows these on every page, so they
-- come with the account, not in queries of their own: compare_ids, the cars in the account's comparison;
-- unread_<what> columns, counts of unread things (the bell), counted to at most 10 (the badge says "9+") over the
-- partial index notifications_unread_idx, so a person with thousands unread costs what one with ten does;
-- unread_messages sums the maintained counts of the conversations with something unread (an index-only scan of
-- conversation_members_unread_idx).
SELECT u.id, u.name, u.email, u.role, u.email_verified_at, u.avatar,
       s.id AS session_id, s.last_seen_at,
       ARRAY(SELECT cc.car_id FROM compared_cars cc WHERE cc.user_id = u.id ORDER BY cc.added_at, cc.slot)
         AS compare_ids,
       (SELECT count(*) FROM (SELECT FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL LIMIT 10) n)::int
         AS unread_notifications,
       (SELECT coalesce(sum(cm.unread_count), 0) FROM conversation_members cm
         WHERE cm.user_id = u.id AND cm.unread_count > 0)::int AS unread_messages
  FROM user_sessions s
  JOIN users u ON u.id = s.user_id
 WHERE s.token_hash = :token_hash
   AND s.revoked_at IS NULL
   AND s.expires_at > now()
   AND u.is_active
   AND u.deleted_at IS NULL;

-- name: touch_session
-- Note that a session was used, at most once every five minutes (no write on every request); row count 0 or 1.
UPDATE user_sessions SET last_seen_at = now()
 WHERE id = :session_id AND last_seen_at < now() - interval '5 minutes';

-- name: revoke_session
-- End one session by its token; the row count is 0 when it was already ended or never existed.
UPDATE user_sessions SET revoked_at = now() WHERE token_hash = :token_hash AND revoked_at IS NULL;

-- name: revoke_user_sessions
-- End every session of an account; returns how many were live.
UPDATE user_sessions SET revoked_at = now() WHERE user_id = :user_id AND revoked_at IS NULL;

-- name: revoke_other_sessions
-- End every session of an account but one; returns how many were ended.
UPDATE user_sessions SET revoked_at = now()
 WHERE user_id = :user_id AND revoked_at IS NULL AND id <> :keep_session_id;

-- name: live_sessions
-- An account's live sessions, most recently used first; an empty list when there are none.
SELECT id, remember, host(ip) AS ip, user_agent, created_at, last_seen_at, expires_at
  FROM user_sessions
 WHERE user_id = :user_id AND revoked_at IS NULL AND expires_at > now()
 ORDER BY last_seen_at DESC;
