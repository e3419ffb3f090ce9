-- name: add
-- Save a car for a user (visible cars only); no row when it was saved already or the car cannot be seen.
INSERT INTO favorites (user_id, car_id)
SELECT :user_id, c.id FROM cars c
 WHERE c.id = :car_id AND c.deleted_at IS NULL AND listing_is_public(c.status)
ON CONFLICT ON CONSTRAINT favorites_user_id_car_id_key DO NOTHING
RETURNING id;

-- name: remove
-- Unsave a car; the row count is 0 when it was not saved.
DELETE FROM favorites WHERE user_id = :user_id AND car_id = :car_id;

-- name: of_user
-- A user's saved cars, most recently saved first, including cars sold or withdrawn since, with their price rating
-- (NULL unless for sale and its current price was rated); an empty list when none.
SELECT c.id, c.title, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission,
       c.cover_photo, f.created_at AS saved_at,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM favorites f
  JOIN cars c ON c.id = f.car_id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
 WHERE f.user_id = :user_id AND c.deleted_at IS NULL
 ORDER BY f.created_at DESC, f.id DESC;
