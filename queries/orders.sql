-- Orders: a buyer's reservation of a car, accepted and completed by the seller, or cancelled (carsite.orders).
-- Every move changes the order and the car in one transaction; the car's status is moved by a conditional UPDATE
-- and orders_car_id_live_key (one order per car that is not cancelled) refuses a second live order whatever the
-- code above does.

-- name: by_key
-- The order a buyer's reservation form (its idempotency key) already made; no row when none.
SELECT id, car_id, status FROM orders WHERE buyer_id = :buyer_id AND idempotency_key = :key::uuid;

-- name: reserve_car
-- Take a car for a reservation: available -> reserved, when it is listed, not deleted and not the buyer's own.
-- Its id, seller, price and model; no row when it is not available (now).
UPDATE cars SET status = 'reserved'
 WHERE id = :car_id AND status = 'available' AND deleted_at IS NULL AND seller_id <> :buyer_id
RETURNING id, seller_id, price, title, make, model;

-- name: release_car
-- A cancelled or lapsed reservation gives the car back: reserved -> available (it keeps its listed_at, so expiry
-- counts on from where it was, after a reminder as always). Its make and model; no row when it was not reserved.
UPDATE cars SET status = 'available'
 WHERE id = :car_id AND status = 'reserved'
RETURNING id, make, model;

-- name: sell_car
-- A completed sale: reserved (by this order) or available (sold outside carsite) -> sold; no row otherwise.
UPDATE cars SET status = 'sold'
 WHERE id = :car_id AND status = ANY(:from_statuses::text[]) AND deleted_at IS NULL
RETURNING id, seller_id, title, make, model;

-- name: insert
-- A new reservation, pending, held until now + :hold_hours; the new row. No row when this buyer's form key made
-- one already (a retried POST that raced the first).
INSERT INTO orders (car_id, buyer_id, seller_id, final_price, asking_price, status, idempotency_key, conversation_id,
                    reserved_until, buyer_name, buyer_address, buyer_phone, buyer_message)
VALUES (:car_id, :buyer_id, :seller_id, :price, :price, 'pending', :key::uuid, :conversation_id,
        now() + make_interval(hours => :hold_hours), :buyer_name, :buyer_address, :buyer_phone, :buyer_message)
    ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
RETURNING id, car_id, buyer_id, seller_id, status, reserved_until, conversation_id;

-- name: add_event
-- A line of an order's timeline; :request_key is the idempotency key of the form that made the move (NULL for the
-- jobs'). No row when that form's move is already recorded.
INSERT INTO order_events (order_id, actor_id, event, detail, request_key)
VALUES (:order_id, :actor_id, :event, :detail::jsonb, :request_key::uuid)
    ON CONFLICT (order_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
RETURNING id;

-- name: move_done
-- Whether this form key's move on this order is already recorded (a double click or a retried POST).
SELECT event FROM order_events WHERE order_id = :order_id AND request_key = :request_key::uuid;

-- name: lock_for_party
-- An order for its buyer, its seller or an admin, locked until the end of the transaction (moves take turns); with
-- its car's status and both people's names and addresses. No row for anyone else or an unknown id.
SELECT o.*, c.title AS car_title, c.status AS car_status, c.make, c.model,
       b.name AS buyer_account_name, b.email AS buyer_email, s.name AS seller_account_name, s.email AS seller_email
  FROM orders o
  JOIN cars c ON c.id = o.car_id
  JOIN users b ON b.id = o.buyer_id
  JOIN users s ON s.id = o.seller_id
 WHERE o.id = :order_id
   AND (:user_id IN (o.buyer_id, o.seller_id) OR :is_admin)
   FOR UPDATE OF o;

-- name: accept
-- The seller accepts a pending reservation; the hold runs :hold_hours from now (at least as long as it was). The row.
UPDATE orders
   SET status = 'accepted', accepted_at = now(),
       reserved_until = greatest(reserved_until, now() + make_interval(hours => :hold_hours))
 WHERE id = :order_id AND status = 'pending'
RETURNING id, status, reserved_until;

-- name: next_deal_number
-- The seller's next deal number in a year: the counter row (made at the year's first sale) is row-locked until the
-- sale's transaction ends, so completions for one seller take turns, and a rollback gives the number back.
INSERT INTO deal_counters (seller_id, year, last_number)
VALUES (:seller_id, :year, 1)
    ON CONFLICT (seller_id, year) DO UPDATE SET last_number = deal_counters.last_number + 1
