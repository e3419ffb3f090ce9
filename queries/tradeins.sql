-- name: insert_trade_in
-- Describe a car to trade in, in a conversation, as its buyer: car, buyer and seller come from the conversation,
-- order_id (the buyer's order in that conversation) may be NULL. The new row; no row when the user is not the
-- conversation's buyer or when the buyer and seller have blocked one another. trade_ins_one_live_key refuses a
-- second live trade-in in the conversation (a unique violation).
INSERT INTO trade_ins (conversation_id, order_id, car_id, buyer_id, seller_id, make, model, year, mileage_km, condition,
                       notes)
SELECT c.id, :order_id, c.car_id, c.buyer_id, c.seller_id, :make, :model, :year, :mileage_km, :condition, :notes
  FROM conversations c
 WHERE c.id = :conversation_id
   AND c.buyer_id = :user_id
   AND NOT EXISTS (SELECT FROM user_blocks ub
                    WHERE (ub.blocker_id = c.buyer_id AND ub.blocked_id = c.seller_id)
                       OR (ub.blocker_id = c.seller_id AND ub.blocked_id = c.buyer_id))
RETURNING *;

-- name: order_for_buyer
-- The buyer's order with its conversation (the order's, else the conversation of its car and buyer); no row for
-- anyone but the order's buyer or an unknown id (a 404). conversation_id NULL when there is none.
SELECT o.id, o.car_id, o.buyer_id, o.seller_id, o.status,
       coalesce(o.conversation_id, c.id) AS conversation_id
  FROM orders o
  LEFT JOIN conversations c ON c.car_id = o.car_id AND c.buyer_id = o.buyer_id
 WHERE o.id = :order_id
   AND o.buyer_id = :user_id;

-- name: live_of_conversation
-- The conversation's live (open, offered or accepted) trade-in: its id and status; no row when it has none.
SELECT id, status FROM trade_ins WHERE conversation_id = :conversation_id AND status IN ('open', 'offered', 'accepted');

-- name: trade_in_for_viewer
-- One trade-in with its car's title, both people's names and addresses, for its buyer, its seller or (is_admin) an
-- admin; no row for anyone else or an unknown id (a 404: ids cannot be probed). blocked: one of the two has blocked
-- the other.
SELECT t.*, c.title AS car_title, b.name AS buyer_name, b.email AS buyer_email,
       s.name AS seller_name, s.email AS seller_email,
       EXISTS (SELECT FROM user_blocks ub
                WHERE (ub.blocker_id = t.buyer_id AND ub.blocked_id = t.seller_id)
                   OR (ub.blocker_id = t.seller_id AND ub.blocked_id = t.buyer_id)) AS blocked
  FROM trade_ins t
  JOIN cars c ON c.id = t.car_id
  JOIN users b ON b.id = t.buyer_id
  JOIN users s ON s.id = t.seller_id
 WHERE t.id = :trade_in_id
   AND (:user_id IN (t.buyer_id, t.seller_id) OR :is_admin);

-- name: lock_trade_in_for_member
-- trade_in_for_viewer for its buyer or seller only, locked until the end of the transaction (for a change of its
-- state or its photos); no row for anyone else.
SELECT t.*, c.title AS car_title, b.name AS buyer_name, s.name AS seller_name,
       EXISTS (SELECT FROM user_blocks ub
                WHERE (ub.blocker_id = t.buyer_id AND ub.blocked_id = t.seller_id)
                   OR (ub.blocker_id = t.seller_id AND ub.blocked_id = t.buyer_id)) AS blocked
  FROM trade_ins t
  JOIN cars c ON c.id = t.car_id
  JOIN users b ON b.id = t.buyer_id
  JOIN users s ON s.id = t.seller_id
 WHERE t.id = :trade_in_id
   AND :user_id IN (t.buyer_id, t.seller_id)
   FOR UPDATE OF t;

-- name: of_conversation
-- A conversation's trade-ins, newest first, with their number of photos and the first photo's file; empty when
-- it has none.
SELECT t.id, t.status, t.make, t.model, t.year, t.mileage_km, t.condition, t.offer_amount, t.offer_note,
       t.offered_at, t.decided_at, t.order_id, t.created_at,
       (SELECT count(*) FROM trade_in_photos p WHERE p.trade_in_id = t.id) AS photo_count,
       (SELECT p.file FROM trade_in_photos p WHERE p.trade_in_id = t.id ORDER BY p.position LIMIT 1) AS cover
  FROM trade_ins t
 WHERE t.conversation_id = :conversation_id
 ORDER BY t.id DESC;

-- name: record_offer
-- The seller's offer (new or revised) on a trade-in that is open, offered or declined; the changed row, no row
-- when it is in another state by now.
UPDATE trade_ins
   SET status = 'offered', offer_amount = :amount, offer_note = :note, offered_at = now(), decided_at = NULL
 WHERE id = :trade_in_id
   AND status IN ('open', 'offered', 'declined')
RETURNING *;

-- name: decide
-- The buyer accepts or declines the offer, or withdraws the trade-in (status), from one of from_statuses; the
-- changed row, no row when it is in another state by now.
UPDATE trade_ins
   SET status = :status, decided_at = now()
 WHERE id = :trade_in_id
   AND status = ANY(:from_statuses)
RETURNING *;

-- name: photos
-- A trade-in's photos in their order; empty when it has none.
SELECT id, position, file, width, height FROM trade_in_photos WHERE trade_in_id = :trade_in_id ORDER BY position;

-- name: add_photo
-- Add a photo at the first free position of the trade-in (call it holding the trade-in's row lock, so additions
-- take turns); its id, or no row when all six positions are taken.
INSERT INTO trade_in_photos (trade_in_id, position, file, width, height)
SELECT :trade_in_id, free.position, :file, :width, :height
  FROM (SELECT min(n)::smallint AS position
          FROM generate_series(0, 5) AS n
         WHERE n NOT IN (SELECT position FROM trade_in_photos WHERE trade_in_id = :trade_in_id)) AS free
 WHERE free.position IS NOT NULL
RETURNING id;

-- name: delete_photo
-- Remove one photo of a trade-in; its file name, or no row when the trade-in has no such photo.
DELETE FROM trade_in_photos WHERE id = :photo_id AND trade_in_id = :trade_in_id RETURNING file;

-- name: photo_for_viewer
-- Whether a photo file belongs to a trade-in its buyer, seller or (is_admin) an admin may see: its file name, or no
-- row (a 404).
SELECT p.file
  FROM trade_in_photos p
  JOIN trade_ins t ON t.id = p.trade_in_id
 WHERE p.trade_in_id = :trade_in_id
   AND p.file = :file
   AND (:user_id IN (t.buyer_id, t.seller_id) OR :is_admin);

-- name: demo_conversation
-- The demo buyer's first conversation with one seller; no row when they have none.
SELECT id FROM conversations WHERE buyer_id = :buyer_id AND seller_id = :seller_id ORDER BY id LIMIT 1;

-- name: order_completed
-- Whether an order is completed (its trade-in is then part of the sale); false for an unknown id.
SELECT EXISTS (SELECT FROM orders WHERE id = :order_id AND status = 'completed');

-- name: car_for_sale
-- Whether a car is still for sale (listed, or reserved by an order that may still complete); false for an unknown id.
SELECT EXISTS (SELECT FROM cars WHERE id = :car_id AND status IN ('available', 'reserved'));
