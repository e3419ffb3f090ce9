DROP INDEX favorites_car_idx;
ALTER TABLE favorites DROP COLUMN gone_told_at, DROP COLUMN price_seen;