RETURNING last_number;

-- name: complete
-- The seller completes an open order: the agreed price, the date, the parties as the documents print them and the
-- deal number. The row; no row when it is no longer open.
UPDATE orders
   SET status = 'completed', completed_at = now(), reserved_until = NULL, final_price = :final_price,
       sale_date = :sale_date, buyer_name = :buyer_name, buyer_address = :buyer_address,
       seller_name = :seller_name, seller_address = :seller_address, deal_year = :deal_year, deal_seq = :deal_seq
 WHERE id = :order_id AND status IN ('pending', 'accepted')
RETURNING id, status, deal_number, final_price, sale_date, completed_at;

-- name: cancel
-- Cancel an open order (by a party, the lapse job, or a sale elsewhere); the row; no row when it is not open.
UPDATE orders
   SET status = 'cancelled', cancelled_at = now(), reserved_until = NULL, cancelled_by = :actor_id,
       cancel_kind = :kind, cancel_reason = :reason
 WHERE id = :order_id AND status IN ('pending', 'accepted')
RETURNING id, status, car_id, buyer_id, seller_id, conversation_id;

-- name: lapsed
-- Open orders whose hold ended before :now, oldest first, with their cars, both locked (SKIP LOCKED: a move or a
-- reservation in progress wins, and the next run looks again; nothing waits, so nothing deadlocks), at most :limit.
SELECT o.id, o.car_id, o.buyer_id, o.seller_id, o.conversation_id, c.title AS car_title, c.make, c.model
  FROM orders o
  JOIN cars c ON c.id = o.car_id
 WHERE o.status IN ('pending', 'accepted') AND o.reserved_until < :now
 ORDER BY o.reserved_until
 LIMIT :limit
   FOR UPDATE OF o, c SKIP LOCKED;

-- name: open_of_car
-- A car's open orders (at most one: orders_car_id_live_key), locked, for a sale outside carsite.
SELECT id, buyer_id, seller_id, conversation_id FROM orders
 WHERE car_id = :car_id AND status IN ('pending', 'accepted')
   FOR UPDATE;

-- name: conversations_of_car
-- The conversations about a car other than :except_id (NULL: all), to tell them it is sold.
SELECT id, buyer_id FROM conversations WHERE car_id = :car_id AND id IS DISTINCT FROM :except_id::bigint;

-- name: close_inquiries_of_car
-- A sold car's open inquiries are closed: there is nothing left to answer. How many.
UPDATE inquiries SET status = 'closed' WHERE car_id = :car_id AND status = 'open';

-- name: set_documents
-- Replace an order's list of documents (see carsite.orders.documents); the list.
UPDATE orders SET documents = :documents::jsonb WHERE id = :order_id RETURNING documents;

-- name: add_scenario
-- A payment scenario for an open or completed order; the new row.
INSERT INTO order_scenarios (order_id, kind, price, deposit, apr, term_months, monthly_payment, total_interest,
                             total_payable, chosen, created_by)
VALUES (:order_id, :kind, :price, :deposit, :apr, :term_months, :monthly_payment, :total_interest, :total_payable,
        NOT EXISTS (SELECT FROM order_scenarios WHERE order_id = :order_id), :actor_id)
RETURNING id, kind, chosen;

-- name: count_scenarios
-- How many payment scenarios an order has.
SELECT count(*) FROM order_scenarios WHERE order_id = :order_id;

-- name: choose_scenario
-- Make one of an order's scenarios the chosen one (the others not); the chosen row; no row when the id is not the
-- order's.
WITH target AS (
    SELECT id FROM order_scenarios WHERE id = :scenario_id AND order_id = :order_id
), cleared AS (
    UPDATE order_scenarios SET chosen = false
     WHERE order_id = :order_id AND chosen AND id <> (SELECT id FROM target)
    RETURNING id
)
UPDATE order_scenarios SET chosen = true
 WHERE id = (SELECT id FROM target) AND (SELECT count(*) FROM cleared) >= 0
RETURNING id, kind;

-- name: remove_scenario
-- Remove one of an order's scenarios that is not the chosen one; the row; no row otherwise.
DELETE FROM order_scenarios WHERE id = :scenario_id AND order_id = :order_id AND NOT chosen RETURNING id, kind;

