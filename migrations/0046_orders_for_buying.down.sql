DROP TABLE order_scenarios;
DROP TABLE order_events;
DROP TABLE deal_counters;
DROP INDEX orders_conversation_id_idx;
DROP INDEX orders_seller_status_idx;
DROP INDEX orders_buyer_status_idx;
DROP INDEX orders_open_until_idx;
DROP INDEX orders_deal_number_key;
DROP INDEX orders_idempotency_key;
ALTER TABLE orders
    DROP CONSTRAINT orders_open_held_check,
    DROP CONSTRAINT orders_cancelled_check,
    DROP CONSTRAINT orders_completed_has_deal_check,
    DROP COLUMN deal_number,
    DROP COLUMN deal_seq,
    DROP COLUMN deal_year,
    DROP COLUMN sale_date,
    DROP COLUMN seller_address,
    DROP COLUMN seller_name,
    DROP COLUMN buyer_phone,
    DROP COLUMN buyer_address,
    DROP COLUMN buyer_name,
    DROP COLUMN buyer_message,
    DROP COLUMN cancel_reason,
    DROP COLUMN cancel_kind,
    DROP COLUMN cancelled_by,
    DROP COLUMN cancelled_at,
    DROP COLUMN completed_at,
    DROP COLUMN accepted_at,
    DROP COLUMN reserved_until,
    DROP COLUMN asking_price,
    DROP COLUMN conversation_id,
    DROP COLUMN idempotency_key;
UPDATE orders SET status = 'pending' WHERE status = 'accepted';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('draft', 'pending', 'completed', 'cancelled'));
