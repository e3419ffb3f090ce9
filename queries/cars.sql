-- name: car_by_id
-- One car anyone may see (listing_is_public) with its seller's display name and price rating (NULL unless the car
-- is for sale and its current price was rated); no row when the id is unknown, the car was deleted or is not
-- public (a draft, in review, rejected).
SELECT c.id, c.title, c.description, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km,
       c.transmission, c.body, c.colour, c.condition, c.city, c.created_at, c.updated_at, c.seller_id,
       u.name AS seller_name, pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM cars c
  JOIN users u ON u.id = c.seller_id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
 WHERE c.id = :car_id
   AND c.deleted_at IS NULL
   AND listing_is_public(c.status);

-- name: makes_with_counts
-- Each make with its number of listed cars (from listing_counts, so cheap at any size), most first; an empty list
-- when nothing is for sale.
SELECT make, sum(cars)::bigint AS cars
  FROM listing_counts
 GROUP BY make
HAVING sum(cars) > 0
 ORDER BY sum(cars) DESC, make;

-- name: count_by_seller
-- How many cars a seller has listed (any status); 0 when none.
SELECT count(*) FROM cars WHERE seller_id = :seller_id;

-- name: insert_many
-- Insert one car per array element (all arrays the same length), returning the new ids; used by the demo data.
-- Make and model are catalogue ids (the trigger cars_follow_catalogue writes their names).
INSERT INTO cars (seller_id, title, description, price, status, make_id, model_id, make, model, year, fuel,
                  mileage_km, transmission, body, colour, created_at, city, condition)
SELECT s.seller_id, s.title, s.description, s.price, s.status, s.make_id, s.model_id, '', '', s.year, s.fuel,
       s.mileage_km, s.transmission, s.body, s.colour, s.created_at, s.city, s.condition
  FROM unnest(:seller_ids::bigint[], :titles::text[], :descriptions::text[], :prices::numeric[], :statuses::text[],
              :make_ids::integer[], :model_ids::integer[], :years::smallint[], :fuels::text[], :mileages::integer[],
              :transmissions::text[], :bodies::text[], :colours::text[], :created_ats::timestamptz[],
              :cities::text[], :conditions::text[])
           AS s(seller_id, title, description, price, status, make_id, model_id, year, fuel, mileage_km,
                transmission, body, colour, created_at, city, condition)
RETURNING id;

-- name: generate
-- Insert :count random cars (set-based, for benchmarks) drawn from the given models and sellers; returns the
-- number inserted. Model arrays are parallel: the i-th make, model, catalogue ids, body, base price and
-- production years (year_to NULL: still built) belong together; each car's year lies within its model's years
-- (and 2006-2026).
INSERT INTO cars (seller_id, title, description, price, status, make_id, model_id, make, model, year, fuel,
                  mileage_km, transmission, body, colour, created_at, city, condition)
SELECT (:seller_ids::bigint[])[1 + floor(r.s * cardinality(:seller_ids::bigint[]))::int],
       concat_ws(' ', (:makes::text[])[r.m], (:models::text[])[r.m], nullif(r.trim_level, '')),
       format('%s %s from %s, %s km, %s owner(s).', (:makes::text[])[r.m], (:models::text[])[r.m], r.year,
              r.mileage, 1 + floor(r.o * 3)::int),
       round(greatest(500, (:base_prices::numeric[])[r.m] * power(0.88, 2026 - r.year) * (0.85 + r.p * 0.3)::numeric), -1),
       CASE WHEN r.st < 0.90 THEN 'available' WHEN r.st < 0.94 THEN 'sold'
            WHEN r.st < 0.97 THEN 'reserved' ELSE 'pending' END,
       (:make_ids::integer[])[r.m], (:model_ids::integer[])[r.m], (:makes::text[])[r.m], (:models::text[])[r.m],
       r.year,
       (ARRAY['petrol', 'petrol', 'diesel', 'diesel', 'hybrid', 'electric', 'plug_in_hybrid', 'lpg'])
           [1 + floor(r.f * 8)::int],
       r.mileage,
       CASE WHEN r.t < 0.55 THEN 'automatic' ELSE 'manual' END,
       (:bodies::text[])[r.m],
       (ARRAY['black', 'white', 'silver', 'grey', 'blue', 'red', 'green', 'brown', 'beige', 'yellow'])
           [1 + floor(r.c * 10)::int],
       now() - r.age * interval '730 days',
       (:cities::text[])[1 + floor(r.s2 * cardinality(:cities::text[]))::int],
       CASE WHEN r.year >= 2026 AND r.mileage < 2000 THEN 'new' ELSE 'used' END
  FROM (SELECT y.*, y.first + floor(y.y * (y.last - y.first + 1))::int AS year
          FROM (SELECT g.m, greatest(2006, (:year_froms::int[])[g.m]) AS first,
                       least(2026, coalesce((:year_tos::int[])[g.m], 2026)) AS last,
                       (ARRAY['', 'Comfort', 'Sport', 'Premium', 'Base', 'Limited'])[1 + floor(random() * 6)::int]
                           AS trim_level,
                       floor(random() * 240000)::int AS mileage,
                       random() AS y, random() AS s, random() AS o, random() AS p, random() AS st, random() AS f,
                       random() AS t, random() AS c, random() AS age, random() AS s2
                  FROM (SELECT 1 + floor(random() * cardinality(:models::text[]))::int AS m
                          FROM generate_series(1, :count)) AS g) AS y) AS r;