-- name: page
-- plan: generic
-- Everything an order's page shows, for its buyer, its seller or an admin, in one statement: the order, its car
-- (with cover photo, VIN, mileage, first registration), both people, its timeline with who did what, its payment
-- scenarios, its documents and the trade-ins of its conversation (trade_ins: as messages.conversation_page has
-- them, for the panel of carsite/templates/tradeins/_box.html). No row for anyone else or an unknown id (a 404: ids cannot be probed).
SELECT o.*, c.title AS car_title, c.status AS car_status, c.make, c.model, c.year, c.vin, c.mileage_km,
       c.registration_month, c.colour, c.cover_photo, c.city AS car_city, c.deleted_at IS NOT NULL AS car_deleted,
       b.name AS buyer_account_name, b.email AS buyer_email, s.name AS seller_account_name, s.email AS seller_email,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', e.id, 'at', e.at, 'event', e.event, 'detail', e.detail, 'actor_id', e.actor_id,
                   'actor_name', a.name) ORDER BY e.id), '[]'::json)
          FROM order_events e LEFT JOIN users a ON a.id = e.actor_id
         WHERE e.order_id = o.id) AS events,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', sc.id, 'kind', sc.kind, 'price', sc.price, 'deposit', sc.deposit, 'apr', sc.apr,
                   'term_months', sc.term_months, 'monthly_payment', sc.monthly_payment,
                   'total_interest', sc.total_interest, 'total_payable', sc.total_payable, 'chosen', sc.chosen)
                   ORDER BY sc.id), '[]'::json)
          FROM order_scenarios sc WHERE sc.order_id = o.id) AS scenarios,
       conversation_trade_ins(o.conversation_id) AS trade_ins
  FROM orders o
  JOIN cars c ON c.id = o.car_id
  JOIN users b ON b.id = o.buyer_id
  JOIN users s ON s.id = o.seller_id
 WHERE o.id = :order_id
   AND (:user_id IN (o.buyer_id, o.seller_id) OR :is_admin);

-- name: bought
-- plan: generic
-- One page of a buyer's orders, newest first, optionally of one status, after the keyset (created_at, id) when
-- given; with the car's title and cover photo and the seller's name (over orders_buyer_status_idx, or
-- orders_buyer_id_idx for all statuses).
SELECT o.id, o.status, o.created_at, o.final_price, o.asking_price, o.reserved_until, o.deal_number, o.sale_date,
       o.car_id, c.title AS car_title, c.cover_photo, c.year, c.mileage_km, u.name AS other_name
  FROM orders o
  JOIN cars c ON c.id = o.car_id
  JOIN users u ON u.id = o.seller_id
 WHERE o.buyer_id = :user_id
   AND (:status::text IS NULL OR o.status = :status)
   AND (:after_id::bigint IS NULL OR (o.created_at, o.id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: sold
-- plan: generic
-- One page of a seller's orders (reservations and sales), as bought is for a buyer, with the buyer's name.
SELECT o.id, o.status, o.created_at, o.final_price, o.asking_price, o.reserved_until, o.deal_number, o.sale_date,
       o.car_id, c.title AS car_title, c.cover_photo, c.year, c.mileage_km, u.name AS other_name
  FROM orders o
  JOIN cars c ON c.id = o.car_id
  JOIN users u ON u.id = o.buyer_id
 WHERE o.seller_id = :user_id
   AND (:status::text IS NULL OR o.status = :status)
   AND (:after_id::bigint IS NULL OR (o.created_at, o.id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: bought_counts
-- How many orders a buyer has per status (the filter's figures).
SELECT status, count(*) AS n FROM orders WHERE buyer_id = :user_id GROUP BY status;

-- name: sold_counts
-- How many orders a seller has per status (the filter's figures).
SELECT status, count(*) AS n FROM orders WHERE seller_id = :user_id GROUP BY status;

-- name: lock_car_of_order
-- Lock the car of an order before the order itself (the order a reservation takes them in), so moves never
-- deadlock with a reservation; its id, no row for an unknown order.
SELECT c.id FROM cars c WHERE c.id = (SELECT car_id FROM orders WHERE id = :order_id) FOR UPDATE OF c;

-- name: scenario_ids
-- The ids of an order's payment scenarios and which is chosen.
SELECT id, chosen FROM order_scenarios WHERE order_id = :order_id ORDER BY id;

-- name: account_name
-- An account's display name (the demo's seller as the bill of sale prints them).
SELECT name FROM users WHERE id = :user_id;

-- name: asking_price
-- An order's asking price (the listing's price when it was reserved).
SELECT asking_price FROM orders WHERE id = :order_id;
