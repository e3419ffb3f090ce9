-- Saved cars (seed 000): one row per user and car, gone with either.
CREATE TABLE favorites (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    car_id     bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT favorites_user_id_car_id_key UNIQUE (user_id, car_id)
);

-- The unique constraint's index serves lookups by user; this one serves "who saved this car".
CREATE INDEX favorites_car_id_idx ON favorites (car_id);
