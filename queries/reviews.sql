-- name: order_to_review
-- plan: generic
-- A completed-or-not order of :user_id as its buyer, with the car's title, the seller's name and whether the
-- seller's account is gone, and the id of the buyer's review of it (review_id: of this order, or of the same car
-- from a held test drive; NULL when none); no row when the order is unknown or :user_id is not its buyer.
SELECT o.id, o.status, o.buyer_id, o.seller_id, o.car_id, c.title AS car_title, s.name AS seller_name,
       (s.deleted_at IS NOT NULL) AS seller_gone,
       (SELECT r.id FROM reviews r
         WHERE r.order_id = o.id OR (r.author_id = o.buyer_id AND r.car_id = o.car_id)
         ORDER BY r.id LIMIT 1) AS review_id
  FROM orders o
  JOIN cars c ON c.id = o.car_id
  JOIN users s ON s.id = o.seller_id
 WHERE o.id = :order_id
   AND o.buyer_id = :user_id;

-- name: drive_to_review
-- plan: generic
-- A test drive of :user_id as its buyer, shaped as order_to_review (its status, the car's title, the seller, the
-- buyer's review of it or of the same car); no row when the drive is unknown or :user_id is not its buyer.
SELECT d.id, d.status, d.buyer_id, d.seller_id, d.car_id, c.title AS car_title, s.name AS seller_name,
       (s.deleted_at IS NOT NULL) AS seller_gone,
       (SELECT r.id FROM reviews r
         WHERE r.test_drive_id = d.id OR (r.author_id = d.buyer_id AND r.car_id = d.car_id)
         ORDER BY r.id LIMIT 1) AS review_id
  FROM test_drives d
  JOIN cars c ON c.id = d.car_id
  JOIN users s ON s.id = d.seller_id
 WHERE d.id = :drive_id
   AND d.buyer_id = :user_id;

-- name: insert_review
-- A review of :seller_id by :author_id (named as their account is now) of the car :car_id (its title kept), from
-- an order or a held test drive (:source, with :order_id or :test_drive_id); the new row's id and created_at. No
-- row when a unique index refuses it: this order, this drive or this buyer and car has a review already (two
-- POSTs at once make one review).
INSERT INTO reviews (seller_id, author_id, author_name, car_id, car_title, order_id, test_drive_id, source, rating,
                     body)
SELECT :seller_id, u.id, u.name, :car_id, :car_title, :order_id, :test_drive_id, :source, :rating, :body
  FROM users u
 WHERE u.id = :author_id
    ON CONFLICT DO NOTHING
RETURNING id, created_at;

-- name: review_for_author
-- plan: generic
-- One review written by :user_id, with the seller's name and whether it may still be changed (editable: not
-- hidden, written less than :edit_days days ago, and until when: editable_until); no row for anyone else's review
-- or an unknown id.
SELECT r.id, r.seller_id, r.car_id, r.car_title, r.rating, r.body, r.created_at, r.edited_at, r.reply,
       r.hidden_at, s.name AS seller_name,
       r.created_at + make_interval(days => :edit_days) AS editable_until,
       (r.hidden_at IS NULL AND r.created_at + make_interval(days => :edit_days) > now()) AS editable
  FROM reviews r
  JOIN users s ON s.id = r.seller_id
 WHERE r.id = :review_id
   AND r.author_id = :user_id;

-- name: update_review
-- Change the rating and text of a review by :user_id while it may be changed (not hidden, written less than
-- :edit_days days ago); the review's id and seller. No row otherwise (someone else's, hidden, or too late).
UPDATE reviews
   SET rating = :rating, body = :body, edited_at = now()
 WHERE id = :review_id
   AND author_id = :user_id
   AND hidden_at IS NULL
   AND created_at + make_interval(days => :edit_days) > now()
RETURNING id, seller_id;

-- name: review_for_seller
-- plan: generic
-- One review of :user_id as its seller (whether it has a reply, whether it is hidden); no row for a review of
-- someone else or an unknown id.
SELECT id, author_id, car_title, reply, hidden_at FROM reviews WHERE id = :review_id AND seller_id = :user_id;

-- name: reply_to_review
-- The seller's one reply to a visible review of them; the review's author, seller and car. No row when the review
-- is not theirs, is hidden or has a reply already (two replies at once make one).
UPDATE reviews
   SET reply = :reply, replied_at = now()
 WHERE id = :review_id
   AND seller_id = :user_id
   AND reply IS NULL
   AND hidden_at IS NULL
