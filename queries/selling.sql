-- name: insert_listing
-- Create a draft listing for a seller; returns its id. Check constraints name any value the form let through.
-- Make and model are catalogue ids (:model_id NULL with the typed :model_other for a model the catalogue lacks);
-- the trigger cars_follow_catalogue writes their names into make and model (text alone, from older callers, is
-- resolved through the catalogue).
INSERT INTO cars (seller_id, title, make_id, model_id, model_other, make, model, year, price, mileage_km, fuel,
                  transmission, body, colour, condition, vin, city, postcode, description, features, specs, seo_title,
                  seo_description, status, seller_type, power_kw, owners, registration_month, accident_free, doors,
                  seats, emission_class, latitude, longitude)
VALUES (:seller_id, :title, :make_id, :model_id, :model_other, :make, :model, :year, :price, :mileage_km, :fuel,
        :transmission, :body, :colour, :condition, :vin, :city, :postcode, :description, :features::text[],
        :specs::jsonb, :seo_title, :seo_description, 'draft', :seller_type, :power_kw, :owners, :registration_month,
        :accident_free, :doors, :seats, :emission_class, :latitude, :longitude)
RETURNING id;

-- name: update_listing
-- Save a listing's details (a price change lands in the price history by trigger; make and model text follow the
-- catalogue ids by trigger); no row when the car is gone.
UPDATE cars
   SET title = :title, make_id = :make_id, model_id = :model_id, model_other = :model_other, make = :make,
       model = :model, year = :year, price = :price, mileage_km = :mileage_km,
       fuel = :fuel, transmission = :transmission, body = :body, colour = :colour, condition = :condition,
       vin = :vin, city = :city, postcode = :postcode, description = :description, features = :features::text[],
       specs = :specs::jsonb, seo_title = :seo_title, seo_description = :seo_description,
       seller_type = :seller_type, power_kw = :power_kw, owners = :owners, registration_month = :registration_month,
       accident_free = :accident_free, doors = :doors, seats = :seats, emission_class = :emission_class,
       latitude = :latitude, longitude = :longitude
 WHERE id = :car_id AND deleted_at IS NULL
RETURNING id;

-- name: listing_for_owner
-- A listing its seller (or an admin) may edit; no row for anyone else, for unknown ids and for deleted cars, so
-- others get 404 and cannot probe ids.
SELECT c.id, c.seller_id, c.title, c.make, c.model, c.make_id, c.model_id, c.model_other, c.year, c.price,
       c.mileage_km, c.fuel, c.transmission, c.body, c.colour, c.condition, c.vin, c.city, c.postcode, c.description,
       c.features, c.specs, c.seo_title, c.seo_description, c.status, c.rejection_remark, c.featured, c.cover_photo,
       c.view_count, c.created_at, c.listed_at, c.expiry_reminded_at,
       c.seller_type, c.power_kw, c.owners, c.registration_month, c.accident_free, c.doors, c.seats,
       c.emission_class
  FROM cars c
 WHERE c.id = :car_id AND c.deleted_at IS NULL AND (c.seller_id = :user_id OR :is_admin);

-- name: lock_listing_for_owner
-- listing_for_owner, locking the car's row until the transaction ends (as an UPDATE of it would: edits, revision
-- decisions and price-history numbering of one car take turns); no row for anyone else, for unknown ids and for
-- deleted cars, so others get 404 and cannot probe ids.
SELECT c.id, c.seller_id, c.title, c.make, c.model, c.make_id, c.model_id, c.model_other, c.year, c.price,
       c.mileage_km, c.fuel, c.transmission, c.body, c.colour, c.condition, c.vin, c.city, c.postcode, c.description,
       c.features, c.specs, c.seo_title, c.seo_description, c.status, c.rejection_remark, c.featured, c.cover_photo,
       c.view_count, c.created_at,
       c.seller_type, c.power_kw, c.owners, c.registration_month, c.accident_free, c.doors, c.seats,
       c.emission_class
  FROM cars c
 WHERE c.id = :car_id AND c.deleted_at IS NULL AND (c.seller_id = :user_id OR :is_admin)
   FOR NO KEY UPDATE;

