-- name: insert_listing
-- Create a draft listing for a seller; returns its id. Check constraints name any value the form let through.
INSERT INTO cars (seller_id, title, make, model, year, price, mileage_km, fuel, transmission, body, colour, condition,
                  vin, city, postcode, description, features, specs, seo_title, seo_description, status)
VALUES (:seller_id, :title, :make, :model, :year, :price, :mileage_km, :fuel, :transmission, :body, :colour,
        :condition, :vin, :city, :postcode, :description, :features::text[], :specs::jsonb, :seo_title,
        :seo_description, 'draft')
RETURNING id;

-- name: update_listing
-- Save a listing's details (a price change lands in the price history by trigger); no row when the car is gone.
UPDATE cars
   SET title = :title, make = :make, model = :model, year = :year, price = :price, mileage_km = :mileage_km,
       fuel = :fuel, transmission = :transmission, body = :body, colour = :colour, condition = :condition,
       vin = :vin, city = :city, postcode = :postcode, description = :description, features = :features::text[],
       specs = :specs::jsonb, seo_title = :seo_title, seo_description = :seo_description
 WHERE id = :car_id AND deleted_at IS NULL
RETURNING id;

-- name: listing_for_owner
-- A listing its seller (or an admin) may edit; no row for anyone else, for unknown ids and for deleted cars, so
-- others get 404 and cannot probe ids.
SELECT c.id, c.seller_id, c.title, c.make, c.model, c.year, c.price, c.mileage_km, c.fuel, c.transmission, c.body,
       c.colour, c.condition, c.vin, c.city, c.postcode, c.description, c.features, c.specs, c.seo_title,
       c.seo_description, c.status, c.rejection_remark, c.featured, c.cover_photo, c.view_count, c.created_at
  FROM cars c
 WHERE c.id = :car_id AND c.deleted_at IS NULL AND (c.seller_id = :user_id OR :is_admin);

-- name: of_seller
-- A seller's listings, newest first, with photo counts and views; an empty list when none.
SELECT c.id, c.title, c.price, c.status, c.rejection_remark, c.cover_photo, c.view_count, c.created_at, c.updated_at,
       (SELECT count(*) FROM car_photos p WHERE p.car_id = c.id) AS photos,
       (SELECT count(*) FROM favorites f WHERE f.car_id = c.id) AS saved
  FROM cars c
 WHERE c.seller_id = :seller_id AND c.deleted_at IS NULL
 ORDER BY c.created_at DESC, c.id DESC;

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
-- data, count from their last change), with their seller; an empty list when none.
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.cover_photo,
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
RETURNING id, seller_id, title;

-- name: set_featured
-- Feature a listed car on the home page (or stop); no row when the car is gone.
UPDATE cars SET featured = :featured WHERE id = :car_id AND deleted_at IS NULL RETURNING id;

-- name: featured
-- Listed cars an admin featured, newest first, at most :limit, with whether :user_id (NULL for visitors) saved
-- each; an empty list when none.
SELECT id, title, price, make, model, year, fuel, mileage_km, transmission, cover_photo, created_at,
       EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = :user_id AND fv.car_id = cars.id) AS is_favorite
  FROM cars
 WHERE featured AND status = 'available' AND deleted_at IS NULL
 ORDER BY created_at DESC
 LIMIT :limit;

-- name: photos
-- A car's photos in order (the first is the cover); an empty list when none.
SELECT id, file, position, width, height FROM car_photos WHERE car_id = :car_id ORDER BY position;

-- name: add_photo
-- Append a photo after the car's last one; returns its id. The trigger car_photos_within_limit makes inserts for
-- one car take turns, numbers the photo and refuses the 21st (CheckViolation, constraint car_photos_limit).
INSERT INTO car_photos (car_id, file, position, width, height)
VALUES (:car_id, :file, 0, :width, :height)
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
-- Copy the first photo's file name onto the car (NULL without photos); no row when the car is gone.
UPDATE cars
   SET cover_photo = (SELECT file FROM car_photos WHERE car_id = :car_id ORDER BY position LIMIT 1)
 WHERE id = :car_id
RETURNING cover_photo;
