-- Purchases (seed 000). Orders are financial records: neither the car nor either party can be hard-deleted while
-- an order points at them (RESTRICT). At most one order per car can be live (not cancelled): the database, not a
-- check in Python, decides which of two simultaneous buyers gets the car.
CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id      bigint NOT NULL REFERENCES cars (id) ON DELETE RESTRICT,
    buyer_id    bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    seller_id   bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    final_price numeric(12, 2) NOT NULL CONSTRAINT orders_final_price_check CHECK (final_price > 0),
    status      text NOT NULL DEFAULT 'draft'
                    CONSTRAINT orders_status_check CHECK (status IN ('draft', 'pending', 'completed', 'cancelled')),
    documents   jsonb NOT NULL DEFAULT '[]'::jsonb
                    CONSTRAINT orders_documents_check CHECK (jsonb_typeof(documents) = 'array'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_buyer_not_seller_check CHECK (buyer_id <> seller_id)
);

CREATE UNIQUE INDEX orders_car_id_live_key ON orders (car_id) WHERE status <> 'cancelled';
CREATE INDEX orders_car_id_idx ON orders (car_id);
CREATE INDEX orders_buyer_id_idx ON orders (buyer_id, created_at DESC);
CREATE INDEX orders_seller_id_idx ON orders (seller_id, created_at DESC);

CREATE TRIGGER orders_set_updated_at BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
