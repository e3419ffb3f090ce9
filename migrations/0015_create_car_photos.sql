-- Listing photos: several per car in the seller's order (the first is the cover), each stored by carsite under a
-- server-made name in two sizes. The cover's file name is copied onto the car, so result cards need no join.
-- submitted_at orders the moderation queue (oldest first).
CREATE TABLE car_photos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id     bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    file       text NOT NULL CONSTRAINT car_photos_file_check CHECK (file ~ '^[0-9a-f]{32}$'),
    position   integer NOT NULL CONSTRAINT car_photos_position_check CHECK (position >= 0),
    width      integer NOT NULL,
    height     integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT car_photos_car_id_position_key UNIQUE (car_id, position) DEFERRABLE INITIALLY DEFERRED
);

ALTER TABLE cars
    ADD COLUMN cover_photo text,
    ADD COLUMN submitted_at timestamptz;

CREATE INDEX cars_pending_submitted_idx ON cars (submitted_at, id) WHERE status = 'pending' AND deleted_at IS NULL;
