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
-- Make and model are catalogue ids (the trigger cars_follow_catalogue writes their names); :features holds each
-- car's features as an array literal ('{"Towbar","Isofix"}').
INSERT INTO cars (seller_id, title, description, price, status, make_id, model_id, make, model, year, fuel,
                  mileage_km, transmission, body, colour, created_at, city, condition, seller_type, power_kw, owners,
                  registration_month, accident_free, doors, seats, emission_class, features, latitude, longitude)
SELECT u.seller_id, u.title, u.description, u.price, u.status, u.make_id, u.model_id, '', '', u.year, u.fuel,
       u.mileage_km, u.transmission, u.body, u.colour, u.created_at, u.city, u.condition, u.seller_type, u.power_kw,
       u.owners, u.registration_month, u.accident_free, u.doors, u.seats, u.emission_class, u.features::text[],
       u.latitude, u.longitude
  FROM unnest(:seller_ids::bigint[], :titles::text[], :descriptions::text[], :prices::numeric[], :statuses::text[],
              :make_ids::integer[], :model_ids::integer[], :years::smallint[], :fuels::text[], :mileages::integer[],
              :transmissions::text[], :bodies::text[], :colours::text[], :created_ats::timestamptz[],
              :cities::text[], :conditions::text[], :seller_types::text[], :power_kws::smallint[],
              :owners::smallint[], :registration_months::smallint[], :accident_frees::boolean[],
              :doors::smallint[], :seats::smallint[], :emission_classes::text[], :features::text[],
              :latitudes::float8[], :longitudes::float8[])
       AS u(seller_id, title, description, price, status, make_id, model_id, year, fuel, mileage_km, transmission,
            body, colour, created_at, city, condition, seller_type, power_kw, owners, registration_month,
            accident_free, doors, seats, emission_class, features, latitude, longitude)
RETURNING id;

-- name: generate
-- Insert :count random cars (set-based, for benchmarks) drawn from the given models, places and sellers; returns
-- the number inserted. Model arrays are parallel: the i-th make, model, catalogue ids, body, base price and
-- production years (year_to NULL: still built) belong together; each car's year lies within its model's years
-- (and 2006-2026). So are the place arrays (:cities, :latitudes, :longitudes; the first places are picked most
-- often). Power follows the model's price class, owners the age, doors and seats the body, the emission class the
-- year; a third of the sellers' cars are a dealer's; each car has some of :features, newer cars more.
INSERT INTO cars (seller_id, title, description, price, status, make_id, model_id, make, model, year, fuel,
                  mileage_km, transmission, body, colour, created_at, city, condition, seller_type, power_kw, owners,
                  registration_month, accident_free, doors, seats, emission_class, features, latitude, longitude)