-- name: car_page
-- Everything the car page shows about one car anyone may see (listing_is_public), with whether :user_id (NULL for
-- visitors) saved it and its price rating (NULL unless the car is for sale and its current price was rated; a
-- rating NULL with comparables set means too few comparables); no row when the id is unknown, the car was deleted
-- or is not public. For a logged-in :user_id the same statement notes the car as recently viewed (so the page
-- keeps its query budget).
WITH seen AS (
    INSERT INTO recently_viewed (user_id, car_id, viewed_at)
    SELECT :user_id::bigint, v.id, now() FROM cars v
     WHERE v.id = :car_id AND :user_id::bigint IS NOT NULL AND v.deleted_at IS NULL AND listing_is_public(v.status)
    ON CONFLICT ON CONSTRAINT recently_viewed_pkey DO UPDATE SET viewed_at = excluded.viewed_at
)
SELECT c.id, c.title, c.description, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km,
       c.transmission, c.body, c.colour, c.condition, c.city, c.postcode, c.vin, c.features, c.specs,
       c.seo_title, c.seo_description, c.created_at, c.updated_at, c.seller_id,
       u.name AS seller_name, u.role AS seller_role, u.created_at AS seller_since,
       (f.id IS NOT NULL) AS is_favorite, c.featured,
       (SELECT coalesce(json_agg(json_build_object('file', p.file, 'width', p.width, 'height', p.height)
                                 ORDER BY p.position), '[]'::json)
          FROM car_photos p WHERE p.car_id = c.id AND NOT p.awaiting_review) AS photos,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM cars c
  JOIN users u ON u.id = c.seller_id
  LEFT JOIN favorites f ON f.car_id = c.id AND f.user_id = :user_id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
 WHERE c.id = :car_id
   AND c.deleted_at IS NULL
   AND listing_is_public(c.status);

-- name: price_history
-- A car's asking prices, oldest first (the first is the listing price); an empty list for an unknown car.
SELECT price, changed_at FROM car_price_history WHERE car_id = :car_id ORDER BY seq;

-- name: similar
-- Up to four other listed cars like this one: the same make and model first, then the same body type within a
-- quarter of the price; newest first within each, with whether :user_id (NULL for visitors) saved each and its
-- price rating; an empty list when none.
SELECT candidates.id, title, candidates.price, make, model, year, fuel, mileage_km, transmission, cover_photo,
       created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = candidates.id) AS is_favorite,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM ((SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.cover_photo,
                c.created_at, 1 AS rank
           FROM cars c
          WHERE c.status = 'available' AND c.deleted_at IS NULL AND c.make = :make AND c.model = :model
            AND c.id <> :car_id
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT 4)
        UNION ALL
        (SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.cover_photo,
                c.created_at, 2
           FROM cars c
          WHERE c.status = 'available' AND c.deleted_at IS NULL AND c.filter_tags @> ARRAY['body:' || :body]
            AND c.price BETWEEN :price::numeric * 0.75 AND :price::numeric * 1.25
            AND NOT (c.make = :make AND c.model = :model) AND c.id <> :car_id
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT 4)) AS candidates
  LEFT JOIN car_price_ratings pr ON pr.car_id = candidates.id AND pr.price = candidates.price
 ORDER BY rank, created_at DESC, candidates.id DESC
 LIMIT 4;

-- name: by_ids
-- The cars with these ids that anyone may see (listed, reserved, sold or withdrawn), for comparing and recently
-- viewed cars, with whether :user_id (NULL for visitors) saved each and its price rating (NULL unless for sale and
-- its current price was rated); in no particular order; an empty list when none.
SELECT c.id, c.title, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body,
       c.colour, c.condition, c.city, c.features, c.cover_photo, c.created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = c.id) AS is_favorite,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM cars c
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
 WHERE c.id = ANY(:ids::bigint[])
   AND c.deleted_at IS NULL
   AND listing_is_public(c.status);

-- name: add_views
-- Add batched page views to cars (parallel arrays of ids and counts); returns how many cars were updated.
UPDATE cars AS c SET view_count = c.view_count + v.views
  FROM unnest(:ids::bigint[], :views::bigint[]) AS v(id, views)
 WHERE c.id = v.id;

-- name: sitemap_range
-- Listed cars with ids in [:first_id, :last_id), with their last change, for one sitemap file; may be empty.
SELECT id, title, updated_at
  FROM cars
 WHERE id >= :first_id AND id < :last_id AND status = 'available' AND deleted_at IS NULL
 ORDER BY id;

-- name: max_id
-- The highest car id, 0 when there are no cars.
SELECT coalesce(max(id), 0) AS max_id FROM cars;
