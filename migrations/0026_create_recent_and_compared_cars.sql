-- Recently viewed cars and the comparison lived in the session cookie: gone at logout, different on every device.
-- For an account they now live here (a visitor keeps the session lists, merged in at login). Both are bounded:
-- the comparison by its four numbered slots (a unique slot per user, so two tabs adding at once cannot make five),
-- recently viewed by a trigger that keeps a user's newest 20.
CREATE TABLE recently_viewed (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    car_id    bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    viewed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recently_viewed_pkey PRIMARY KEY (user_id, car_id)
);

CREATE INDEX recently_viewed_user_id_viewed_at_idx ON recently_viewed (user_id, viewed_at DESC);
CREATE INDEX recently_viewed_car_id_idx ON recently_viewed (car_id);

CREATE FUNCTION recently_viewed_keep_newest() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    DELETE FROM recently_viewed r
     WHERE r.user_id = NEW.user_id
       AND r.car_id IN (SELECT o.car_id FROM recently_viewed o
                         WHERE o.user_id = NEW.user_id
                         ORDER BY o.viewed_at DESC, o.car_id DESC
                        OFFSET 20);
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION recently_viewed_keep_newest() IS
    'After a car is added to a user''s recently viewed cars: forget all but that user''s newest 20.';

CREATE TRIGGER recently_viewed_keep_newest AFTER INSERT ON recently_viewed
    FOR EACH ROW EXECUTE FUNCTION recently_viewed_keep_newest();

COMMENT ON TRIGGER recently_viewed_keep_newest ON recently_viewed IS
    'Keeps recently viewed cars bounded at 20 per user (recently_viewed_keep_newest()).';

CREATE TABLE compared_cars (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    car_id   bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    slot     smallint NOT NULL CONSTRAINT compared_cars_slot_check CHECK (slot BETWEEN 1 AND 4),
    added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT compared_cars_pkey PRIMARY KEY (user_id, car_id),
    CONSTRAINT compared_cars_user_id_slot_key UNIQUE (user_id, slot)
);

CREATE INDEX compared_cars_car_id_idx ON compared_cars (car_id);
