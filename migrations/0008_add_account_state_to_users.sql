-- Accounts: email confirmation (not-verified / verified / inactive), soft deletion with scrubbed personal data, and
-- the time of the last password change.
ALTER TABLE users
    ADD COLUMN email_verified_at   timestamptz,
    ADD COLUMN deleted_at          timestamptz,
    ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT users_deleted_inactive_check CHECK (deleted_at IS NULL OR NOT is_active);

-- The admin list pages through users newest first; search by email prefix uses users_email_key.
CREATE INDEX users_created_at_id_idx ON users (created_at DESC, id DESC);
