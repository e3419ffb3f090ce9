-- People: buyers, private sellers, dealers and admins (seed 000).
-- Enum-like columns are text with CHECK constraints rather than PostgreSQL enums: a later migration can change the
-- allowed values in one transaction, and values can be removed, which ALTER TYPE cannot do.
-- Email is unique case-insensitively through an expression index named like a constraint (users_email_key), so the
-- data module can turn its violation into "An account with this email already exists."
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CONSTRAINT users_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    email         text NOT NULL CONSTRAINT users_email_check
                      CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'user' CONSTRAINT users_role_check CHECK (role IN ('user', 'seller', 'admin')),
    is_active     boolean NOT NULL DEFAULT true,
    last_login    timestamptz,
    phone         text CONSTRAINT users_phone_check CHECK (length(phone) <= 40),
    address       text CONSTRAINT users_address_check CHECK (length(address) <= 500),
    avatar        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_idx ON users (role);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
