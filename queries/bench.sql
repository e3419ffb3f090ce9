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