RETURNING id, author_id, seller_id, car_title;

-- name: hide_review
-- An admin hides a visible review with a reason (it leaves the seller's page and rating at once, through the
-- trigger); its author, seller, car and rating. No row when it is unknown or hidden already.
UPDATE reviews
   SET hidden_at = now(), hidden_by = :admin_id, hidden_reason = :reason
 WHERE id = :review_id
   AND hidden_at IS NULL
RETURNING id, author_id, seller_id, car_title, rating;

-- name: recent_reviews
-- plan: generic
-- The newest :limit reviews, hidden ones too (with why and by whom), before the review :before_id (NULL: from
-- the newest), with the seller's name; an empty list when there are none.
SELECT r.id, r.seller_id, r.author_id, r.author_name, r.car_id, r.car_title, r.source, r.rating, r.body,
       r.created_at, r.edited_at, r.reply, r.replied_at, r.hidden_at, r.hidden_reason, s.name AS seller_name,
       h.name AS hidden_by_name
  FROM reviews r
  JOIN users s ON s.id = r.seller_id
  LEFT JOIN users h ON h.id = r.hidden_by
 WHERE :before_id::bigint IS NULL OR (r.created_at, r.id) < (SELECT b.created_at, b.id FROM reviews b WHERE b.id = :before_id)
 ORDER BY r.created_at DESC, r.id DESC
 LIMIT :limit;

-- name: seller_profile
-- plan: generic
-- What a seller's public page shows about them: name, role, member since, their rating (review_count 0 and NULL
-- average without reviews; stars_1..stars_5 the distribution), how many of their cars are listed or reserved, and
-- how they answer: of the conversations buyers started with them in the last :days days, how many they answered
-- (a message of their own) and the median time to their first answer in seconds (NULL without answers). One
-- statement: the conversations come from conversations_seller_id_created_at_idx, each one's first answer from
-- messages_conversation_id_id_idx. No row for an unknown, deleted or deactivated account.
SELECT u.id, u.name, u.role, u.created_at,
       coalesce(sr.review_count, 0) AS review_count, sr.average,
       coalesce(sr.stars_1, 0) AS stars_1, coalesce(sr.stars_2, 0) AS stars_2, coalesce(sr.stars_3, 0) AS stars_3,
       coalesce(sr.stars_4, 0) AS stars_4, coalesce(sr.stars_5, 0) AS stars_5,
       (SELECT count(*) FROM cars c
         WHERE c.seller_id = u.id AND c.status IN ('available', 'reserved') AND c.deleted_at IS NULL) AS car_count,
       answers.conversations, answers.answered, answers.median_seconds
  FROM users u
  LEFT JOIN seller_ratings sr ON sr.seller_id = u.id
 CROSS JOIN LATERAL (
       SELECT count(*) AS conversations, count(f.answered_at) AS answered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.answered_at - f.created_at))
                  AS median_seconds
         FROM (SELECT cv.created_at,
                      (SELECT m.created_at FROM messages m
                        WHERE m.conversation_id = cv.id AND m.sender_id = cv.seller_id AND m.kind = 'text'
                        ORDER BY m.id LIMIT 1) AS answered_at
                 FROM conversations cv
                WHERE cv.seller_id = u.id
                  AND cv.created_at >= now() - make_interval(days => :days)) f) answers
 WHERE u.id = :seller_id
   AND u.deleted_at IS NULL
   AND u.is_active;

-- name: seller_reviews
-- plan: generic
-- One page of a seller's visible reviews, newest first, after the review :before_id (NULL: from the newest); an
-- empty list when there are none.
SELECT r.id, r.author_id, r.author_name, r.car_id, r.car_title, r.source, r.rating, r.body, r.created_at,
       r.edited_at, r.reply, r.replied_at
  FROM reviews r
 WHERE r.seller_id = :seller_id
   AND r.hidden_at IS NULL
   AND (:before_id::bigint IS NULL OR r.id < :before_id)
 ORDER BY r.id DESC
 LIMIT :limit;

