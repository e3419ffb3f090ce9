-- name: cars
-- plan: custom
-- One page of listed cars matching the filters (each NULL filter is off), in the order :sort names, after the
-- keyset (:after_value, :after_id) of the previous page, each with whether :user_id (NULL for visitors) saved it,
-- its price rating (NULL without a rating of its current price) and its seller's rating (seller_rating, the
-- average, and seller_reviews, the count: NULL without reviews; seller_ratings joined by key for the page's rows
-- only); an empty list when nothing matches.
-- Search words that at most 2,000 listed cars contain are looked up in the text index first (listed_text_hits)
-- and those cars sorted in the last branch, whatever the sort; common words are checked while walking the sort's
-- own index (walking the price index for a word no car has would read every listed car). Relevance then ranks
-- only the newest 1,000 matches (ranking every match of a common word costs seconds at a million cars).
-- The filters are car_matches_filters (migration 0034), which the saved-search alerts share; the planner inlines it.
-- The categorical filters and the city are checked through filter_tags alone (has_filter_tags, which the planner
-- inlines): a second, equivalent condition on the columns would make the planner expect a hundred times fewer
-- cars than match, and choose slow plans.
-- The other exact filters (seller type, doors, accident free, photos) are tags too (:tags, all of them),
-- and "at least"/"at most" ones (seats, owners, emission class) ask for any of their tags (:seats_any, ...); the
-- tags are spelled by carsite.cars.search.tag_filters as the filter_tags column spells them. Power, registration
-- month and the circle around :near_lat/:near_lon (its bounding box first, so an index serves it; :radius_km in km)
-- are checked on columns the covering indexes carry; :features (all of them) on cars.features and its GIN index. Each car
-- has its distance_km from the place (NULL without one).
-- Each branch finds only the ids of its page (from a covering index where one serves: for the newest first, the
-- filters are checked inside the index without reading the table), then the page's rows are read by id.
-- The cursor value is cast only inside its own sort's CASE arm: PostgreSQL folds constant casts while planning,
-- even in the branches it then prunes, and a timestamp is no valid price.
WITH text_hits AS MATERIALIZED (
    SELECT listed_text_hits(:text, 2000) AS ids
), listed AS NOT MATERIALIZED (
    SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body, c.colour,
           c.condition, c.city, c.status, c.created_at, c.cover_photo, c.search
      FROM cars c
     WHERE car_matches_filters(c, ROW(
               :make::text, :model::text, :year_min::int, :year_max::int, :price_min::numeric, :price_max::numeric,
               :mileage_max::int, :fuel::text, :body::text, :colour::text, :transmission::text, :condition::text,
               :city::text, :power_min::int, :power_max::int, :registered_from::int, :registered_to::int,
               :tags::text[], :seats_any::text[], :owners_any::text[], :emission_any::text[], :features::text[],
               :near_lat::float8, :near_lon::float8, :radius_km::int, :lat_min::float8, :lat_max::float8,
               :lon_min::float8, :lon_max::float8)::search_filters)
), matched AS NOT MATERIALIZED (  -- without words, or with common ones
    SELECT l.*
      FROM listed l
     WHERE :text::text IS NULL
        OR ((SELECT t.ids FROM text_hits t) IS NULL AND l.search @@ websearch_to_tsquery('english', :text))
), few AS NOT MATERIALIZED (  -- with rare words
    SELECT l.*, CASE WHEN :sort::text = 'relevance'
                     THEN ts_rank(l.search, websearch_to_tsquery('english', :text))::real END AS rank
      FROM listed l
     WHERE :text::text IS NOT NULL
       AND l.id = ANY ((SELECT t.ids FROM text_hits t)::bigint[])
), page AS (  -- the ids of one page, in order: only the branch of :sort yields rows
    (SELECT m.id, NULL::real AS rank
       FROM matched m
      WHERE :sort::text = 'newest'
        AND (:after_id::bigint IS NULL OR (m.created_at, m.id) < (CASE WHEN :sort::text = 'newest' THEN :after_value::text::timestamptz END, :after_id))
      ORDER BY m.created_at DESC, m.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT m.id, NULL::real AS rank
       FROM matched m
      WHERE :sort::text = 'price_asc'
        AND (:after_id::bigint IS NULL OR (m.price, m.id) > (CASE WHEN :sort::text = 'price_asc' THEN :after_value::text::numeric END, :after_id))
      ORDER BY m.price, m.id
      LIMIT :limit)
    UNION ALL
    (SELECT m.id, NULL::real AS rank
       FROM matched m
      WHERE :sort::text = 'price_desc'
        AND (:after_id::bigint IS NULL OR (m.price, m.id) < (CASE WHEN :sort::text = 'price_desc' THEN :after_value::text::numeric END, :after_id))
      ORDER BY m.price DESC, m.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT m.id, NULL::real AS rank
       FROM matched m
      WHERE :sort::text = 'mileage_asc'
        AND (:after_id::bigint IS NULL OR (m.mileage_km, m.id) > (CASE WHEN :sort::text = 'mileage_asc' THEN :after_value::text::int END, :after_id))
      ORDER BY m.mileage_km, m.id
      LIMIT :limit)
    UNION ALL
    (SELECT m.id, NULL::real AS rank
       FROM matched m
      WHERE :sort::text = 'year_desc'
        AND (:after_id::bigint IS NULL OR (m.year, m.id) < (CASE WHEN :sort::text = 'year_desc' THEN :after_value::text::int END, :after_id))
      ORDER BY m.year DESC, m.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT r.id, r.rank
       FROM (SELECT m.id, ts_rank(m.search, websearch_to_tsquery('english', :text))::real AS rank
               FROM matched m
              WHERE :sort::text = 'relevance'
              ORDER BY m.created_at DESC, m.id DESC
              LIMIT 1000) r
      WHERE :after_id::bigint IS NULL OR (r.rank, r.id) < (CASE WHEN :sort::text = 'relevance' THEN :after_value::text::real END, :after_id)
      ORDER BY r.rank DESC, r.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT f.id, f.rank
       FROM few f
      WHERE :after_id::bigint IS NULL
         OR CASE :sort::text
            WHEN 'newest' THEN (f.created_at, f.id)
                 < (CASE WHEN :sort::text = 'newest' THEN :after_value::text::timestamptz END, :after_id)
            WHEN 'price_asc' THEN (f.price, f.id)
                 > (CASE WHEN :sort::text = 'price_asc' THEN :after_value::text::numeric END, :after_id)
            WHEN 'price_desc' THEN (f.price, f.id)
                 < (CASE WHEN :sort::text = 'price_desc' THEN :after_value::text::numeric END, :after_id)
            WHEN 'mileage_asc' THEN (f.mileage_km, f.id)
                 > (CASE WHEN :sort::text = 'mileage_asc' THEN :after_value::text::int END, :after_id)
            WHEN 'year_desc' THEN (f.year, f.id)
                 < (CASE WHEN :sort::text = 'year_desc' THEN :after_value::text::int END, :after_id)
            WHEN 'relevance' THEN (f.rank, f.id)
                 < (CASE WHEN :sort::text = 'relevance' THEN :after_value::text::real END, :after_id)
            END
      ORDER BY CASE WHEN :sort::text = 'newest' THEN f.created_at END DESC,
               CASE WHEN :sort::text = 'price_asc' THEN f.price END,
               CASE WHEN :sort::text = 'price_desc' THEN f.price END DESC,
               CASE WHEN :sort::text = 'mileage_asc' THEN f.mileage_km END,
               CASE WHEN :sort::text = 'year_desc' THEN f.year END DESC,
               CASE WHEN :sort::text = 'relevance' THEN f.rank END DESC,
               CASE WHEN :sort::text IN ('price_asc', 'mileage_asc') THEN f.id END,
               f.id DESC
      LIMIT :limit)
), numbered AS (
    SELECT p.id, p.rank, row_number() OVER () AS position FROM page p
)
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body, c.colour,
       c.condition, c.city, c.status, c.created_at, c.cover_photo,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = c.id) AS is_favorite, n.rank,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables,
       distance_km(c.latitude, c.longitude, :near_lat, :near_lon) AS distance_km,
       sr.average AS seller_rating, sr.review_count AS seller_reviews
  FROM numbered n
  JOIN cars c ON c.id = n.id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price
  LEFT JOIN seller_ratings sr ON sr.seller_id = c.seller_id
 ORDER BY n.position;

