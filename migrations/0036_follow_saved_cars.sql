-- What each person last heard about a car they saved, so a price drop or a sale is told once: price_seen is the
-- lowest price they were shown or told of, gone_told_at when they were told the car is no longer for sale.
ALTER TABLE favorites ADD COLUMN price_seen numeric(12, 2);
ALTER TABLE favorites ADD COLUMN gone_told_at timestamptz;
UPDATE favorites f SET price_seen = c.price FROM cars c WHERE c.id = f.car_id;
-- The followers of changed cars are found by car (favorites_user_id_car_id_key leads with the user).
CREATE INDEX favorites_car_idx ON favorites (car_id);
COMMENT ON COLUMN favorites.price_seen IS 'The lowest price of the car this person was shown or told of (price drops).';
COMMENT ON COLUMN favorites.gone_told_at IS 'When this person was told the saved car is sold or no longer listed.';