-- name: of_seller
-- A seller's listings, newest first, after the keyset (created_at, id) when given, with photo counts, views, their
-- open revision's status and remark (NULL without one), and their contacts and phone reveals of all time
-- (car_contact_stats); an empty list when none (more).
SELECT c.id, c.title, c.price, c.status, c.rejection_remark, c.cover_photo, c.view_count, c.created_at, c.updated_at,
       c.listed_at, c.expiry_reminded_at,
       (SELECT count(*) FROM car_photos p WHERE p.car_id = c.id) AS photos,
       (SELECT count(*) FROM favorites f WHERE f.car_id = c.id) AS saved,
       r.status AS revision_status, r.remark AS revision_remark,
       coalesce(st.contacts, 0) AS contacts, coalesce(st.phone_reveals, 0) AS phone_reveals
  FROM cars c
  LEFT JOIN LATERAL (SELECT lr.status, lr.remark FROM listing_revisions lr WHERE lr.car_id = c.id
                      ORDER BY lr.id DESC LIMIT 1) AS r ON r.status IN ('pending', 'rejected')
  LEFT JOIN LATERAL (SELECT sum(s.contacts) AS contacts, sum(s.phone_reveals) AS phone_reveals
                       FROM car_contact_stats s WHERE s.car_id = c.id) AS st ON true
 WHERE c.seller_id = :seller_id AND c.deleted_at IS NULL
   AND (:after_id::bigint IS NULL OR (c.created_at, c.id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY c.created_at DESC, c.id DESC
 LIMIT :limit;

-- name: set_status
-- Move a listing from one of :from_statuses to :status (submitting stamps submitted_at and clears an old
-- rejection); no row when it is in another state.
UPDATE cars
   SET status = :status,
       submitted_at = CASE WHEN :status = 'pending' THEN now() ELSE submitted_at END,
       rejection_remark = CASE WHEN :status = 'pending' THEN NULL ELSE rejection_remark END
 WHERE id = :car_id AND deleted_at IS NULL AND status = ANY(:from_statuses::text[])
RETURNING id, seller_id;

-- name: soft_delete
-- Delete a listing softly (it leaves search and its page 404s; orders and history keep it); no row if gone.
UPDATE cars SET deleted_at = now() WHERE id = :car_id AND deleted_at IS NULL RETURNING id;

-- name: moderation_queue
-- Listings waiting for review, oldest submission first (cars put in pending without a submission, such as demo
-- data, count from their last change), with their seller and whether the model is one the catalogue lacks (it must
-- be mapped before approval); an empty list when none.
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.cover_photo, c.model_id IS NULL AS model_unknown,
       coalesce(c.submitted_at, c.updated_at) AS submitted_at, u.name AS seller_name,
       u.id AS seller_id, (SELECT count(*) FROM car_photos p WHERE p.car_id = c.id) AS photos
  FROM cars c
  JOIN users u ON u.id = c.seller_id
 WHERE c.status = 'pending' AND c.deleted_at IS NULL
 ORDER BY coalesce(c.submitted_at, c.updated_at), c.id
 LIMIT 100;

-- name: decide
-- An admin's decision on a pending listing: available, or rejected with a remark; no row when not pending.
UPDATE cars
   SET status = :status, rejection_remark = :remark
 WHERE id = :car_id AND status = 'pending' AND deleted_at IS NULL
RETURNING id, seller_id, title, make, model;

-- name: set_featured
-- Feature a listed car on the home page (or stop); no row when the car is gone.
UPDATE cars SET featured = :featured WHERE id = :car_id AND deleted_at IS NULL RETURNING id;

-- name: featured
-- plan: generic
-- Listed cars an admin featured, newest first, at most :limit, with whether :user_id (NULL for visitors) saved
-- each and its price rating; an empty list when none.
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.cover_photo,
       c.created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = c.id) AS is_favorite,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM cars c
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price
 WHERE c.featured AND c.status = 'available' AND c.deleted_at IS NULL
 ORDER BY c.created_at DESC
 LIMIT :limit;

-- name: photos
-- A car's photos in order, as its seller sees them (also those awaiting review; the cover is the first reviewed
-- one); an empty list when none.
SELECT id, file, position, width, height, awaiting_review FROM car_photos WHERE car_id = :car_id ORDER BY position;

