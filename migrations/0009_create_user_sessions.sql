-- Server-side sessions: the cookie (and the remember-me cookie) carry a random token whose SHA-256 is stored here,
-- so logout, "log out everywhere", a password change or deactivation revoke a copied cookie too. Signed cookies
-- alone cannot be revoked.
CREATE TABLE user_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL CONSTRAINT user_sessions_token_hash_key UNIQUE,
    remember     boolean NOT NULL DEFAULT false,
    ip           inet,
    user_agent   text CONSTRAINT user_sessions_user_agent_check CHECK (length(user_agent) <= 500),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id) WHERE revoked_at IS NULL;
