-- name: create_token
-- Store the hash of a new emailed token for a purpose, valid for the given seconds; returns its id.
INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at)
VALUES (:user_id, :purpose, :token_hash, now() + make_interval(secs => :lifetime_seconds))
RETURNING id;

-- name: use_token
-- Spend a token: returns its account once; no row when unknown, expired, already used or for another purpose.
UPDATE user_tokens SET used_at = now()
 WHERE token_hash = :token_hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now()
RETURNING user_id;

-- name: peek_token
-- The account a token would serve, without spending it; no row when unknown, expired, used or for another purpose.
SELECT user_id
  FROM user_tokens
 WHERE token_hash = :token_hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now();

-- name: spend_user_tokens
-- Invalidate every unused token of an account for a purpose (e.g. older reset links after a reset); the count.
UPDATE user_tokens SET used_at = now() WHERE user_id = :user_id AND purpose = :purpose AND used_at IS NULL;