-- name: seller_cars
-- plan: generic
-- A seller's listed and reserved cars, newest first, after the car :before_id (NULL: from the newest), shaped for
-- result cards (without the seller's rating: the page around them shows it); an empty list when there are none.
SELECT c.id, c.title, c.price, c.make, c.model, c.year, c.fuel, c.mileage_km, c.transmission, c.body, c.colour,
       c.condition, c.city, c.status, c.created_at, c.cover_photo,
       pr.rating AS price_rating, pr.median AS price_median, pr.difference AS price_difference,
       pr.comparables AS price_comparables
  FROM cars c
  LEFT JOIN car_price_ratings pr ON pr.car_id = c.id AND pr.price = c.price AND c.status = 'available'
 WHERE c.seller_id = :seller_id
   AND c.status IN ('available', 'reserved')
   AND c.deleted_at IS NULL
   AND (:before_id::bigint IS NULL OR c.id < :before_id)
 ORDER BY c.id DESC
 LIMIT :limit;

-- name: review_of_order
-- plan: generic
-- The review :user_id wrote of the order :order_id or of its car :car_id (from a held test drive), with when it
-- was written; no row when there is none.
SELECT r.id, r.created_at, r.hidden_at
  FROM reviews r
 WHERE r.order_id = :order_id OR (r.author_id = :user_id AND r.car_id = :car_id)
 ORDER BY r.id
 LIMIT 1;

-- name: insert_demo_orders
-- Demo data only (carsite.reviews.demo): completed orders of the cars :car_ids (all of :seller_id's), by the
-- buyers :buyer_ids, completed :days_ago days ago, with deal numbers of this year taken from deal_counters (its row
-- made or moved on); the cars become sold. The new orders' ids, car ids and buyer ids.
WITH picked AS (
    SELECT c.id AS car_id, c.price, n.buyer_id, n.days_ago, n.position
      FROM unnest(:car_ids::bigint[], :buyer_ids::bigint[], :days_ago::int[]) WITH ORDINALITY
           AS n (car_id, buyer_id, days_ago, position)
      JOIN cars c ON c.id = n.car_id AND c.seller_id = :seller_id
), counter AS (
    INSERT INTO deal_counters AS d (seller_id, year, last_number)
    SELECT :seller_id, extract(year FROM now())::smallint, count(*) FROM picked
        ON CONFLICT (seller_id, year) DO UPDATE SET last_number = d.last_number + excluded.last_number
    RETURNING last_number
), sold AS (
    UPDATE cars SET status = 'sold' WHERE id IN (SELECT p.car_id FROM picked p) RETURNING id
)
INSERT INTO orders (car_id, buyer_id, seller_id, final_price, asking_price, status, accepted_at, completed_at,
                    sale_date, deal_year, deal_seq, buyer_name, seller_name)
SELECT p.car_id, p.buyer_id, :seller_id, p.price, p.price, 'completed',
       now() - make_interval(days => p.days_ago + 2), now() - make_interval(days => p.days_ago),
       (now() - make_interval(days => p.days_ago))::date, extract(year FROM now())::smallint,
       (SELECT k.last_number FROM counter k) - (SELECT count(*) FROM picked) + p.position,
       b.name, s.name
  FROM picked p
  JOIN users b ON b.id = p.buyer_id
  JOIN users s ON s.id = :seller_id
 ORDER BY p.position
RETURNING id, car_id, buyer_id;

-- name: backdate_review
-- Demo data only: date a review :days_ago days back (and its reply a day later), so the demo's reviews read as a
-- history; the review's id, no row for an unknown one.
UPDATE reviews
   SET created_at = now() - make_interval(days => :days_ago),
       replied_at = CASE WHEN reply IS NOT NULL THEN now() - make_interval(days => :days_ago - 1) END
 WHERE id = :review_id
RETURNING id;

-- name: demo_cars_to_sell
-- Demo data only: up to :limit of :seller_id's listed cars that nobody wrote about and nobody ordered (the demo's
-- conversations and test drives keep their cars, and the listing the demo shows about to expire keeps its own),
-- the oldest first; an empty list when there are none.
SELECT c.id
  FROM cars c
 WHERE c.seller_id = :seller_id
   AND c.status = 'available'
   AND c.deleted_at IS NULL
   AND c.expiry_reminded_at IS NULL
   AND NOT EXISTS (SELECT FROM conversations cv WHERE cv.car_id = c.id)
   AND NOT EXISTS (SELECT FROM orders o WHERE o.car_id = c.id)
 ORDER BY c.id
 LIMIT :limit;
