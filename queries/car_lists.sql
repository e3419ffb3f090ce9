-- name: recent_cars
-- A user's recently viewed cars that anyone may still see, newest view first, at most :limit, with whether the
-- user saved each; an empty list when none.
SELECT c.id, c.title, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body,
       c.colour, c.condition, c.city, c.features, c.cover_photo, c.created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = r.user_id AND fv.car_id = c.id) AS is_favorite
  FROM recently_viewed r
  JOIN cars c ON c.id = r.car_id
 WHERE r.user_id = :user_id
   AND c.deleted_at IS NULL
   AND listing_is_public(c.status)
 ORDER BY r.viewed_at DESC, r.car_id DESC
 LIMIT :limit;

-- name: adopt_recent
-- Merge a visitor's recently viewed car ids (newest first) into a user's list at login: they count as viewed
-- just now, in their order; unknown and hidden cars are left out. Returns how many rows were added or moved up.
INSERT INTO recently_viewed (user_id, car_id, viewed_at)
SELECT :user_id, c.id, now() - v.ord * interval '1 millisecond'
  FROM unnest(:ids::bigint[]) WITH ORDINALITY AS v(id, ord)
  JOIN cars c ON c.id = v.id
 WHERE c.deleted_at IS NULL AND listing_is_public(c.status)
 ORDER BY v.ord DESC
ON CONFLICT ON CONSTRAINT recently_viewed_pkey
   DO UPDATE SET viewed_at = greatest(recently_viewed.viewed_at, excluded.viewed_at);

-- name: compared_ids
-- The car ids in a user's comparison, in the order they were added; an empty list when none.
SELECT car_id FROM compared_cars WHERE user_id = :user_id ORDER BY added_at, slot;

-- name: add_compared
-- Put a car anyone may see into the lowest free of a user's four comparison slots; no row when it is there
-- already, every slot is taken (also when another request took the last one at the same moment: the unique slot
-- decides), or the car is unknown or hidden.
INSERT INTO compared_cars (user_id, car_id, slot)
SELECT :user_id, c.id, free.slot
  FROM cars c,
       LATERAL (SELECT min(s)::smallint AS slot FROM generate_series(1, 4) AS s
                 WHERE s NOT IN (SELECT slot FROM compared_cars WHERE user_id = :user_id)) AS free
 WHERE c.id = :car_id AND c.deleted_at IS NULL AND listing_is_public(c.status) AND free.slot IS NOT NULL
ON CONFLICT DO NOTHING
RETURNING car_id;

-- name: remove_compared
-- Take a car off a user's comparison; the row count is 0 when it was not there.
DELETE FROM compared_cars WHERE user_id = :user_id AND car_id = :car_id;