-- name: cars_unfiltered
-- plan: generic
-- One page of listed cars as search.cars returns it for a search without filters, words or place (the home page,
-- /cars and the API's list as they open): in the order :sort names (any but relevance, which needs words), after
-- the keyset (:after_value, :after_id) of the previous page (both NULL for the first), each with whether :user_id
-- (NULL for visitors) saved it, its price rating and its seller's rating (as search.cars); an empty list when
-- nothing is listed.
-- One plan serves every call (search.cars is planned for each call's values, which costs more than running this):
-- each sort's branch walks its own covering index from the keyset on, and without a cursor from the index's first
-- entry (a keyset before every car), so the index condition is the same for every page; only the branch of :sort
-- runs. The cursor value is cast only inside its own sort's CASE arm, as in search.cars.
WITH page AS (
    (SELECT c.id
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND :sort::text = 'newest'
        AND (c.created_at, c.id)
            < (coalesce(CASE WHEN :sort::text = 'newest' THEN :after_value::text::timestamptz END, 'infinity'),
               coalesce(:after_id::bigint, 9223372036854775807))
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT c.id
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND :sort::text = 'price_asc'
        AND (c.price, c.id)
            > (coalesce(CASE WHEN :sort::text = 'price_asc' THEN :after_value::text::numeric END, '-Infinity'),
               coalesce(:after_id::bigint, -9223372036854775808))
      ORDER BY c.price, c.id
      LIMIT :limit)
    UNION ALL
    (SELECT c.id
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND :sort::text = 'price_desc'
        AND (c.price, c.id)
            < (coalesce(CASE WHEN :sort::text = 'price_desc' THEN :after_value::text::numeric END, 'Infinity'),
               coalesce(:after_id::bigint, 9223372036854775807))
      ORDER BY c.price DESC, c.id DESC
      LIMIT :limit)
    UNION ALL
    (SELECT c.id
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND :sort::text = 'mileage_asc'
        AND (c.mileage_km, c.id)
            > (coalesce(CASE WHEN :sort::text = 'mileage_asc' THEN :after_value::text::int END, -2147483648),
               coalesce(:after_id::bigint, -9223372036854775808))
      ORDER BY c.mileage_km, c.id
      LIMIT :limit)
    UNION ALL
    (SELECT c.id
       FROM cars c
      WHERE c.status = 'available' AND c.deleted_at IS NULL AND :sort::text = 'year_desc'
        AND (c.year, c.id)
            < (coalesce(CASE WHEN :sort::text = 'year_desc' THEN :after_value::text::int END, 2147483647),
               coalesce(:after_id::bigint, 9223372036854775807))
      ORDER BY c.year DESC, c.id DESC
      LIMIT :limit)
)
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body, c.colour,
       c.condition, c.city, c.status, c.created_at, c.cover_photo,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = c.id) AS is_favorite,
       NULL::real AS rank,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables,
       NULL::float8 AS distance_km,
       sr.average AS seller_rating, sr.review_count AS seller_reviews
  FROM unnest(ARRAY(SELECT p.id FROM page p)) WITH ORDINALITY AS n(id, position)
  JOIN cars c ON c.id = n.id
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price
  LEFT JOIN seller_ratings sr ON sr.seller_id = c.seller_id
 ORDER BY n.position;

-- name: facets_from_counts
-- plan: custom
-- Facet counts for filters on categorical columns only, from listing_counts: each facet counts as if its own filter
-- were off (so other choices stay visible); models only once a make is chosen; facet 'total' is the number of
-- matching cars. One small aggregate per facet (a single pass with grouping sets computes every facet's sum for
-- every group, which costs more); with a make chosen, the others read only that make's rows.
WITH counts AS NOT MATERIALIZED (
    SELECT lc.make, lc.model, lc.fuel, lc.body, lc.transmission, lc.colour, lc.condition, lc.cars,
           (:make::text IS NULL OR lc.make = :make) AS m_make,
           (:model::text IS NULL OR lc.model = :model) AS m_model,
           (:fuel::text IS NULL OR lc.fuel = :fuel) AS m_fuel,
           (:body::text IS NULL OR lc.body = :body) AS m_body,
           (:transmission::text IS NULL OR lc.transmission = :transmission) AS m_transmission,
           (:colour::text IS NULL OR lc.colour = :colour) AS m_colour,
           (:condition::text IS NULL OR lc.condition = :condition) AS m_condition
      FROM listing_counts lc
     WHERE lc.cars > 0
)
SELECT 'make' AS facet, make AS value, sum(cars) AS cars
  FROM counts WHERE m_model AND m_fuel AND m_body AND m_transmission AND m_colour AND m_condition
 GROUP BY make
UNION ALL
SELECT 'model', model, sum(cars)
  FROM counts WHERE :make::text IS NOT NULL AND m_make AND m_fuel AND m_body AND m_transmission AND m_colour
                AND m_condition
 GROUP BY model
UNION ALL
SELECT 'fuel', fuel, sum(cars)
  FROM counts WHERE m_make AND m_model AND m_body AND m_transmission AND m_colour AND m_condition
 GROUP BY fuel
UNION ALL
SELECT 'body', body, sum(cars)
  FROM counts WHERE m_make AND m_model AND m_fuel AND m_transmission AND m_colour AND m_condition
 GROUP BY body
UNION ALL
SELECT 'transmission', transmission, sum(cars)
  FROM counts WHERE m_make AND m_model AND m_fuel AND m_body AND m_colour AND m_condition
 GROUP BY transmission
UNION ALL
SELECT 'colour', colour, sum(cars)
  FROM counts WHERE m_make AND m_model AND m_fuel AND m_body AND m_transmission AND m_condition
 GROUP BY colour
UNION ALL
SELECT 'condition', condition, sum(cars)
  FROM counts WHERE m_make AND m_model AND m_fuel AND m_body AND m_transmission AND m_colour
 GROUP BY condition
UNION ALL
SELECT 'total', NULL, coalesce(sum(cars), 0)
  FROM counts WHERE m_make AND m_model AND m_fuel AND m_body AND m_transmission AND m_colour AND m_condition
ORDER BY 1, 3 DESC, 2;

-- name: facets_from_sample
-- plan: custom
-- Facet counts when text or features are chosen (other filters may be on too): counted over the newest :sample
-- matching cars (bounded work at any size); facet 'total' is the number counted, so a total of :sample means "at
-- least" (and the counts are then only a sample's: the page shows the values without numbers). Features are checked
-- in the table (cars.features is in no covering index). Filters are written as in search.cars, so the planner
-- estimates them alike.
WITH sample AS (
    SELECT c.make, c.model, c.fuel, c.body, c.transmission, c.colour, c.condition
      FROM cars c
     WHERE c.status = 'available'
       AND c.deleted_at IS NULL
       AND (:make::text IS NULL OR c.make = :make)
       AND (:model::text IS NULL OR c.model = :model)
       AND (:year_min::int IS NULL OR c.year >= :year_min)
       AND (:year_max::int IS NULL OR c.year <= :year_max)
       AND (:price_min::numeric IS NULL OR c.price >= :price_min)
       AND (:price_max::numeric IS NULL OR c.price <= :price_max)
       AND (:mileage_max::int IS NULL OR c.mileage_km <= :mileage_max)
       AND has_filter_tags(c.filter_tags, :fuel, :body, :colour, :transmission, :condition, :city)
       AND (:power_min::int IS NULL OR c.power_kw >= :power_min)
       AND (:power_max::int IS NULL OR c.power_kw <= :power_max)
       AND (:registered_from::int IS NULL OR c.year * 100 + coalesce(c.registration_month, 12) >= :registered_from)
       AND (:registered_to::int IS NULL OR c.year * 100 + coalesce(c.registration_month, 1) <= :registered_to)
       AND (:tags::text[] IS NULL OR c.filter_tags @> :tags::text[])
       AND (:seats_any::text[] IS NULL OR c.filter_tags && :seats_any::text[])
       AND (:owners_any::text[] IS NULL OR c.filter_tags && :owners_any::text[])
       AND (:emission_any::text[] IS NULL OR c.filter_tags && :emission_any::text[])
       AND (:features::text[] IS NULL OR c.features @> :features::text[])
       AND (:near_lat::float8 IS NULL
            OR c.latitude BETWEEN :lat_min AND :lat_max AND c.longitude BETWEEN :lon_min AND :lon_max
               AND distance_km(c.latitude, c.longitude, :near_lat, :near_lon) <= :radius_km)
       AND (:text::text IS NULL OR c.search @@ websearch_to_tsquery('english', :text))
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT :sample
)
SELECT CASE WHEN GROUPING(make) = 0 THEN 'make' WHEN GROUPING(model) = 0 THEN 'model'
            WHEN GROUPING(fuel) = 0 THEN 'fuel' WHEN GROUPING(body) = 0 THEN 'body'
            WHEN GROUPING(transmission) = 0 THEN 'transmission' WHEN GROUPING(colour) = 0 THEN 'colour'
            WHEN GROUPING(condition) = 0 THEN 'condition' ELSE 'total' END AS facet,
       coalesce(make, model, fuel, body, transmission, colour, condition) AS value,
       count(*) AS cars
  FROM sample
 GROUP BY GROUPING SETS ((make), (model), (fuel), (body), (transmission), (colour), (condition), ())
 ORDER BY 1, 3 DESC, 2;

-- name: facets_from_window
-- plan: custom
-- Facet counts when range, city, place or listing-detail filters are on but no text or features: counted over at
-- most :sample matching cars among the newest :window listed cars of the chosen make and model (any, if none
-- chosen). The work is bounded at any size, and only a covering index is read (cars_listed_created_at_idx, or the
-- one per make, or per make and model).
-- Rows: each facet value with its count; facet 'total' is the number of matches counted. With fewer than :sample
-- matches, a row 'scope' says how many listed cars the make and model have: more than :window means the window did
-- not hold them all, and the total is then a share of the window to extrapolate from.
WITH counted AS (
    SELECT CASE WHEN GROUPING(make) = 0 THEN 'make' WHEN GROUPING(model) = 0 THEN 'model'
                WHEN GROUPING(fuel) = 0 THEN 'fuel' WHEN GROUPING(body) = 0 THEN 'body'
                WHEN GROUPING(transmission) = 0 THEN 'transmission' WHEN GROUPING(colour) = 0 THEN 'colour'
                WHEN GROUPING(condition) = 0 THEN 'condition' ELSE 'total' END AS facet,
           coalesce(make, model, fuel, body, transmission, colour, condition) AS value,
           count(*) AS cars
      FROM (SELECT r.make, r.model, r.fuel, r.body, r.transmission, r.colour, r.condition
              FROM (SELECT c.make, c.model, c.fuel, c.body, c.transmission, c.colour, c.condition, c.year, c.price,
                           c.mileage_km, c.power_kw, c.registration_month, c.latitude, c.longitude, c.filter_tags
                      FROM cars c
                     WHERE c.status = 'available'
                       AND c.deleted_at IS NULL
                       AND (:make::text IS NULL OR c.make = :make)
                       AND (:model::text IS NULL OR c.model = :model)
                     ORDER BY c.created_at DESC, c.id DESC
                     LIMIT :window) AS r
             WHERE (:year_min::int IS NULL OR r.year >= :year_min)
               AND (:year_max::int IS NULL OR r.year <= :year_max)
               AND (:price_min::numeric IS NULL OR r.price >= :price_min)
               AND (:price_max::numeric IS NULL OR r.price <= :price_max)
               AND (:mileage_max::int IS NULL OR r.mileage_km <= :mileage_max)
               AND has_filter_tags(r.filter_tags, :fuel, :body, :colour, :transmission, :condition, :city)
               AND (:power_min::int IS NULL OR r.power_kw >= :power_min)
               AND (:power_max::int IS NULL OR r.power_kw <= :power_max)
               AND (:registered_from::int IS NULL OR r.year * 100 + coalesce(r.registration_month, 12) >= :registered_from)
               AND (:registered_to::int IS NULL OR r.year * 100 + coalesce(r.registration_month, 1) <= :registered_to)
               AND (:tags::text[] IS NULL OR r.filter_tags @> :tags::text[])
               AND (:seats_any::text[] IS NULL OR r.filter_tags && :seats_any::text[])
               AND (:owners_any::text[] IS NULL OR r.filter_tags && :owners_any::text[])
               AND (:emission_any::text[] IS NULL OR r.filter_tags && :emission_any::text[])
               AND (:near_lat::float8 IS NULL
                    OR r.latitude BETWEEN :lat_min AND :lat_max AND r.longitude BETWEEN :lon_min AND :lon_max
                       AND distance_km(r.latitude, r.longitude, :near_lat, :near_lon) <= :radius_km)
             LIMIT :sample) AS sample
     GROUP BY GROUPING SETS ((make), (model), (fuel), (body), (transmission), (colour), (condition), ())
)
SELECT facet, value, cars FROM counted
UNION ALL
SELECT 'scope', NULL, coalesce(sum(lc.cars), 0)
  FROM listing_counts lc
 WHERE (:make::text IS NULL OR lc.make = :make)
   AND (:model::text IS NULL OR lc.model = :model)
   AND (SELECT c.cars FROM counted c WHERE c.facet = 'total') < :sample
ORDER BY 1, 3 DESC, 2;
