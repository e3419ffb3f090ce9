-- Questions and test-drive requests about a car (seed 000): the seller's leads. They belong to the car and the
-- asker, so they go when either is hard-deleted (CASCADE); the seller reference follows the car's seller.
CREATE TABLE inquiries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id         bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message        text NOT NULL CONSTRAINT inquiries_message_check CHECK (length(btrim(message)) BETWEEN 1 AND 5000),
    status         text NOT NULL DEFAULT 'open' CONSTRAINT inquiries_status_check CHECK (status IN ('open', 'closed')),
    kind           text NOT NULL DEFAULT 'general'
                       CONSTRAINT inquiries_kind_check CHECK (kind IN ('general', 'test_drive')),
    requested_date date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inquiries_requested_date_check CHECK (kind = 'test_drive' OR requested_date IS NULL)
);

CREATE INDEX inquiries_car_id_idx ON inquiries (car_id);
CREATE INDEX inquiries_user_id_idx ON inquiries (user_id, created_at DESC);
CREATE INDEX inquiries_seller_id_status_idx ON inquiries (seller_id, status, created_at DESC);

CREATE TRIGGER inquiries_set_updated_at BEFORE UPDATE ON inquiries
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
