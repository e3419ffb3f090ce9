-- name: refresh
-- plan: custom
-- Rate the asking price of every listed car (or, with :make and :model, of that model's listed cars only) against
-- its comparables, in one statement; returns the number of rating rows written or removed (a row whose figures did
-- not change is left alone, its computed_at too).
-- Comparables of a car: the other listed cars (available, not deleted) of the same make and model, built within a
-- year of it (year - 1 to year + 1) and in the same mileage band (width_bucket over :bands, ascending bounds in km).
-- Their median is percentile_cont(0.5) of their prices, the car itself left out. Every car is counted in the pools
-- of its own year and of the years either side, so the pool of (make, model, band, year) holds the comparables of
-- that year's cars plus the car itself. Per pool, one aggregate sorts the prices and keeps the two pairs of prices
-- that can be the middle once one car is taken out: the car's own price then says which pair member is the
-- median's (a car priced at or below a middle price shifts the middle one place up; with equal prices both give
-- the same). Pools are keyed by one integer (a number per make and model, the band, the year; :bands has fewer
-- than 63 bounds), which sorts far faster than text under the database's collation.
-- With fewer than :min_comparables comparables a car gets a row without a rating. The rating is 'great' at a price
-- at or below median * (1 - :great), 'good' at or below median * (1 - :good), 'fair' at or below
-- median * (1 + :fair), else 'high'. Rows of cars in scope that are no longer listed are removed.
WITH live AS MATERIALIZED (
    SELECT c.id, c.make, c.model, c.year, c.price, width_bucket(c.mileage_km, :bands::int[]) AS band
      FROM cars c
     WHERE c.status = 'available'
       AND c.deleted_at IS NULL
       AND (:make::text IS NULL OR (c.make = :make AND c.model = :model))
), models AS (  -- a number per make and model
    SELECT d.make, d.model, row_number() OVER () AS model_no
      FROM (SELECT DISTINCT l.make, l.model FROM live l) AS d
), keyed AS MATERIALIZED (  -- each listed car with the key of its own pool: (model, band, year) in one number
    SELECT l.id, l.price, (m.model_no * 64 + l.band) * 4096 + l.year AS pool
      FROM live l
      JOIN models m ON m.make = l.make AND m.model = l.model
), pools AS (  -- the prices, in order, of the cars of a pool's year and the years either side
    SELECT k.pool + s.shift AS pool, array_agg(k.price ORDER BY k.price) AS prices
      FROM keyed k
     CROSS JOIN (VALUES (-1), (0), (1)) AS s(shift)
     GROUP BY k.pool + s.shift
), middles AS MATERIALIZED (  -- the lower and upper middle of the others (one for an odd number) in the pool
    SELECT p.pool, p.size - 1 AS others,  -- when the car itself comes later in the pool, or (_next) earlier
           p.prices[p.size / 2] AS low, p.prices[p.size / 2 + 1] AS low_next,
           p.prices[(p.size - 1) / 2 + 1] AS high, p.prices[(p.size - 1) / 2 + 2] AS high_next
      FROM (SELECT pools.*, cardinality(pools.prices) AS size FROM pools) AS p
), medians AS (
    SELECT k.id, k.price, m.others,
           CASE WHEN m.others > 0
                THEN round(((CASE WHEN k.price <= m.low THEN m.low_next ELSE m.low END)
                            + (CASE WHEN k.price <= m.high THEN m.high_next ELSE m.high END)) / 2, 2)
           END AS median
      FROM keyed k
      JOIN middles m ON m.pool = k.pool
), rated AS (
    SELECT m.id, m.price, m.others, m.median, m.price - m.median AS difference,
           CASE WHEN m.others < :min_comparables THEN NULL
                WHEN m.price <= m.median * (1 - :great::numeric) THEN 'great'
                WHEN m.price <= m.median * (1 - :good::numeric) THEN 'good'
                WHEN m.price <= m.median * (1 + :fair::numeric) THEN 'fair'
                ELSE 'high' END AS rating
      FROM medians m
), removed AS (  -- (the scope is inside the subquery: an OR around it would keep it from becoming a semi-join)
    DELETE FROM car_price_ratings r
     WHERE r.car_id IN (SELECT c.id
                          FROM cars c
                         WHERE (:make::text IS NULL OR (c.make = :make AND c.model = :model))
                           AND NOT (c.status = 'available' AND c.deleted_at IS NULL))
    RETURNING r.car_id
), written AS (
    INSERT INTO car_price_ratings AS r (car_id, price, rating, median, difference, comparables, computed_at)
    SELECT n.id, n.price, n.rating, n.median, n.difference, n.others, now()
      FROM rated n
     WHERE NOT EXISTS (  -- unchanged figures are not written (one anti-join, cheaper than a conflict per row)
            SELECT FROM car_price_ratings o
             WHERE o.car_id = n.id
               AND (o.price, o.rating, o.median, o.comparables) IS NOT DISTINCT FROM
                   (n.price, n.rating, n.median, n.others))
     ORDER BY n.id  -- one lock order for every refresh: two that overlap wait for each other, never deadlock
    ON CONFLICT (car_id) DO UPDATE
       SET price = excluded.price, rating = excluded.rating, median = excluded.median,
           difference = excluded.difference, comparables = excluded.comparables, computed_at = excluded.computed_at
    RETURNING r.car_id
)
SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM written) AS changed;

-- name: comparable_median
-- The median asking price (percentile_cont) and number of the listed cars of :make :model built within a year of
-- :year, at any mileage, leaving out :car_id (NULL for a new listing); one row, median NULL when there are none.
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY c.price)::numeric(12, 2) AS median, count(*) AS comparables
  FROM cars c
 WHERE c.status = 'available'
   AND c.deleted_at IS NULL
   AND c.make = :make
   AND c.model = :model
   AND c.year BETWEEN :year::int - 1 AND :year::int + 1
   AND c.id IS DISTINCT FROM :car_id::bigint;

-- name: batch_settings
-- Settings until the end of the current transaction for a refresh of every car (from the command line or a job,
-- never a web request): no statement timeout, and sort memory for the pools (three rows of about 100 bytes per
-- listed car: a million cars sort in memory instead of on disk); returns one row.
SELECT set_config('statement_timeout', '0', true) AS statement_timeout,
       set_config('work_mem', '512MB', true) AS work_mem;
