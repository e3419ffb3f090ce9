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

-- name: demo_notification_cars
-- A few listed cars (of one seller when seller_id is given), oldest first, for the demo accounts' notifications to
-- point at; an empty list when there are none.
SELECT id, title FROM cars
 WHERE (:seller_id::bigint IS NULL OR seller_id = :seller_id) AND status = 'available' AND deleted_at IS NULL
 ORDER BY id
 LIMIT :limit;

-- name: add_notifications
-- Give an account its demo notifications from parallel arrays (kind, title, body, url, minutes ago, read), unless
-- it has notifications already (so loading the demo again adds nothing); returns the number inserted.
INSERT INTO notifications (user_id, kind, title, body, url, created_at, read_at)
SELECT :user_id, n.kind, n.title, n.body, n.url, now() - make_interval(mins => n.minutes_ago),
       CASE WHEN n.is_read THEN now() - make_interval(mins => n.minutes_ago / 2) END
  FROM unnest(:kinds::text[], :titles::text[], :bodies::text[], :urls::text[], :minutes_ago::integer[],
              :is_read::boolean[]) AS n (kind, title, body, url, minutes_ago, is_read)
 WHERE NOT EXISTS (SELECT FROM notifications x WHERE x.user_id = :user_id);

-- name: spread_listed_at
-- The demo sellers' cars count as listed a :share of their age ago (0 < share <= 1), so a new demo site does not
-- start with a wave of expiry reminders; returns the number of cars changed.
UPDATE cars SET listed_at = now() - (now() - listed_at) * :share::float8
 WHERE seller_id = ANY(:seller_ids::bigint[]) AND listed_at IS NOT NULL AND status IN ('available', 'reserved', 'sold');

-- name: demo_expiry
-- Two of a seller's listed cars (after the first two, which other demo notifications speak of) for the expiry
-- demo: the first expired two days ago after its reminder, the second about to expire in three days, reminded;
-- returns them (an empty list when the seller has too few).
WITH picked AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n
      FROM (SELECT id
              FROM cars
             WHERE seller_id = :seller_id AND status = 'available' AND deleted_at IS NULL
             ORDER BY id
            OFFSET 2
             LIMIT 2) AS two
)
UPDATE cars c
   SET status = CASE WHEN p.n = 1 THEN 'expired' ELSE c.status END,
       listed_at = now() - make_interval(days => CASE WHEN p.n = 1 THEN :live_days + 2 ELSE :live_days - 3 END),
       expiry_reminded_at = now() - make_interval(
           days => CASE WHEN p.n = 1 THEN :reminder_days + 2 ELSE greatest(:reminder_days - 3, 0) END)
  FROM picked p
 WHERE c.id = p.id
RETURNING c.id, c.title, c.status;

-- name: demo_expiry_cars
-- A seller's expired listings and live ones already reminded of their expiry, oldest first, at most :limit, for the
-- demo notifications about them; an empty list when none.
SELECT id, title, status, listed_at, expiry_reminded_at
  FROM cars
 WHERE seller_id = :seller_id AND deleted_at IS NULL
   AND (status = 'expired' OR (status = 'available' AND expiry_reminded_at IS NOT NULL))
 ORDER BY id
 LIMIT :limit;
