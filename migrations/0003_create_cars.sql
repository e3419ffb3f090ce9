-- Listings (seed 000). The column is "make" (the word buyers and the search API use) where the seed said "brand".
-- A seller with listings cannot be hard-deleted (RESTRICT): accounts are deactivated or soft-deleted instead.
-- Prices are numeric(12,2) in the site's currency; mileage is whole kilometres.
CREATE TABLE cars (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id    bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    title        text NOT NULL CONSTRAINT cars_title_check CHECK (length(btrim(title)) BETWEEN 3 AND 120),
    description  text NOT NULL DEFAULT '' CONSTRAINT cars_description_check CHECK (length(description) <= 20000),
    price        numeric(12, 2) NOT NULL CONSTRAINT cars_price_check CHECK (price > 0 AND price < 100000000),
    status       text NOT NULL DEFAULT 'pending'
                     CONSTRAINT cars_status_check CHECK (status IN ('pending', 'available', 'reserved', 'sold')),
    make         text NOT NULL CONSTRAINT cars_make_check CHECK (length(btrim(make)) BETWEEN 1 AND 40),
    model        text NOT NULL CONSTRAINT cars_model_check CHECK (length(btrim(model)) BETWEEN 1 AND 60),
    year         smallint NOT NULL CONSTRAINT cars_year_check CHECK (year BETWEEN 1886 AND 2100),
    fuel         text NOT NULL CONSTRAINT cars_fuel_check
                     CHECK (fuel IN ('petrol', 'diesel', 'hybrid', 'plug_in_hybrid', 'electric', 'lpg', 'cng',
                                     'hydrogen', 'other')),
    mileage_km   integer NOT NULL CONSTRAINT cars_mileage_km_check CHECK (mileage_km BETWEEN 0 AND 3000000),
    transmission text NOT NULL CONSTRAINT cars_transmission_check
                     CHECK (transmission IN ('manual', 'automatic', 'semi_automatic')),
    body         text NOT NULL CONSTRAINT cars_body_check
                     CHECK (body IN ('sedan', 'hatchback', 'estate', 'suv', 'coupe', 'convertible', 'van', 'pickup',
                                     'minivan', 'other')),
    colour       text NOT NULL CONSTRAINT cars_colour_check CHECK (length(btrim(colour)) BETWEEN 1 AND 30),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cars_seller_id_idx ON cars (seller_id);
-- The listing's default order (newest first) with a keyset on (created_at, id), per status.
CREATE INDEX cars_status_created_at_id_idx ON cars (status, created_at DESC, id DESC);
CREATE INDEX cars_make_model_idx ON cars (make, model);

CREATE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
