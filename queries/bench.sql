-- name: count_cars
-- How many cars exist (any status); 0 when none.
SELECT count(*) FROM cars;

-- name: count_listed
-- How many cars are listed (available, not deleted), from listing_counts; 0 when none.
SELECT coalesce(sum(cars), 0)::bigint FROM listing_counts;

-- name: analyze
-- Refresh the planner's statistics after a bulk load; no rows.
ANALYZE;

-- name: vacuum_cars
-- Set the visibility map after a bulk load, as autovacuum soon would (index-only scans rely on it); no rows.
VACUUM cars;

-- name: compact_counts
-- Rewrite listing_counts compactly after a bulk load, which rewrote each of its rows once per batch (far more
-- churn than autovacuum meets in a site's life); no rows.
VACUUM (FULL) listing_counts;

-- name: some_listed_car
-- One listed car (the newest), for benchmarks that need a real car page; an empty list when none is listed.
SELECT id, title FROM cars WHERE status = 'available' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: clear_price_ratings
-- Remove every price rating, so a benchmark starts from none; returns how many were removed.
DELETE FROM car_price_ratings;

-- name: change_some_prices
-- Change the price of about :share of the listed cars by up to 5 % either way (their price history records it, as
-- an edit's would); returns how many changed.
UPDATE cars
   SET price = round(price * (0.95 + random()::numeric * 0.1), -1)
 WHERE status = 'available' AND deleted_at IS NULL AND random() < :share;

-- name: count_listed_model
-- How many cars of :make :model are listed (from listing_counts); 0 when none.
SELECT coalesce(sum(cars), 0)::bigint FROM listing_counts WHERE make = :make AND model = :model;

-- name: price_rating_shares
-- How many cars have each price rating (NULL: too few comparables), most first; an empty list when none is rated.
SELECT rating, count(*) AS cars FROM car_price_ratings GROUP BY rating ORDER BY count(*) DESC;

-- name: cluster_processes
-- The server processes doing this database's work: its client backends and the cluster's background processes
-- (checkpointer, WAL writer, autovacuum ...), without the caller's own connection; one row (pid) each.
SELECT pid
  FROM pg_stat_activity
 WHERE pid <> pg_backend_pid()
   AND (datname = current_database() OR backend_type <> 'client backend');

-- name: match_terms_in_sql
-- What carsite.cars.terms now answers in memory, as the search did it in SQL before: kept so that
-- bench/catalogue_terms.py and tests/test_terms.py can compare both.
-- Catalogue makes and models each search term may stand for, from their names and aliases in any language: every
-- exact one (the term reads as the name or alias, by catalogue_key: "vw", "3er", "c klasse"), and for the terms
-- in :fuzzy_terms that have none, the three closest of each kind by trigram distance or word distance (typos:
-- "toyta"; the caller decides what is close enough), best first, each with the spelling it matched, its
-- similarity and whether exactly; no rows for a term without exact matches that is not fuzzy. Makes and models nobody lists are candidates too: the catalogue, not the listings, says what a word
-- means, so no listing can change how another make is found. (A fuzzy term costs about 1 ms: six nearest-first
-- index scans.)
WITH terms AS (
    SELECT u.term, catalogue_key(u.term) AS key, u.term = ANY (:fuzzy_terms::text[]) AS fuzzy
      FROM unnest(:terms::text[]) AS u(term)
), exact AS (
    SELECT t.term, f.make_id, f.model_id, f.spelling
      FROM terms t
     CROSS JOIN LATERAL (
            SELECT mk.id AS make_id, NULL::integer AS model_id, mk.name AS spelling FROM makes mk WHERE mk.key = t.key
            UNION ALL
            SELECT md.make_id, md.id, md.name FROM models md WHERE md.key = t.key
            UNION ALL
            SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a WHERE a.key = t.key) AS f
), fuzzy AS (
    SELECT t.term, f.make_id, f.model_id, f.spelling,
           greatest(similarity(t.term, f.spelling), word_similarity(t.term, f.spelling)) AS score
      FROM terms t
     CROSS JOIN LATERAL (
            (SELECT mk.id AS make_id, NULL::integer AS model_id, mk.name AS spelling
               FROM makes mk ORDER BY t.term <-> mk.name LIMIT 3)
            UNION ALL
            (SELECT mk.id, NULL, mk.name FROM makes mk ORDER BY t.term <<-> mk.name LIMIT 3)
            UNION ALL
            (SELECT md.make_id, md.id, md.name FROM models md ORDER BY t.term <-> md.name LIMIT 3)
            UNION ALL
            (SELECT md.make_id, md.id, md.name FROM models md ORDER BY t.term <<-> md.name LIMIT 3)
            UNION ALL
            (SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a ORDER BY t.term <-> a.alias LIMIT 3)
            UNION ALL
            (SELECT a.make_id, a.model_id, a.alias FROM catalogue_aliases a ORDER BY t.term <<-> a.alias LIMIT 3)
         ) AS f
     WHERE t.fuzzy AND NOT EXISTS (SELECT FROM exact e WHERE e.term = t.term)
), best AS (  -- each make or model once per term, by its best spelling
    SELECT DISTINCT ON (c.term, c.make_id, c.model_id)
           c.term, CASE WHEN c.model_id IS NULL THEN 'make' ELSE 'model' END AS kind, c.make_id, c.model_id,
           c.spelling, c.exact, c.score
      FROM (SELECT e.term, e.make_id, e.model_id, e.spelling, true AS exact, 1.0::real AS score FROM exact e
            UNION ALL
            SELECT f.term, f.make_id, f.model_id, f.spelling, false, f.score FROM fuzzy f) AS c
     ORDER BY c.term, c.make_id, c.model_id, c.exact DESC, c.score DESC
), ranked AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.term, b.kind ORDER BY b.exact DESC, b.score DESC, b.make_id,
                                                                      b.model_id) AS rank
      FROM best b
)
SELECT r.term, r.kind, mk.name AS make, md.name AS model, r.spelling, r.exact, r.score
  FROM ranked r
  JOIN makes mk ON mk.id = r.make_id
  LEFT JOIN models md ON md.id = r.model_id
 WHERE r.exact OR r.rank <= 3
 ORDER BY r.term, r.kind, r.rank;

