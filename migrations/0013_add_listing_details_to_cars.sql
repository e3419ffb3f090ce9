-- Listings as sellers write them (seed 003) and buyers filter them: condition, VIN, location, features, free
-- specifications, SEO texts, the full status workflow (draft -> pending -> available or rejected with a remark;
-- available -> reserved -> sold; withdrawn), soft deletion, featured cars, and a weighted search document
-- (make and model weigh most, then the title, then the description).
ALTER TABLE cars DROP CONSTRAINT cars_status_check;
ALTER TABLE cars ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE cars
    ADD CONSTRAINT cars_status_check
        CHECK (status IN ('draft', 'pending', 'rejected', 'available', 'reserved', 'sold', 'withdrawn')),
    ADD COLUMN condition text NOT NULL DEFAULT 'used' CONSTRAINT cars_condition_check CHECK (condition IN ('new', 'used')),
    ADD COLUMN vin text CONSTRAINT cars_vin_check CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    ADD COLUMN city text NOT NULL DEFAULT '' CONSTRAINT cars_city_check CHECK (length(city) <= 80),
    ADD COLUMN postcode text CONSTRAINT cars_postcode_check CHECK (length(postcode) <= 12),
    ADD COLUMN features text[] NOT NULL DEFAULT '{}',
    ADD COLUMN specs jsonb NOT NULL DEFAULT '[]'::jsonb CONSTRAINT cars_specs_check CHECK (jsonb_typeof(specs) = 'array'),
    ADD COLUMN seo_title text CONSTRAINT cars_seo_title_check CHECK (length(seo_title) <= 70),
    ADD COLUMN seo_description text CONSTRAINT cars_seo_description_check CHECK (length(seo_description) <= 160),
    ADD COLUMN rejection_remark text CONSTRAINT cars_rejection_remark_check CHECK (length(rejection_remark) <= 1000),
    ADD COLUMN featured boolean NOT NULL DEFAULT false,
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN view_count bigint NOT NULL DEFAULT 0,
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', make || ' ' || model), 'A')
        || setweight(to_tsvector('english', title), 'B')
        || setweight(to_tsvector('english', description), 'C')
    ) STORED,
    -- The categorical filters as one array, so a GIN index answers any combination of them (rare values included).
    ADD COLUMN filter_tags text[] GENERATED ALWAYS AS (ARRAY[
        'fuel:' || fuel, 'body:' || body, 'colour:' || lower(colour), 'transmission:' || transmission,
        'condition:' || condition, 'city:' || lower(city)
    ]) STORED;

-- Every change of an asking price, for the car page's history and later price-drop alerts.
CREATE TABLE car_price_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id     bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    price      numeric(12, 2) NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX car_price_history_car_id_idx ON car_price_history (car_id, changed_at);

-- Statement-level with transition tables: a bulk insert of 50,000 cars records their prices in one statement.
CREATE FUNCTION record_car_prices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO car_price_history (car_id, price) SELECT id, price FROM new_rows;
    ELSE
        INSERT INTO car_price_history (car_id, price)
        SELECT n.id, n.price FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.price <> o.price;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER cars_record_inserted_prices AFTER INSERT ON cars REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_car_prices();
CREATE TRIGGER cars_record_updated_prices AFTER UPDATE ON cars REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_car_prices();

-- Cars listed before this migration start their history at their listing date.
INSERT INTO car_price_history (car_id, price, changed_at) SELECT id, price, created_at FROM cars;
