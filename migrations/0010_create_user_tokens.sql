-- Single-use, expiring tokens sent by email (confirm the address, reset the password). Only their SHA-256 is kept,
-- so a database leak does not hand out working links.
CREATE TABLE user_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CONSTRAINT user_tokens_purpose_check CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash bytea NOT NULL CONSTRAINT user_tokens_token_hash_key UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id, purpose) WHERE used_at IS NULL;