-- name: alert_users
-- Create (or find) :count benchmark accounts with confirmed addresses, named alerts-bench-N; their ids.
WITH made AS (
    INSERT INTO users (name, email, password_hash, role, email_verified_at)
    SELECT 'Alert Bench ' || n, 'alerts-bench-' || n || '@bench.carsite.test', 'no-login', 'user', now()
      FROM generate_series(1, :count) AS n
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT id FROM made
UNION
SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test'
ORDER BY id;

-- name: alert_vocabulary
-- The listed make/model pairs, cities, fuels and bodies with the most cars, for generating saved searches.
SELECT (SELECT jsonb_agg(jsonb_build_array(make, model)) FROM (
            SELECT make, model FROM listing_counts GROUP BY make, model ORDER BY sum(cars) DESC LIMIT 80) m) AS models,
       (SELECT jsonb_agg(city) FROM (
            SELECT city FROM cars WHERE status = 'available' AND city IS NOT NULL
             GROUP BY city ORDER BY count(*) DESC LIMIT 40) c) AS cities;

-- name: alert_reset
-- Start an alert benchmark afresh: remove the benchmark accounts' saved searches, notifications and mail; how many
-- saved searches were removed.
WITH bench AS (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test'),
     gone_mail AS (DELETE FROM mail_outbox WHERE user_id IN (SELECT id FROM bench)),
     gone_notes AS (DELETE FROM notifications WHERE user_id IN (SELECT id FROM bench)),
     gone_jobs AS (DELETE FROM procrastinate_jobs WHERE task_name = 'carsite.mail.deliver' AND queue_name = 'alerts'),
     gone AS (DELETE FROM saved_searches WHERE user_id IN (SELECT id FROM bench) RETURNING 1)
SELECT count(*) FROM gone;

-- name: alert_publish_day
-- A day's new cars: :count random listed cars get a published_at within the last day (up to two minutes ago), and
-- every benchmark saved search was last checked a day ago; how many cars were moved. Run after replica_role: the
-- trigger that keeps published_at (cars_stamp_published) would refuse the backdating.
WITH picked AS (
    SELECT id FROM cars WHERE status = 'available' AND deleted_at IS NULL ORDER BY random() LIMIT :count
), moved AS (
    UPDATE cars c SET published_at = now() - interval '2 minutes' - random() * interval '23 hours'
      FROM picked WHERE c.id = picked.id
    RETURNING 1
), checked AS (
    UPDATE saved_searches SET checked_until = now() - interval '1 day'
     WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test')
)
SELECT count(*) FROM moved;

-- name: alert_outbox
-- How many mails the benchmark accounts have queued.
SELECT count(*) FROM mail_outbox WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'alerts-bench-%@bench.carsite.test');

-- name: replica_role
-- Skip triggers for the rest of this transaction (a benchmark's setup writes; needs a superuser); no rows.
SET LOCAL session_replication_role = replica;

-- name: analyze_alerts
-- Refresh the statistics of what an alert benchmark changed; no rows.
ANALYZE cars, saved_searches;

-- name: alert_clear_day
-- Move the cars published within the last day (by the seed) a day back, so that only a benchmark's own day of new
-- cars is new; how many moved. Run after replica_role, as alert_publish_day.
UPDATE cars SET published_at = published_at - interval '2 days'
 WHERE status = 'available' AND deleted_at IS NULL AND published_at > now() - interval '1 day';
