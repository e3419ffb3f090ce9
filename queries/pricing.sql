-- name: refresh
-- plan: custom
-- Rate the asking price of every listed car (or, with :make and :model, of that model's listed cars only) against
-- its comparables, in one statement; returns the number of rating rows written or removed (a row whose figures did
-- not change is left alone, its computed_at too).
-- Comparables of a car: the other listed cars (available, not deleted) of the same make and model, built within a
-- year of it (year - 1 to year + 1) and in the same mileage band (width_bucket over :bands, ascending bounds in km).
-- Their median is percentile_cont(0.5) of their prices, the car itself left out. Every car is put into the pools
-- of its own year and of the years either side, so the pool of (make, model, band, year) holds the comparables of
-- that year's cars plus the car itself; one sort by price per pool gives each car its position, and the median of
-- the others is read with nth_value at the middle positions, stepping over the car's own (with equal prices it
-- does not matter which of them is the car's). Pools are keyed by one integer (a number per make and model, the
-- band, the year) and sorted by price in cents: sorting by text under the database's collation and by numeric cost
-- several times more. :bands has fewer than 63 bounds.
-- With fewer than :min_comparables comparables a car gets a row without a rating. The rating is 'great' at a price
-- at or below median * (1 - :great), 'good' at or below median * (1 - :good), 'fair' at or below
-- median * (1 + :fair), else 'high'. Rows of cars in scope that are no longer listed are removed.
WITH live AS MATERIALIZED (
    SELECT c.id, c.make, c.model, c.year, c.price, width_bucket(c.mileage_km, :bands::int[]) AS band
      FROM cars c
     WHERE c.status = 'available'
       AND c.deleted_at IS NULL
       AND (:make::text IS NULL OR (c.make = :make AND c.model = :model))
), models AS (  -- a number per make and model: pools are then keyed and sorted by integers alone
    SELECT d.make, d.model, row_number() OVER () AS model_no
      FROM (SELECT DISTINCT l.make, l.model FROM live l) AS d
), positioned AS NOT MATERIALIZED (
    SELECT p.*, count(*) OVER pool - 1 AS others, row_number() OVER pool AS position
      FROM (SELECT l.id, l.price, (l.price * 100)::bigint AS cents, s.shift = 0 AS own,
                   (m.model_no * 64 + l.band) * 4096 + l.year + s.shift AS pool  -- (model, band, year) in one number
              FROM live l
              JOIN models m ON m.make = l.make AND m.model = l.model
             CROSS JOIN (VALUES (-1), (0), (1)) AS s(shift)) AS p
    WINDOW pool AS (PARTITION BY p.pool ORDER BY p.cents ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), middles AS NOT MATERIALIZED (  -- the others' middle positions (the same one for an odd number), in the pool
    SELECT p.*,
           greatest(1, (p.others + 1) / 2 + CASE WHEN (p.others + 1) / 2 >= p.position THEN 1 ELSE 0 END) AS low,
           p.others / 2 + 1 + CASE WHEN p.others / 2 + 1 >= p.position THEN 1 ELSE 0 END AS high
      FROM positioned p
), medians AS NOT MATERIALIZED (
    SELECT m.id, m.own, m.price, m.others,
           CASE WHEN m.others > 0
                THEN round((nth_value(m.price, m.low::int) OVER pool + nth_value(m.price, m.high::int) OVER pool) / 2, 2)
           END AS median
      FROM middles m
    WINDOW pool AS (PARTITION BY m.pool ORDER BY m.cents ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), rated AS (
    SELECT m.id, m.price, m.others, m.median, m.price - m.median AS difference,
           CASE WHEN m.others < :min_comparables THEN NULL
                WHEN m.price <= m.median * (1 - :great::numeric) THEN 'great'
                WHEN m.price <= m.median * (1 - :good::numeric) THEN 'good'
                WHEN m.price <= m.median * (1 + :fair::numeric) THEN 'fair'
                ELSE 'high' END AS rating
      FROM medians m
     WHERE m.own
), removed AS (
    DELETE FROM car_price_ratings r
     WHERE (:make::text IS NULL OR r.car_id IN (SELECT c.id FROM cars c WHERE c.make = :make AND c.model = :model))
       AND NOT EXISTS (SELECT FROM live l WHERE l.id = r.car_id)
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
SELECT set_config('statement_timeout', '0', true) AS statement_timeout, set_config('work_mem', '512MB', true) AS work_mem;