SELECT (:seller_ids::bigint[])[1 + floor(r.s * cardinality(:seller_ids::bigint[]))::int],
       concat_ws(' ', (:makes::text[])[r.m], (:models::text[])[r.m], nullif(r.trim_level, '')),
       format('%s %s from %s, %s km, %s owner(s).', (:makes::text[])[r.m], (:models::text[])[r.m], r.year,
              r.mileage, r.owners),
       round(greatest(500, (:base_prices::numeric[])[r.m] * power(0.88, 2026 - r.year) * (0.85 + r.p * 0.3)::numeric), -1),
       CASE WHEN r.st < 0.90 THEN 'available' WHEN r.st < 0.94 THEN 'sold'
            WHEN r.st < 0.97 THEN 'reserved' ELSE 'pending' END,
       (:make_ids::integer[])[r.m], (:model_ids::integer[])[r.m], (:makes::text[])[r.m], (:models::text[])[r.m],
       r.year, r.fuel, r.mileage,
       CASE WHEN r.t < 0.55 THEN 'automatic' ELSE 'manual' END,
       (:bodies::text[])[r.m],
       (ARRAY['black', 'white', 'silver', 'grey', 'blue', 'red', 'green', 'brown', 'beige', 'yellow'])
           [1 + floor(r.c * 10)::int],
       now() - r.age * interval '730 days',
       (:cities::text[])[r.place],
       CASE WHEN r.year >= 2026 AND r.mileage < 2000 THEN 'new' ELSE 'used' END,
       CASE WHEN r.d < 0.35 THEN 'dealer' ELSE 'private' END,
       greatest(40, round((45 + (:base_prices::numeric[])[r.m] / 380) * (0.75 + r.pw * 0.55)))::smallint,
       r.owners,
       (1 + floor(r.mo * 12))::smallint,
       CASE WHEN r.a < 0.80 THEN true WHEN r.a < 0.87 THEN false END,
       CASE (:bodies::text[])[r.m] WHEN 'coupe' THEN 2 + (r.x < 0.25)::int WHEN 'convertible' THEN 2
            WHEN 'sedan' THEN 4 WHEN 'pickup' THEN 4 WHEN 'hatchback' THEN 5 - 2 * (r.x < 0.2)::int
            ELSE 5 END::smallint,
       CASE (:bodies::text[])[r.m] WHEN 'coupe' THEN 4 WHEN 'convertible' THEN 2 + 2 * (r.x < 0.5)::int
            WHEN 'minivan' THEN 7 WHEN 'van' THEN 3 + 6 * (r.x < 0.3)::int WHEN 'suv' THEN 5 + 2 * (r.x < 0.2)::int
            ELSE 5 END::smallint,
       CASE WHEN r.fuel = 'electric' THEN NULL WHEN r.year >= 2024 THEN 'euro6e' WHEN r.year >= 2021 THEN 'euro6d'
            WHEN r.year >= 2019 THEN 'euro6d_temp' WHEN r.year >= 2017 THEN 'euro6c' WHEN r.year >= 2015 THEN 'euro6'
            WHEN r.year >= 2011 THEN 'euro5' ELSE 'euro4' END,
       ARRAY(SELECT f FROM unnest(:features::text[]) WITH ORDINALITY AS fs(f, i)
              WHERE (hashint8(r.fh * 64 + i) & 1023) < 250 + 25 * (r.year - 2006)
              ORDER BY i),
       (:latitudes::float8[])[r.place], (:longitudes::float8[])[r.place]
  FROM (SELECT y.*,
               (ARRAY['petrol', 'petrol', 'diesel', 'diesel', 'hybrid', 'electric', 'plug_in_hybrid', 'lpg'])
                   [1 + floor(y.f * 8)::int] AS fuel,
               CASE WHEN y.year >= 2026 AND y.o < 0.6 THEN 0 ELSE 1 + floor(y.o * y.o * (2 + (2026 - y.year) / 4.0))::int
               END::smallint AS owners
          FROM (SELECT g.*, g.first + floor(g.y * (g.last - g.first + 1))::int AS year
                  FROM (SELECT n.m, greatest(2006, (:year_froms::int[])[n.m]) AS first,
                               least(2026, coalesce((:year_tos::int[])[n.m], 2026)) AS last,
                               (ARRAY['', 'Comfort', 'Sport', 'Premium', 'Base', 'Limited'])[1 + floor(random() * 6)::int]
                                   AS trim_level,
                               floor(random() * 240000)::int AS mileage,
                               1 + floor(power(random(), 2) * cardinality(:cities::text[]))::int AS place,
                               random() AS y, random() AS s, random() AS o, random() AS p, random() AS st,
                               random() AS f, random() AS t, random() AS c, random() AS age, random() AS d,
                               random() AS pw, random() AS mo, random() AS a, random() AS x,
                               floor(random() * 1e9)::bigint AS fh
                          FROM (SELECT 1 + floor(random() * cardinality(:models::text[]))::int AS m
                                  FROM generate_series(1, :count)) AS n) AS g) AS y) AS r;

