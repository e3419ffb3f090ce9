-- name: add
-- Save a car for a user (visible cars only); no row when it was saved already or the car cannot be seen.
INSERT INTO favorites (user_id, car_id, price_seen)
SELECT :user_id, c.id, c.price FROM cars c
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

-- name: price_drops
-- Followers to tell of a price drop: saved cars for sale now cheaper than the lowest price the person heard of,
-- at most :limit, locked (others skipped) until the notice is recorded; car and prices with each.
SELECT f.id, f.user_id, f.car_id, f.price_seen, c.price, c.title
  FROM favorites f
  JOIN cars c ON c.id = f.car_id
 WHERE c.status = 'available' AND c.deleted_at IS NULL AND c.price < f.price_seen
 ORDER BY f.id
 LIMIT :limit
   FOR UPDATE OF f SKIP LOCKED;

-- name: gone
-- Followers to tell that a saved car is sold, expired, withdrawn or deleted, who were not told since it last went
-- live (a renewed or relisted car that goes again is news again), at most :limit, locked (others skipped) until the
-- notice is recorded.
SELECT f.id, f.user_id, f.car_id, c.title, CASE WHEN c.deleted_at IS NULL THEN c.status ELSE 'withdrawn' END AS status
  FROM favorites f
  JOIN cars c ON c.id = f.car_id
 WHERE (f.gone_told_at IS NULL OR f.gone_told_at < c.listed_at) AND (c.status IN ('sold', 'expired', 'withdrawn') OR c.deleted_at IS NOT NULL)
 ORDER BY f.id
 LIMIT :limit
   FOR UPDATE OF f SKIP LOCKED;

-- name: heard_price
-- Record the prices followers were told of (:ids and :prices in the same order).
UPDATE favorites f SET price_seen = v.price
  FROM unnest(:ids::bigint[], :prices::numeric[]) AS v(id, price)
 WHERE f.id = v.id;

-- name: told_gone
-- Record that followers were told their saved cars are gone.
UPDATE favorites SET gone_told_at = now() WHERE id = ANY(:ids::bigint[]);
