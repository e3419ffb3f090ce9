DROP INDEX cars_pending_submitted_idx;
ALTER TABLE cars DROP COLUMN submitted_at, DROP COLUMN cover_photo;
DROP TABLE car_photos;