-- name: add_photo
-- Append a photo after the car's last one; returns its id. The trigger car_photos_within_limit makes inserts for
-- one car take turns, numbers the photo and refuses the 21st (CheckViolation, constraint car_photos_limit). On a
-- public listing the photo awaits review, and in the same statement joins the car's pending revision (created if
-- there is none; its version moves on, so an admin's decision on what they saw before it came is refused); a
-- refused photo leaves no revision behind.
WITH live AS (
    SELECT id FROM cars WHERE id = :car_id AND deleted_at IS NULL AND listing_is_public(status)
), revision AS (
    INSERT INTO listing_revisions AS r (car_id)
    SELECT id FROM live
    ON CONFLICT (car_id) WHERE status = 'pending'
    DO UPDATE SET version = r.version + 1, updated_at = now()
    RETURNING r.id
)
INSERT INTO car_photos (car_id, file, position, width, height, awaiting_review)
VALUES (:car_id, :file, 0, :width, :height, EXISTS (SELECT FROM revision))
RETURNING id;

-- name: photo_count
-- How many photos a car has; 0 when none. Only to skip work early: the insert itself enforces the limit.
SELECT count(*) FROM car_photos WHERE car_id = :car_id;

-- name: move_photo
-- Swap a photo with its neighbour (:step -1 earlier, +1 later, or to the front with :to_front); returns the number
-- of photos moved (0 when there is no such photo or neighbour).
WITH target AS (
    SELECT id, position FROM car_photos WHERE id = :photo_id AND car_id = :car_id
), reordered AS (
    SELECT p.id,
           CASE WHEN :to_front THEN CASE WHEN p.id = t.id THEN 0
                                         WHEN p.position < t.position THEN p.position + 1 ELSE p.position END
                WHEN p.id = t.id THEN t.position + :step
                WHEN p.position = t.position + :step THEN t.position
                ELSE p.position END AS position
      FROM car_photos p, target t
     WHERE p.car_id = :car_id
)
UPDATE car_photos p SET position = r.position
  FROM reordered r
 WHERE p.id = r.id AND p.position <> r.position
   AND (SELECT count(*) FROM car_photos q, target t WHERE q.car_id = :car_id
         AND (:to_front OR q.position = t.position + :step)) > 0;

-- name: delete_photo
-- Remove a photo and close the gap in the order; returns its file name, no row when it is not this car's.
WITH gone AS (
    DELETE FROM car_photos WHERE id = :photo_id AND car_id = :car_id RETURNING file, position
), shifted AS (
    UPDATE car_photos p SET position = p.position - 1
      FROM gone g
     WHERE p.car_id = :car_id AND p.position > g.position
)
SELECT file FROM gone;

-- name: refresh_cover
-- Copy the first reviewed photo's file name onto the car (NULL without one: a photo awaiting review never becomes
-- the cover); no row when the car is gone.
UPDATE cars
   SET cover_photo = (SELECT file FROM car_photos WHERE car_id = :car_id AND NOT awaiting_review
                       ORDER BY position LIMIT 1)
 WHERE id = :car_id
RETURNING cover_photo;

-- name: unreviewed_photos
-- A car's photos awaiting review, in order; an empty list when none.
SELECT id, file FROM car_photos WHERE car_id = :car_id AND awaiting_review ORDER BY position;

-- name: delete_unreviewed_photos
-- Remove a car's photos awaiting review; returns their file names, an empty list when none. (renumber_photos closes
-- the gaps.)
DELETE FROM car_photos WHERE car_id = :car_id AND awaiting_review RETURNING file;

-- name: renumber_photos
-- Number a car's photos 0, 1, 2 … in their order again; returns how many moved (0 when they already were).
UPDATE car_photos p SET position = n.position
  FROM (SELECT id, row_number() OVER (ORDER BY position) - 1 AS position FROM car_photos WHERE car_id = :car_id) n
 WHERE p.id = n.id AND p.position <> n.position;

-- name: open_revision
-- The car's latest revision when it is pending or rejected (what the seller's form shows); no row when the latest
-- was approved or discarded, or there is none.
SELECT id, car_id, proposed, status, version, remark, created_at, updated_at
  FROM (SELECT * FROM listing_revisions WHERE car_id = :car_id ORDER BY id DESC LIMIT 1) AS r
 WHERE status IN ('pending', 'rejected');