-- name: car_page
-- plan: generic
-- Everything the car page shows about one car anyone may see (listing_is_public), with whether :user_id (NULL for
-- visitors) saved it and its price rating (NULL unless the car is for sale and its current price was rated; a
-- rating NULL with comparables set means too few comparables) and whether its seller publishes a phone number
-- (phone_shown: the number itself is not here, see contact.reveal_phone) and :user_id's conversation about it
-- (my_conversation_id, NULL when none), :user_id's latest order of it as buyer or seller (my_order_id and
-- my_order_status, a live one first; NULL when none) and the seller's rating (seller_rating, seller_reviews: NULL
-- without reviews); no row when the id is unknown, the car
-- was deleted or is not public. For a logged-in :user_id the same statement notes the car as recently viewed (so the page
-- keeps its query budget).
WITH seen AS (
    INSERT INTO recently_viewed (user_id, car_id, viewed_at)
    SELECT :user_id::bigint, v.id, now() FROM cars v
     WHERE v.id = :car_id AND :user_id::bigint IS NOT NULL AND v.deleted_at IS NULL AND listing_is_public(v.status)
    ON CONFLICT ON CONSTRAINT recently_viewed_pkey DO UPDATE SET viewed_at = excluded.viewed_at
)
SELECT c.id, c.title, c.description, c.price, c.status, c.make, c.model, c.year, c.fuel, c.mileage_km,
       c.transmission, c.body, c.colour, c.condition, c.city, c.postcode, c.vin, c.features, c.specs,
       c.seo_title, c.seo_description, c.created_at, c.updated_at, c.seller_id, c.seller_type, c.power_kw, c.owners,
       c.registration_month, c.accident_free, c.doors, c.seats, c.emission_class,
       u.name AS seller_name, u.role AS seller_role, u.created_at AS seller_since,
       (f.id IS NOT NULL) AS is_favorite, c.featured,
       (SELECT coalesce(json_agg(json_build_object('file', p.file, 'width', p.width, 'height', p.height)
                                 ORDER BY p.position), '[]'::json)
          FROM car_photos p WHERE p.car_id = c.id AND NOT p.awaiting_review) AS photos,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables,
       (u.phone IS NOT NULL AND coalesce(ss.phone_public, false)) AS phone_shown,
       (SELECT cv.id FROM conversations cv WHERE cv.car_id = c.id AND cv.buyer_id = :user_id) AS my_conversation_id,
       mo.id AS my_order_id, mo.status AS my_order_status,
       sr.average AS seller_rating, sr.review_count AS seller_reviews
  FROM cars c
  JOIN users u ON u.id = c.seller_id
  LEFT JOIN seller_settings ss ON ss.user_id = c.seller_id
  LEFT JOIN seller_ratings sr ON sr.seller_id = c.seller_id
  LEFT JOIN favorites f ON f.car_id = c.id AND f.user_id = :user_id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
  LEFT JOIN LATERAL (SELECT o.id, o.status FROM orders o
                      WHERE o.car_id = c.id AND :user_id::bigint IN (o.buyer_id, o.seller_id)
                      ORDER BY o.status = 'cancelled', o.id DESC
                      LIMIT 1) mo ON true
 WHERE c.id = :car_id
   AND c.deleted_at IS NULL
   AND listing_is_public(c.status);

-- name: price_history
-- plan: generic
-- A car's asking prices, oldest first (the first is the listing price); an empty list for an unknown car.
SELECT price, changed_at FROM car_price_history WHERE car_id = :car_id ORDER BY seq;

-- name: similar
-- plan: generic
-- Up to four other listed cars like this one: the same make and model first, then the same body type within a
-- quarter of the price among the newest 10,000 listed cars; newest first within each, with whether :user_id (NULL
-- for visitors) saved each and its price rating; an empty list when none.
-- One plan serves every car page (planning it cost more than running it): each branch finds its ids by walking an
-- index in the order wanted, reading only the index (the newest listed cars' covering index carries body, price,
-- make and model), and the four cars are then read by id. The window bounds that walk for a car few others are
-- like (a rare body at an unusual price: without it, every listed car, 2 s at a million).
WITH candidates AS (
    (SELECT c.id, c.created_at, 1 AS rank
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND c.make = :make AND c.model = :model
        AND c.id <> :car_id
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT 4)
    UNION ALL
    (SELECT w.id, w.created_at, 2
       FROM (SELECT c.id, c.created_at, c.body, c.price, c.make, c.model
               FROM cars c
              WHERE c.status = 'available' AND c.deleted_at IS NULL
              ORDER BY c.created_at DESC, c.id DESC
              LIMIT 10000) AS w
      WHERE w.body = :body AND w.price BETWEEN :price::numeric * 0.75 AND :price::numeric * 1.25
        AND NOT (w.make = :make AND w.model = :model) AND w.id <> :car_id
      ORDER BY w.created_at DESC, w.id DESC
      LIMIT 4)
), chosen AS (
    SELECT k.id, k.rank FROM candidates k ORDER BY k.rank, k.created_at DESC, k.id DESC LIMIT 4
)
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.cover_photo,
       c.created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = c.id) AS is_favorite,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM chosen n
  JOIN cars c ON c.id = n.id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price
 ORDER BY n.rank, c.created_at DESC, c.id DESC;

-- name: by_ids
-- plan: generic
-- The cars with these ids that anyone may see (listed, reserved, sold or withdrawn), for comparing and recently
-- viewed cars, with whether :user_id (NULL for visitors) saved each and its price rating (NULL unless for sale and
-- its current price was rated); in no particular order; an empty list when none. One plan serves every call (the
-- ids are looked up in the primary key however many there are).
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
