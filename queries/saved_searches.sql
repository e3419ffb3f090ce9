-- name: insert
-- Save a search for :user_id; its id. A duplicate of the person's filters raises saved_searches_user_query_key,
-- a 51st search saved_searches_limit.
INSERT INTO saved_searches (user_id, name, query, filters, words, frequency)
VALUES (:user_id, :name, :query, :filters::jsonb, :words, :frequency)
RETURNING id;

-- name: by_query
-- The person's saved search with exactly these filters (canonical query string); no row when none.
SELECT id, name FROM saved_searches WHERE user_id = :user_id AND query = :query;

-- name: of_user
-- A person's saved searches, newest first; an empty list when none.
SELECT id, name, query, frequency, paused, last_alert_at, created_at
  FROM saved_searches WHERE user_id = :user_id ORDER BY created_at DESC, id DESC;

-- name: update
-- Rename, change the frequency or pause/resume one of the person's saved searches (NULL: keep); resuming starts
-- from now (no alert for cars published while paused); no row when it is not theirs.
UPDATE saved_searches
   SET name = coalesce(:name, name),
       frequency = coalesce(:frequency, frequency),
       checked_until = CASE WHEN paused AND :paused::boolean IS FALSE THEN now() ELSE checked_until END,
       paused = coalesce(:paused::boolean, paused)
 WHERE id = :search_id AND user_id = :user_id
RETURNING id;

-- name: delete
-- Delete one of the person's saved searches; no row when it is not theirs.
DELETE FROM saved_searches WHERE id = :search_id AND user_id = :user_id RETURNING id;

-- name: matches
-- For every unpaused saved search of :frequency (of an active account), the listed cars published in
-- [its checked_until, :horizon) that pass its filters (car_matches_filters, as search.cars) and its words: one row
-- per due search: the number of matches (0 for none), the newest :per_mail of them as a json array ([] for none),
-- and the checked_until it was computed from (advance moves only searches still at that value).
WITH due AS MATERIALIZED (
    SELECT s.id, s.user_id, s.name, s.query, s.checked_until, f.*,
           CASE WHEN s.words IS NOT NULL THEN websearch_to_tsquery('english', s.words) END AS words,
           -- One filter tag the search requires (has_filter_tags' own spelling; the most selective first), so that
           -- a search without a make meets only the new cars carrying that tag.
           coalesce('city:' || lower(f.city), 'body:' || f.body, 'fuel:' || f.fuel, 'colour:' || lower(f.colour),
                    'transmission:' || f.transmission, 'condition:' || f.condition, f.tags[1]) AS key_tag
      FROM saved_searches s
      JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL AND u.is_active
      CROSS JOIN LATERAL jsonb_populate_record(NULL::search_filters, s.filters) AS f
     WHERE s.frequency = :frequency AND NOT s.paused AND s.checked_until < :horizon
), fresh AS MATERIALIZED (
    SELECT c.*
      FROM cars c
     WHERE c.status = 'available' AND c.deleted_at IS NULL
       AND c.published_at >= (SELECT min(d.checked_until) FROM due d) AND c.published_at < :horizon
), fresh_tag AS MATERIALIZED (
    SELECT DISTINCT c.id, t.tag FROM fresh c CROSS JOIN LATERAL unnest(c.filter_tags) AS t (tag)
), candidates AS (
    -- A search meets only the new cars of its make (a hash join), else those with its key tag, else every new car.
    -- The make and the tag are tested by car_matches_filters too, so this changes no result, only how many pairs
    -- are tried.
    SELECT d.id AS search_id, c.id AS car_id FROM due d JOIN fresh c ON c.make = d.make WHERE d.make IS NOT NULL
    UNION ALL
    SELECT d.id, t.id FROM due d JOIN fresh_tag t ON t.tag = d.key_tag WHERE d.make IS NULL
    UNION ALL
    SELECT d.id, c.id FROM due d CROSS JOIN fresh c WHERE d.make IS NULL AND d.key_tag IS NULL
), pairs AS (
    -- The words (the dearest test) last.
    SELECT d.id AS search_id, c.id AS car_id
      FROM candidates p
      JOIN due d ON d.id = p.search_id
      JOIN fresh c ON c.id = p.car_id
     WHERE c.published_at >= d.checked_until
       AND car_matches_filters(c, ROW(d.make, d.model, d.year_min, d.year_max, d.price_min, d.price_max,
               d.mileage_max, d.fuel, d.body, d.colour, d.transmission, d.condition, d.city, d.power_min,
               d.power_max, d.registered_from, d.registered_to, d.tags, d.seats_any, d.owners_any, d.emission_any,
               d.features, d.near_lat, d.near_lon, d.radius_km, d.lat_min, d.lat_max, d.lon_min,
               d.lon_max)::search_filters)
       AND (d.words IS NULL OR c.search @@ d.words)
), hits AS (
    SELECT p.search_id, c.id, c.title, c.price, c.mileage_km, c.city, c.published_at,
           row_number() OVER (PARTITION BY p.search_id ORDER BY c.published_at DESC, c.id DESC) AS position,
           count(*) OVER (PARTITION BY p.search_id) AS total
      FROM pairs p
      JOIN fresh c ON c.id = p.car_id
)
SELECT d.id, d.user_id, d.name, d.query, d.checked_until, coalesce(max(h.total), 0) AS total,
       coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'title', h.title, 'price', h.price,
                                             'mileage_km', h.mileage_km, 'city', h.city) ORDER BY h.position)
                    FILTER (WHERE h.id IS NOT NULL), '[]') AS cars
  FROM due d
  LEFT JOIN hits h ON h.search_id = d.id AND h.position <= :per_mail
 GROUP BY d.id, d.user_id, d.name, d.query, d.checked_until
 ORDER BY d.id;

-- name: advance
-- Mark saved searches of :frequency checked up to :horizon: those in :ids whose checked_until is still the one in
-- :seen (a concurrent run got the others), setting last_alert_at when :alerted; the ids advanced.
UPDATE saved_searches s
   SET checked_until = :horizon, last_alert_at = CASE WHEN :alerted THEN now() ELSE s.last_alert_at END
  FROM unnest(:ids::bigint[], :seen::timestamptz[]) AS v(id, seen)
 WHERE s.id = v.id AND s.checked_until = v.seen AND NOT s.paused
RETURNING s.id;