-- name: submit_revision
-- Put :proposed (the material fields that differ from the live listing) up for review: a new pending revision, or
-- the car's pending one with these values (its version moves on); no row when the pending one already proposes
-- exactly this.
INSERT INTO listing_revisions AS r (car_id, proposed)
VALUES (:car_id, :proposed::jsonb)
ON CONFLICT (car_id) WHERE status = 'pending'
DO UPDATE SET proposed = excluded.proposed, version = r.version + 1, updated_at = now()
 WHERE r.proposed IS DISTINCT FROM excluded.proposed
RETURNING id, version;

-- name: discard_revisions
-- The seller drops the car's open revision (the pending one, or the latest when it was rejected; older rejections
-- stay as they were decided); returns it, an empty list when there is none.
UPDATE listing_revisions
   SET status = 'discarded', decided_by = :user_id, decided_at = now(), updated_at = now()
 WHERE car_id = :car_id
   AND (status = 'pending'
        OR status = 'rejected' AND id = (SELECT max(id) FROM listing_revisions WHERE car_id = :car_id))
RETURNING id, proposed;

-- name: lock_revision_car
-- The car of a revision, locked (as listing edits lock it, so decisions and edits of one car take turns; car
-- first, then revision, in every writer, so they cannot deadlock); no row for an unknown revision or a deleted car.
SELECT c.id AS car_id, c.seller_id, c.title, c.make, c.model
  FROM cars c
  JOIN listing_revisions r ON r.car_id = c.id
 WHERE r.id = :revision_id AND c.deleted_at IS NULL
   FOR NO KEY UPDATE OF c;

-- name: decide_revision
-- An admin's decision on the pending revision at the version they saw: approved, or rejected with a remark; no row
-- when it is not pending any more or the seller changed it since (version).
UPDATE listing_revisions
   SET status = :status, remark = :remark, decided_by = :admin_id, decided_at = now(), updated_at = now()
 WHERE id = :revision_id AND status = 'pending' AND version = :version
RETURNING id, car_id, proposed;

-- name: apply_revision
-- Copy an approved revision's proposed values onto its car in one statement (fields it does not propose keep their
-- value; a price change lands in the price history by trigger); no row when the revision is not approved.
UPDATE cars c
   SET (title, make, model, year, price, vin, description, specs, seo_title, seo_description, seller_type, owners,
        registration_month, accident_free) =
       (SELECT p.title, p.make, p.model, p.year, p.price, p.vin, p.description, p.specs, p.seo_title,
               p.seo_description, p.seller_type, p.owners, p.registration_month, p.accident_free
          FROM jsonb_populate_record(c, r.proposed) AS p)
  FROM listing_revisions r
 WHERE r.id = :revision_id AND r.status = 'approved' AND c.id = r.car_id AND c.deleted_at IS NULL
RETURNING c.id, c.seller_id, c.title, c.make, c.model;

-- name: publish_photos
-- Make a car's photos awaiting review public; returns how many.
UPDATE car_photos SET awaiting_review = false WHERE car_id = :car_id AND awaiting_review;

-- name: revision_queue
-- Pending revisions of listings, oldest change first, with the live values they would replace, the photos awaiting
-- review and the seller; an empty list when none.
SELECT r.id, r.car_id, r.proposed, r.version, r.updated_at AS submitted_at,
       c.title, c.make, c.model, c.year, c.price, c.vin, c.description, c.specs, c.seo_title, c.seo_description,
       c.cover_photo, c.status AS car_status, u.id AS seller_id, u.name AS seller_name,
       (SELECT coalesce(array_agg(p.file ORDER BY p.position), '{}')
          FROM car_photos p WHERE p.car_id = c.id AND p.awaiting_review) AS new_photos
  FROM listing_revisions r
  JOIN cars c ON c.id = r.car_id AND c.deleted_at IS NULL
  JOIN users u ON u.id = c.seller_id
 WHERE r.status = 'pending'
 ORDER BY r.updated_at, r.id
 LIMIT 100;

