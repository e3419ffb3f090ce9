-- Search people expect (issue 10): listings carry the details buyers filter on and their coordinates.
-- * Seller type is a listing attribute the seller chooses ("private" or "dealer"): users have no dealer notion yet
--   (their roles are user, seller and admin), and one account may sell both ways until dealerships exist.
-- * Power in kW (pages show hp beside it), owners so far, the month of first registration (the year is cars.year),
--   accident free (NULL: not stated), doors, seats and the emission class: all optional, NULL when not given.
-- * latitude/longitude: where the car stands, from its city by the bundled place list when saved (NULL when the
--   place is unknown; such a car is never within a radius). Existing cars are located by
--   `python -m carsite listings locate` (the place list lives in the application, not in the database).
-- * filter_tags carries the new exact filters too, so the GIN and covering indexes answer them like the others:
--   seller:<type>, doors:2-3|4-5|6-7, seats:<n>, owners:<n>, emission:<class>, accident_free,
--   photos (a reviewed cover photo). "At least"/"at most" filters ask for any of several tags (&&).
--   PostgreSQL 15 cannot change a generated column's expression, so the column and the indexes
--   carrying it are rebuilt.
-- * Features are searched in cars.features itself (GIN): as tags they would double the covering indexes' size.
-- * Power, registration month and coordinates are range filters: the covering indexes carry them, so the newest
--   first (and facet samples) check them inside the index; a btree on (latitude, longitude) finds the cars of a
--   small, sparse circle through its bounding box (measured with bench/search.py: the planner estimates a btree
--   range from its histogram, while cube/earthdistance's GiST operators have fixed guesses; and
--   earthdistance's functions in an index break dumps restored with an empty search_path).
ALTER TABLE cars
    ADD COLUMN seller_type text NOT NULL DEFAULT 'private'
        CONSTRAINT cars_seller_type_check CHECK (seller_type IN ('private', 'dealer')),
    ADD COLUMN power_kw smallint CONSTRAINT cars_power_kw_check CHECK (power_kw BETWEEN 1 AND 2000),
    ADD COLUMN owners smallint CONSTRAINT cars_owners_check CHECK (owners BETWEEN 0 AND 99),
    ADD COLUMN registration_month smallint
        CONSTRAINT cars_registration_month_check CHECK (registration_month BETWEEN 1 AND 12),
    ADD COLUMN accident_free boolean,
    ADD COLUMN doors smallint CONSTRAINT cars_doors_check CHECK (doors BETWEEN 1 AND 9),
    ADD COLUMN seats smallint CONSTRAINT cars_seats_check CHECK (seats BETWEEN 1 AND 9),  -- more: a bus
    ADD COLUMN emission_class text CONSTRAINT cars_emission_class_check
        CHECK (emission_class IN ('euro1', 'euro2', 'euro3', 'euro4', 'euro5', 'euro6', 'euro6c', 'euro6d_temp',
                                  'euro6d', 'euro6e')),
    ADD COLUMN latitude double precision CONSTRAINT cars_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    ADD COLUMN longitude double precision CONSTRAINT cars_longitude_check CHECK (longitude BETWEEN -180 AND 180),
    ADD CONSTRAINT cars_coordinates_check CHECK ((latitude IS NULL) = (longitude IS NULL));

-- Great-circle distance in km (haversine; carsite.domain.places.distance_km computes the same); NULL when a
-- point is NULL. One SQL expression, inlined by the planner.
CREATE FUNCTION distance_km(lat1 double precision, lon1 double precision, lat2 double precision,
                            lon2 double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 2 * 6371.0088 * asin(CASE  -- rounding may pass 1; a NULL point gives NULL
        WHEN power(sin(radians(lat2 - lat1) / 2), 2)
             + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2) > 1 THEN 1
        ELSE sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
                  + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))
    END)
$$;
COMMENT ON FUNCTION distance_km(double precision, double precision, double precision, double precision) IS
    'Great-circle distance in km between two latitude/longitude points (haversine, as carsite.domain.places '
    'computes it); NULL when a point is NULL.';

DROP INDEX cars_filter_tags_idx;
DROP INDEX cars_listed_created_at_idx;
DROP INDEX cars_listed_make_price_idx;
DROP INDEX cars_listed_make_created_at_idx;
ALTER TABLE cars DROP COLUMN filter_tags;
ALTER TABLE cars ADD COLUMN filter_tags text[] GENERATED ALWAYS AS (array_remove(ARRAY[
        'fuel:' || fuel, 'body:' || body, 'colour:' || lower(colour), 'transmission:' || transmission,
        'condition:' || condition, 'city:' || lower(city), 'seller:' || seller_type,
        'doors:' || CASE WHEN doors <= 3 THEN '2-3' WHEN doors <= 5 THEN '4-5' WHEN doors > 5 THEN '6-7' END,
        'seats:' || seats::text, 'owners:' || owners::text, 'emission:' || emission_class,
        CASE WHEN accident_free THEN 'accident_free' END, CASE WHEN cover_photo IS NOT NULL THEN 'photos' END
    ], NULL)) STORED;
ALTER TABLE cars ALTER COLUMN filter_tags SET STATISTICS 1000;
-- Cars stand at their city's coordinates: a few thousand points, many cars each. Without the common pairs the
-- planner takes latitude and longitude as independent and expects a big city's circle to hold a seventh of its
-- cars (and reads them all through the location index instead of walking the sort's index).
CREATE STATISTICS cars_location_stats (mcv) ON latitude, longitude FROM cars;
ALTER STATISTICS cars_location_stats SET STATISTICS 1000;

CREATE INDEX cars_filter_tags_idx ON cars USING gin (filter_tags) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_created_at_idx ON cars (created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, power_kw, registration_month, latitude, longitude, filter_tags, make, model,
             fuel, body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_price_idx ON cars (make, price, id)
    INCLUDE (year, mileage_km, power_kw, registration_month, latitude, longitude, filter_tags, model)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_created_at_idx ON cars (make, created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, power_kw, registration_month, latitude, longitude, filter_tags, model, fuel,
             body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
-- Sorted by price, a filter the cheapest cars rarely match (seven seats, a circle) is checked inside the index.
DROP INDEX cars_listed_price_idx;
CREATE INDEX cars_listed_price_idx ON cars (price, id)
    INCLUDE (year, mileage_km, power_kw, registration_month, latitude, longitude, filter_tags)
    WHERE status = 'available' AND deleted_at IS NULL;
-- The cars in a circle's bounding box, with what the filters and sorts need: a big city's circle (tens of
-- thousands of cars at a million) is then read from this index alone, whatever the planner expected.
CREATE INDEX cars_listed_location_idx ON cars (latitude, longitude)
    INCLUDE (id, created_at, price, mileage_km, year, power_kw, registration_month, filter_tags)
    WHERE status = 'available' AND deleted_at IS NULL AND latitude IS NOT NULL;
CREATE INDEX cars_features_idx ON cars USING gin (features) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_power_idx ON cars (power_kw, id) WHERE status = 'available' AND deleted_at IS NULL;

-- Locating a car (filling its coordinates from its city) is no change to the listing: updated_at stays.
CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at('view_count', 'search', 'filter_tags', 'latitude', 'longitude');

ANALYZE cars;
