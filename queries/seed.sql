-- name: lock
-- Wait for the demo-data lock until the end of the transaction, so two seeders never both insert; returns one row.
SELECT pg_advisory_xact_lock(2026112201) AS locked;

-- name: no_statement_timeout
-- Lift the statement timeout until the end of the current transaction: bulk loading from the command line runs
-- longer than the web's statement timeout allows; returns one row.
SELECT set_config('statement_timeout', '0', true) AS statement_timeout;

-- name: analyze_generated
-- Refresh the planner's statistics of the tables a bulk load of generated cars filled (until then the planner sees
-- an empty table and plans searches that read every listed car); no rows.
ANALYZE cars, listing_counts, car_price_ratings;

-- name: photo_subjects
-- The id, body type and colour of each of these cars, by id, to draw their demo photos; an empty list when none
-- of them exists.
SELECT id, body, colour FROM cars WHERE id = ANY(:ids::bigint[]) ORDER BY id;

-- name: add_photos
-- Insert photos from parallel arrays (car, file, width, height), each car's in array order: the trigger
-- car_photos_within_limit numbers them after the car's existing photos (and refuses a 21st, CheckViolation
-- car_photos_limit). Returns the number inserted (0 for empty arrays).
WITH added AS (
    INSERT INTO car_photos (car_id, file, position, width, height)
    SELECT car_id, file, 0, width, height
      FROM unnest(:car_ids::bigint[], :files::text[], :widths::integer[], :heights::integer[])
           WITH ORDINALITY AS p(car_id, file, width, height, n)
     ORDER BY n
    RETURNING 1
)
SELECT count(*) FROM added;

-- name: refresh_covers
-- Copy each of these cars' first reviewed photo onto the car as its cover (NULL without one), as
-- selling.refresh_cover does for one car; returns the number of cars updated.
UPDATE cars c
   SET cover_photo = (SELECT p.file FROM car_photos p WHERE p.car_id = c.id AND NOT p.awaiting_review
                       ORDER BY p.position LIMIT 1)
 WHERE c.id = ANY(:ids::bigint[]);