-- name: photo_exists
-- Whether this car has a photo stored under this file name (true or false).
SELECT EXISTS (SELECT 1 FROM car_photos WHERE car_id = :car_id AND file = :file);

-- name: unlocated_cities
-- The cities (as lower-case text) of cars that have no coordinates yet, with how many cars each; an empty list
-- when every car with a city is located.
SELECT lower(city) AS city, count(*) AS cars
  FROM cars
 WHERE latitude IS NULL AND city <> '' AND deleted_at IS NULL
 GROUP BY lower(city)
 ORDER BY count(*) DESC, lower(city);

-- name: locate_cities
-- Give every car without coordinates whose city (any letter case) is one of :cities the coordinates at the same
-- position of :latitudes and :longitudes (one pass over the table); returns how many cars were located.
UPDATE cars c
   SET latitude = p.latitude, longitude = p.longitude
  FROM unnest(:cities::text[], :latitudes::float8[], :longitudes::float8[]) AS p(city, latitude, longitude)
 WHERE lower(c.city) = p.city AND c.latitude IS NULL AND c.deleted_at IS NULL;

-- name: remind_expiring
-- Mark as reminded at :now the live listings listed :remind_after_days or more before :now and not reminded yet, at
-- most :limit, oldest first (rows others hold are skipped); returns them with their owner, so the reminders go out
-- in the same transaction. An empty list when none is due. (Without reminders, :remind_after_days is the listing
-- time itself: the mark then only says the listing is due.)
UPDATE cars c
   SET expiry_reminded_at = :now
  FROM (SELECT id
          FROM cars
         WHERE status = 'available' AND deleted_at IS NULL AND expiry_reminded_at IS NULL
           AND listed_at <= :now::timestamptz - make_interval(days => :remind_after_days)
         ORDER BY listed_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED) AS due
 WHERE c.id = due.id
RETURNING c.id, c.seller_id, c.title, c.status, c.listed_at, c.expiry_reminded_at;

-- name: expire_listings
-- Expire the live listings listed :live_days or more before :now whose owner was reminded :reminder_days or more
-- before :now, at most :limit (rows others hold are skipped); returns them with their owner, so the notices go out
-- in the same transaction. An empty list when none is due. Reserved and sold cars are not live: they never expire.
-- Read through cars_listed_reminded_idx: only reminded listings, the oldest reminder first.
UPDATE cars c
   SET status = 'expired'
  FROM (SELECT id
          FROM cars
         WHERE status = 'available' AND deleted_at IS NULL
           AND listed_at <= :now::timestamptz - make_interval(days => :live_days)
           AND expiry_reminded_at <= :now::timestamptz - make_interval(days => :reminder_days)
         ORDER BY expiry_reminded_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED) AS due
 WHERE c.id = due.id
RETURNING c.id, c.seller_id, c.title, c.make, c.model, c.listed_at;

-- name: car_for_renewal
-- A listing as its renewal link's page shows it (with its owner and listed_at, which the link must match); no row
-- when the id is unknown or the car is deleted.
SELECT c.id, c.seller_id, c.title, c.price, c.year, c.mileage_km, c.fuel, c.body, c.city, c.status, c.cover_photo,
       c.make, c.model, c.listed_at, c.expiry_reminded_at
  FROM cars c
 WHERE c.id = :car_id AND c.deleted_at IS NULL;

-- name: renew_listing
-- Renew a listing of :user_id's (any, for an admin): live from now, reminder cleared (an expired one is live
-- again). Only an expired listing, or a live one that was reminded or is within its reminder window (listed
-- :remind_after_days or more ago), and, when :listed_at is given (a renewal link), one still at that listed_at: a
-- link renews once. No row when any of that fails.
UPDATE cars
   SET status = 'available', listed_at = now(), expiry_reminded_at = NULL
 WHERE id = :car_id AND deleted_at IS NULL AND (seller_id = :user_id OR :is_admin)
   AND (status = 'expired'
        OR (status = 'available'
            AND (expiry_reminded_at IS NOT NULL OR listed_at <= now() - make_interval(days => :remind_after_days))))
   AND (:listed_at::timestamptz IS NULL OR listed_at = :listed_at::timestamptz)
RETURNING id, seller_id, title, make, model, status, listed_at, expiry_reminded_at;
