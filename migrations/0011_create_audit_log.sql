-- Who did what to which account, when and from where: logins (and failures), logouts, password changes and resets,
-- role changes, deactivation, deletion. Rows outlive the accounts they name (SET NULL), so history stays readable.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    subject_id bigint REFERENCES users (id) ON DELETE SET NULL,
    action     text NOT NULL CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_.]+$'),
    ip         inet,
    user_agent text,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_subject_id_idx ON audit_log (subject_id, id DESC);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
