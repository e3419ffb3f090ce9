-- Buying (issue 14): an order is a reservation that the seller accepts and completes. The car's status moves with
-- it in the same transaction (available -> reserved -> sold, or back to available), and orders_car_id_live_key
-- (one order per car that is not cancelled) stays the database's last word on who gets the car.
-- No order was ever written before this migration (no page made one); a draft would be cancelled.
UPDATE orders SET status = 'cancelled' WHERE status = 'draft';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'accepted', 'completed', 'cancelled'));

ALTER TABLE orders
    -- A retried POST (a double click, a lost response) carries the same key and finds the order it made.
    ADD COLUMN idempotency_key uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    -- The listing's price when reserved; final_price is the agreed one (the asking price until completion).
    ADD COLUMN asking_price numeric(12, 2),
    ADD COLUMN reserved_until timestamptz,
    ADD COLUMN accepted_at timestamptz,
    ADD COLUMN completed_at timestamptz,
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancelled_by bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN cancel_kind text CONSTRAINT orders_cancel_kind_check
        CHECK (cancel_kind IN ('buyer', 'seller', 'lapsed', 'sold_elsewhere', 'admin')),
    ADD COLUMN cancel_reason text CONSTRAINT orders_cancel_reason_check CHECK (length(cancel_reason) <= 1000),
    ADD COLUMN buyer_message text NOT NULL DEFAULT '' CONSTRAINT orders_buyer_message_check
        CHECK (length(buyer_message) <= 2000),
    -- The parties as the documents print them: the buyer gives theirs when reserving, the seller confirms both
    -- when completing.
    ADD COLUMN buyer_name text NOT NULL DEFAULT '' CONSTRAINT orders_buyer_name_check CHECK (length(buyer_name) <= 120),
    ADD COLUMN buyer_address text NOT NULL DEFAULT '' CONSTRAINT orders_buyer_address_check
        CHECK (length(buyer_address) <= 300),
    ADD COLUMN buyer_phone text NOT NULL DEFAULT '' CONSTRAINT orders_buyer_phone_check CHECK (length(buyer_phone) <= 40),
    ADD COLUMN seller_name text NOT NULL DEFAULT '' CONSTRAINT orders_seller_name_check
        CHECK (length(seller_name) <= 120),
    ADD COLUMN seller_address text NOT NULL DEFAULT '' CONSTRAINT orders_seller_address_check
        CHECK (length(seller_address) <= 300),
    ADD COLUMN sale_date date,
    -- The deal number, per seller and year, gap-free: deal_seq comes from deal_counters in the completing
    -- transaction, so a completion that rolls back gives its number back.
    ADD COLUMN deal_year smallint,
    ADD COLUMN deal_seq integer CONSTRAINT orders_deal_seq_check CHECK (deal_seq >= 1),
    ADD COLUMN deal_number text GENERATED ALWAYS AS (deal_year::text || '-' || lpad(deal_seq::text, 6, '0')) STORED,
    ADD CONSTRAINT orders_completed_has_deal_check CHECK (
        (status = 'completed') = (deal_seq IS NOT NULL AND deal_year IS NOT NULL AND completed_at IS NOT NULL
                                  AND sale_date IS NOT NULL)),
    ADD CONSTRAINT orders_cancelled_check CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    ADD CONSTRAINT orders_open_held_check CHECK (status NOT IN ('pending', 'accepted') OR reserved_until IS NOT NULL);

CREATE UNIQUE INDEX orders_idempotency_key ON orders (buyer_id, idempotency_key);
CREATE UNIQUE INDEX orders_deal_number_key ON orders (seller_id, deal_year, deal_seq) WHERE deal_seq IS NOT NULL;
-- The lapse job's scan: open orders by the end of their hold.
CREATE INDEX orders_open_until_idx ON orders (reserved_until) WHERE status IN ('pending', 'accepted');
CREATE INDEX orders_buyer_status_idx ON orders (buyer_id, status, created_at DESC, id DESC);
CREATE INDEX orders_seller_status_idx ON orders (seller_id, status, created_at DESC, id DESC);
CREATE INDEX orders_conversation_id_idx ON orders (conversation_id) WHERE conversation_id IS NOT NULL;
COMMENT ON INDEX orders_idempotency_key IS 'A buyer''s retried reservation (same form key) finds its order.';
COMMENT ON INDEX orders_deal_number_key IS 'Deal numbers are unique per seller and year.';

-- One row per seller and year: the last deal number given. Updated (row-locked) in the completing transaction, so
-- concurrent completions for one seller take turns and a rollback returns its number.
CREATE TABLE deal_counters (
    seller_id   bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    year        smallint NOT NULL,
    last_number integer NOT NULL CONSTRAINT deal_counters_last_number_check CHECK (last_number >= 0),
    PRIMARY KEY (seller_id, year)
);
COMMENT ON TABLE deal_counters IS 'The last deal number per seller and year (gap-free: taken in the sale''s transaction).';

-- The order's timeline: what happened, when, by whom. request_key is the form's idempotency key for a move, so a
-- repeated accept, complete or cancel finds the move it already made.
CREATE TABLE order_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    event       text NOT NULL CONSTRAINT order_events_event_check CHECK (event IN (
                    'reserved', 'accepted', 'completed', 'cancelled', 'lapsed', 'sold_elsewhere',
                    'scenario_added', 'scenario_chosen', 'scenario_removed', 'details_changed', 'document_added')),
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT order_events_detail_check
                    CHECK (jsonb_typeof(detail) = 'object'),
    request_key uuid
);
CREATE INDEX order_events_order_id_idx ON order_events (order_id, id);
CREATE UNIQUE INDEX order_events_request_key ON order_events (order_id, request_key) WHERE request_key IS NOT NULL;

-- How the buyer pays (seed 004's deal scenarios): cash, or finance with deposit, APR and term. Several per order,
-- at most one chosen; the figures are computed by carsite.finance when the scenario is written.
CREATE TABLE order_scenarios (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind            text NOT NULL CONSTRAINT order_scenarios_kind_check CHECK (kind IN ('cash', 'finance')),
    price           numeric(12, 2) NOT NULL CONSTRAINT order_scenarios_price_check CHECK (price > 0),
    deposit         numeric(12, 2) NOT NULL DEFAULT 0 CONSTRAINT order_scenarios_deposit_check
                        CHECK (deposit >= 0 AND deposit <= price),
    apr             numeric(5, 2) CONSTRAINT order_scenarios_apr_check CHECK (apr >= 0 AND apr < 100),
    term_months     smallint CONSTRAINT order_scenarios_term_check CHECK (term_months BETWEEN 1 AND 120),
    monthly_payment numeric(12, 2),
    total_interest  numeric(12, 2),
    total_payable   numeric(12, 2) NOT NULL,
    chosen          boolean NOT NULL DEFAULT false,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_scenarios_shape_check CHECK (
        CASE kind WHEN 'cash' THEN apr IS NULL AND term_months IS NULL AND monthly_payment IS NULL
                  ELSE apr IS NOT NULL AND term_months IS NOT NULL AND monthly_payment IS NOT NULL
                       AND total_interest IS NOT NULL END)
);
CREATE INDEX order_scenarios_order_id_idx ON order_scenarios (order_id, id);
CREATE UNIQUE INDEX order_scenarios_one_chosen_key ON order_scenarios (order_id) WHERE chosen;
COMMENT ON INDEX order_scenarios_one_chosen_key IS 'At most one chosen payment scenario per order.';
