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
